import { readNatsUrl, type EnvReader } from '@shardgate/config';
import { readShardSettings, type ShardSettings } from './config';

/** What a shard of the distributed mode reads. */
export interface DistributedShardConfig {
  /** The shard's settings; `serverId` from `SHARD_ID` or `SERVER_ID`, undefined when neither is set (one is chosen). */
  shard: ShardSettings;
  /** NATS_URL's servers. */
  natsServers: string[];
}

/** `SHARD_ID` is the distributed mode's name for `SERVER_ID` (the world id clients see); set both and they must agree. */
export function readDistributedShardConfig(reader: EnvReader): DistributedShardConfig {
  const settings = readShardSettings(reader);
  const shardId = reader.optionalInt('SHARD_ID', { min: 1, max: 99_999 });
  // A bad value reads as 0 and is reported already: compare only two valid ids.
  if (shardId && settings.serverId && shardId !== settings.serverId) {
    reader.problem(`SHARD_ID and SERVER_ID: name the same world id, got ${shardId} and ${settings.serverId}`);
  }
  return {
    shard: { ...settings, serverId: shardId || settings.serverId },
    natsServers: readNatsUrl(reader, 'a standalone shard'),
  };
}
