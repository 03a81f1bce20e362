import { readNatsUrl, readRedisUrl, type EnvReader } from '@shardgate/config';

/** What a gateway of the distributed mode reads beyond `GatewayConfig`. */
export interface DistributedGatewayConfig {
  redisUrl: string;
  /** NATS_URL's servers. */
  natsServers: string[];
  /** Prefix of every Redis key, so deployments can share one Redis. */
  redisPrefix: string;
  /** While Redis is away: `open` admits with local limits, `closed` refuses with `maintenance`. */
  redisFailureMode: 'open' | 'closed';
  guardLeaseMs: number;
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

const PREFIX = /^[A-Za-z0-9_:.-]{1,64}$/;

/** Reads what a distributed gateway needs beyond `readGatewaySettings` (whose unset `GATEWAY_ID` it allocates). */
export function readDistributedGatewayConfig(reader: EnvReader): DistributedGatewayConfig {
  return {
    redisUrl: readRedisUrl(reader, 'a standalone gateway'),
    natsServers: readNatsUrl(reader, 'a standalone gateway'),
    redisPrefix: reader.string('REDIS_PREFIX', 'sg:', PREFIX, '1 to 64 characters of [A-Za-z0-9_:.-]'),
    redisFailureMode: reader.oneOf('REDIS_FAILURE_MODE', ['open', 'closed'] as const, 'open'),
    guardLeaseMs: reader.int('GUARD_LEASE_MS', 10_000, { min: 1000, max: 300_000 }),
    drain: {
      batch: reader.int('DRAIN_BATCH', 500, { min: 1, max: 1_000_000 }),
      intervalMs: reader.int('DRAIN_INTERVAL_MS', 100, { min: 0, max: 60_000 }),
      timeoutMs: reader.int('DRAIN_TIMEOUT_MS', 25_000, { min: 100, max: 3_600_000 }),
    },
  };
}
