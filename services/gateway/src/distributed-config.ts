import type { EnvReader } from '@shardgate/config';

/** What a gateway of the distributed mode reads beyond `GatewayConfig`. */
export interface DistributedGatewayConfig {
  redisUrl: string;
  natsUrl: string;
  /** Prefix of every Redis key, so deployments can share one Redis. */
  redisPrefix: string;
  /** While Redis is away: `open` admits with local limits, `closed` refuses with `maintenance`. */
  redisFailureMode: 'open' | 'closed';
  guardLeaseMs: number;
  /** GATEWAY_ID given explicitly; otherwise one is allocated through Redis. */
  gatewayIdGiven: boolean;
  drain: DrainOptions;
}

export interface DrainOptions {
  /** Players closed per step. */
  batch: number;
  /** Time between steps (and before the first, so the shards' last tick is delivered). */
  intervalMs: number;
  /** The drain ends by then, closing whoever is left. */
  timeoutMs: number;
}

const REDIS_URL = /^rediss?:\/\/\S+$/;
const NATS_URL = /^(nats|tls|ws|wss):\/\/\S+(,\s*(nats|tls|ws|wss):\/\/\S+)*$/;
const PREFIX = /^[A-Za-z0-9_:.-]{1,64}$/;

export function readDistributedGatewayConfig(reader: EnvReader, env: Readonly<Record<string, string | undefined>>): DistributedGatewayConfig {
  const redisUrl = reader.optionalString('REDIS_URL', REDIS_URL, 'a redis:// or rediss:// URL');
  const natsUrl = reader.optionalString('NATS_URL', NATS_URL, 'nats:// URLs, comma-separated');
  if (redisUrl === undefined) reader.problem('REDIS_URL: required by a standalone gateway (the embedded mode is `npm start`)');
  if (natsUrl === undefined) reader.problem('NATS_URL: required by a standalone gateway (the embedded mode is `npm start`)');
  return {
    redisUrl: redisUrl ?? '',
    natsUrl: natsUrl ?? '',
    redisPrefix: reader.string('REDIS_PREFIX', 'sg:', PREFIX, '1 to 64 characters of [A-Za-z0-9_:.-]'),
    redisFailureMode: reader.oneOf('REDIS_FAILURE_MODE', ['open', 'closed'] as const, 'open'),
    guardLeaseMs: reader.int('GUARD_LEASE_MS', 10_000, { min: 1000, max: 300_000 }),
    gatewayIdGiven: (env.GATEWAY_ID ?? '').trim() !== '',
    drain: {
      batch: reader.int('DRAIN_BATCH', 500, { min: 1, max: 1_000_000 }),
      intervalMs: reader.int('DRAIN_INTERVAL_MS', 100, { min: 0, max: 60_000 }),
      timeoutMs: reader.int('DRAIN_TIMEOUT_MS', 25_000, { min: 100, max: 3_600_000 }),
    },
  };
}
