import type { Logger } from '@shardgate/logger';
import type { GatewayMetrics } from '@shardgate/metrics';
import { CloseReasons, encodeFrame, isCloseReason, type ShardBatch } from '@shardgate/protocol';
import type { SocketHandler } from './socket-handler';

/**
 * Applies one shard batch: each connection's frame (its packets from the batch's table, in
 * queue order), then the closes, so packets queued before a close are delivered first.
 * A reader over the unsent-bytes bound is closed with `lost` rather than left to grow.
 */
export function deliverBatch(batch: ShardBatch, sockets: SocketHandler, metrics: GatewayMetrics, logger: Logger): void {
  const packets = batch.packets;
  for (const [instance, indices] of batch.frames) {
    const connection = sockets.get(instance);
    if (!connection || connection.closed || indices.length === 0) continue;
    const parts: string[] = [];
    for (const index of indices) {
      const packet = packets[index];
      if (packet !== undefined) parts.push(packet);
    }
    // Never send `[]` or a hole: the Kaetram client would crash on an empty frame.
    if (parts.length === 0) continue;
    const frame = encodeFrame(parts);
    const result = connection.sendUTF8(frame);
    if (result === 'closed') continue;
    metrics.framesSent.inc();
    metrics.bytesSent.inc(Buffer.byteLength(frame));
    if (result === 'slow') {
      metrics.slowReaderCloses.inc();
      logger.warn({ instance, ip: connection.ip }, 'slow reader closed');
      connection.close(CloseReasons.Lost);
    }
  }
  for (const [instance, reason] of batch.closes) {
    sockets.get(instance)?.close(isCloseReason(reason) ? reason : CloseReasons.Error);
  }
}
