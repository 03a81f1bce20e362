// The public API of @shardgate/guard: every export is named here.
export type { Admission, AdmissionRefusal, Guard, GuardLimits } from './guard';
export { MemoryGuard, type MemoryGuardOptions } from './memory-guard';
export { RedisGuard } from './redis-guard';
export type { DegradedOperation, FailureMode, RedisGuardOptions } from './options';
export { RateLimiter } from './rate-limiter';
export { DuplicateFilter } from './duplicate-filter';
export {
  GuardClosedError,
  GuardConfigError,
  GuardLeaseConflictError,
  GuardStoreError,
  GuardTimeoutError,
} from './errors';
