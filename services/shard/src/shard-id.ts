import { collectFor, type Bus } from '@shardgate/bus';
import { MAX_NODE_ID, decodeShardHeartbeat, type Subjects } from '@shardgate/protocol';

/**
 * A shard id for a shard started without SHARD_ID: listen to the heartbeats for a little
 * longer than one period, then take a random id none of the live shards uses. (Kubernetes
 * gives each shard its pod ordinal instead; this is for hand-started processes.)
 */
export async function chooseShardId(bus: Bus, subjects: Subjects, heartbeatMs: number, random: () => number = Math.random): Promise<number> {
  const taken = new Set<number>();
  for (const payload of await collectFor(bus, subjects.shardHeartbeat, Math.ceil(heartbeatMs * 1.5))) {
    try {
      taken.add(Number(decodeShardHeartbeat(payload).shard));
    } catch {
      // not a heartbeat we can read: it cannot claim an id either
    }
  }
  for (;;) {
    const id = 1 + Math.floor(random() * MAX_NODE_ID);
    if (!taken.has(id)) return id;
  }
}
