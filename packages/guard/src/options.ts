// Every option of the package is checked here, once, naming the offending field.
import type { Redis } from 'ioredis';
import { GuardConfigError } from './errors';
import type { GuardLimits } from './guard';

export type FailureMode = 'open' | 'closed';

/** What a store-backed guard was doing when it had to decide without the store. */
export type DegradedOperation =
  | 'admit'
  | 'release'
  | 'connections'
  | 'isBanned'
  | 'bans'
  | 'renew'
  | 'reconcile'
  | 'lease'
  | 'close';

export interface RedisGuardOptions {
  /** A connected (or lazyConnect) ioredis client owned by the caller; never quit by the guard. Must not use `keyPrefix`. */
  redis: Redis;
  /** Prepended to every key, e.g. "shardgate:"; every gateway of one deployment uses the same. */
  prefix: string;
  /** This gateway process; unique among live gateways and fresh per process start (e.g. host-pid-random). */
  gatewayId: string;
  limits: GuardLimits;
  /** Lease of this gateway's counts, renewed every leaseMs/3. Default 10000. */
  leaseMs?: number;
  /** 'open' (default): decide with local limits when the store fails; 'closed': refuse with 'maintenance'. */
  failureMode?: FailureMode;
  /** Longest wait for one store call before deciding without it. Default 1000. */
  commandTimeoutMs?: number;
  /** Called once per decision or upkeep step made without the store (log it, count it). Must not throw. */
  onDegraded?: (op: DegradedOperation, err: Error) => void;
}

export interface ResolvedRedisGuardOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly gatewayId: string;
  readonly limits: GuardLimits;
  readonly leaseMs: number;
  readonly failureMode: FailureMode;
  readonly commandTimeoutMs: number;
  readonly onDegraded: (op: DegradedOperation, err: Error) => void;
}

function integer(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new GuardConfigError(field, `must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || /\s/.test(value)) {
    throw new GuardConfigError(field, 'must be a non-empty string without whitespace');
  }
  return value;
}

export function parseLimits(limits: GuardLimits | undefined, field = 'limits'): GuardLimits {
  if (limits === null || typeof limits !== 'object') throw new GuardConfigError(field, 'is required');
  return Object.freeze({
    maxConnectionsPerIp: integer(`${field}.maxConnectionsPerIp`, limits.maxConnectionsPerIp, 1),
    connectIntervalMs: integer(`${field}.connectIntervalMs`, limits.connectIntervalMs, 0),
  });
}

export function parseRedisGuardOptions(options: RedisGuardOptions): ResolvedRedisGuardOptions {
  const { redis } = options;
  if (redis === null || typeof redis !== 'object' || typeof redis.defineCommand !== 'function') {
    throw new GuardConfigError('redis', 'must be an ioredis client');
  }
  // Scripts build other gateways' lease keys from `prefix`; an ioredis keyPrefix would not apply to those.
  if (redis.options?.keyPrefix) {
    throw new GuardConfigError('redis', 'must not use the ioredis keyPrefix option; pass `prefix` instead');
  }
  const failureMode = options.failureMode ?? 'open';
  if (failureMode !== 'open' && failureMode !== 'closed') {
    throw new GuardConfigError('failureMode', `must be 'open' or 'closed', got ${String(failureMode)}`);
  }
  if (options.onDegraded !== undefined && typeof options.onDegraded !== 'function') {
    throw new GuardConfigError('onDegraded', 'must be a function');
  }
  return Object.freeze({
    redis,
    prefix: text('prefix', options.prefix),
    gatewayId: text('gatewayId', options.gatewayId),
    limits: parseLimits(options.limits),
    // >= 30 so that the renew period (leaseMs / 3) stays a real timer, not a busy loop.
    leaseMs: integer('leaseMs', options.leaseMs ?? 10_000, 30),
    failureMode,
    commandTimeoutMs: integer('commandTimeoutMs', options.commandTimeoutMs ?? 1000, 1),
    onDegraded: options.onDegraded ?? (() => undefined),
  });
}

/** For the per-connection limiters: a finite number >= 0 (0 = off). */
export function parseNonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new GuardConfigError(field, `must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}
