import type { EnvReader } from './env-reader';

// The backing services' addresses, read the same way by every process that needs them.
const NATS_URL = /^(nats|tls|ws|wss):\/\/\S+(,\s*(nats|tls|ws|wss):\/\/\S+)*$/;
const REDIS_URL = /^rediss?:\/\/\S+$/;

/**
 * `NATS_URL`, required: the NATS servers, comma-separated. `requiredBy` names who needs it
 * ("a standalone shard") in the problem reported when it is unset. Empty when unset or bad
 * (the problem is in `reader`, whose `done()` then throws).
 */
export function readNatsUrl(reader: EnvReader, requiredBy: string): string[] {
  const raw = reader.optionalString('NATS_URL', NATS_URL, 'nats:// URLs, comma-separated');
  // undefined: unset; '': set but bad (optionalString has reported it).
  if (raw === undefined) reader.problem(`NATS_URL: required by ${requiredBy} (the embedded mode is \`npm start\`)`);
  return raw ? raw.split(',').map((s) => s.trim()) : [];
}

/** `REDIS_URL`, required: one redis:// or rediss:// URL; '' when unset or bad (see readNatsUrl). */
export function readRedisUrl(reader: EnvReader, requiredBy: string): string {
  const raw = reader.optionalString('REDIS_URL', REDIS_URL, 'a redis:// or rediss:// URL');
  if (raw === undefined) reader.problem(`REDIS_URL: required by ${requiredBy} (the embedded mode is \`npm start\`)`);
  return raw ?? '';
}
