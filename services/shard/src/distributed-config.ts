import { readNatsUrl, type EnvReader } from '@shardgate/config';
import { readShardSettings, type ShardSettings } from './config';

/** A world shared by several shards: how they find and judge each other. */
export interface SharedWorldConfig {
  /** Another shard of the world silent this long is taken out of it (SHARD_TIMEOUT_MS). */
  shardTimeoutMs: number;
  /** SIGTERM hands every player to the world's other shards within this, else closes the rest (DRAIN_TIMEOUT_MS). */
  drainTimeoutMs: number;
}

/** What a shard of the distributed mode reads. */
export interface DistributedShardConfig {
  /**
   * The shard's settings. `serverId` (the world) is SERVER_ID, else SHARD_ID (a world of its
   * own, as before worlds had several shards), else undefined: one is chosen.
   */
  shard: ShardSettings;
  /** SHARD_ID: this process's id on the bus, unique in the deployment; undefined: chosen at start. */
  shardId: number | undefined;
  /**
   * Set when SERVER_ID is: the shard joins that world with every other shard started with the
   * same SERVER_ID (membership in JetStream KV). Unset: the shard serves its world alone.
   */
  shared: SharedWorldConfig | undefined;
  /** NATS_URL's servers. */
  natsServers: string[];
}

export const SHARED_WORLD_DEFAULTS = Object.freeze({ shardTimeoutMs: 3000, drainTimeoutMs: 20_000 });

export function readDistributedShardConfig(reader: EnvReader): DistributedShardConfig {
  const settings = readShardSettings(reader);
  const shardId = reader.optionalInt('SHARD_ID', { min: 1, max: 99_999 });
  const worldGiven = settings.serverId !== undefined;
  const d = SHARED_WORLD_DEFAULTS;
  const shardTimeoutMs = reader.int('SHARD_TIMEOUT_MS', d.shardTimeoutMs, { min: 100, max: 3_600_000 });
  const drainTimeoutMs = reader.int('DRAIN_TIMEOUT_MS', d.drainTimeoutMs, { min: 0, max: 3_600_000 });
  return {
    // A bad SHARD_ID reads as 0 and is reported already.
    shard: { ...settings, serverId: settings.serverId ?? (shardId || undefined) },
    shardId: shardId || undefined,
    shared: worldGiven ? { shardTimeoutMs, drainTimeoutMs } : undefined,
    natsServers: readNatsUrl(reader, 'a standalone shard'),
  };
}
