import type { Logger } from '@shardgate/logger';
import type { GatewayMetrics } from '@shardgate/metrics';
import { EventKind, type ClientEvent, type ShardBatch } from '@shardgate/protocol';
import type { SocketHandler } from './socket-handler';

/**
 * A batch's `moves`: players its shard handed to another shard of the world, after their last
 * frame from it (already delivered: deliverBatch runs first). Their events go to the new shard
 * from now on, and the old one gets a fence so that it can pass on what it still had. Only the
 * shard that holds a player may move him; any other claim is refused and counted.
 */
export function followMoves(
  batch: ShardBatch,
  sockets: SocketHandler,
  send: (shard: string, event: ClientEvent) => void,
  metrics: GatewayMetrics,
  logger: Logger,
): void {
  if (batch.moves === undefined) return;
  for (const [instance, shard] of batch.moves) {
    const connection = sockets.get(instance);
    if (connection === undefined || connection.closed) {
      // Gone already: its close went to the old shard, which passes it on.
      metrics.handoffsFollowed.inc({ outcome: 'gone' });
      continue;
    }
    if (connection.shard !== batch.shard) {
      metrics.handoffsFollowed.inc({ outcome: 'refused' });
      logger.warn({ instance, from: batch.shard, holder: connection.shard, to: shard }, 'hand-off from a shard that does not hold the player refused');
      continue;
    }
    connection.shard = shard;
    send(batch.shard, [EventKind.Fence, instance]);
    metrics.handoffsFollowed.inc({ outcome: 'rerouted' });
  }
}
