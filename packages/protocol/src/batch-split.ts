import { BatchBuilder } from './batch-builder';
import { encodeEnvelope, encodeShardBatch, type ClientEvent, type GatewayBatch, type ShardBatch } from './envelopes';

/**
 * Encodes a batch as one or more envelopes of at most `maxBytes` each (the bus's largest
 * message), to be published in the returned order on one subject. A message over the limit
 * is not sent at all (NATS refuses it), so an oversized tick used to be lost whole.
 *
 * The common case costs one encode. Only a batch over the limit is halved and re-encoded
 * (rare: the shard already cuts its batches well under the limit by estimate). A ShardBatch
 * is halved by frames, keeping closes in the last piece; a single frame too big is halved by
 * packets, so its player gets two consecutive frames in order. Something that cannot be cut
 * (one packet or one event over the limit) is returned as it is: the bus reports it.
 */
export function encodeShardBatchWithin(batch: ShardBatch, maxBytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  splitShard(batch, maxBytes, out);
  return out;
}

export function encodeGatewayBatchWithin(batch: GatewayBatch, maxBytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  splitGateway(batch.gateway, batch.events, maxBytes, out);
  return out;
}

function splitShard(batch: ShardBatch, maxBytes: number, out: Uint8Array[]): void {
  const bytes = encodeShardBatch(batch);
  if (bytes.byteLength <= maxBytes) {
    out.push(bytes);
    return;
  }
  const { frames, closes } = batch;
  // Moves stay with the last piece, after every frame: the gateway re-routes once it has them.
  const moves = batch.moves ?? [];
  let first: ShardBatch['frames'];
  let second: ShardBatch['frames'];
  let closesFirst: ShardBatch['closes'] = [];
  let closesSecond = closes;
  if (frames.length >= 2) {
    const mid = frames.length >> 1;
    first = frames.slice(0, mid);
    second = frames.slice(mid);
  } else if (frames.length === 1 && frames[0]![1].length >= 2) {
    const [instance, indices] = frames[0]!;
    const mid = indices.length >> 1;
    first = [[instance, indices.slice(0, mid)]];
    second = [[instance, indices.slice(mid)]];
  } else if (frames.length === 1 && closes.length > 0) {
    first = frames;
    second = [];
  } else if (frames.length === 0 && closes.length >= 2) {
    const mid = closes.length >> 1;
    first = second = [];
    closesFirst = closes.slice(0, mid);
    closesSecond = closes.slice(mid);
  } else {
    out.push(bytes);
    return;
  }
  splitShard(piece(batch, first, closesFirst, []), maxBytes, out);
  splitShard(piece(batch, second, closesSecond, moves), maxBytes, out);
}

/** A batch of some of `batch`'s frames, carrying only the packets they use, renumbered. */
function piece(batch: ShardBatch, frames: ShardBatch['frames'], closes: ShardBatch['closes'], moves: NonNullable<ShardBatch['moves']>): ShardBatch {
  const builder = new BatchBuilder(batch.packets);
  for (const [instance, indices] of frames) builder.addFrame(instance, indices);
  for (const [instance, reason] of closes) builder.addClose(instance, reason);
  for (const [instance, shard] of moves) builder.addMove(instance, shard);
  return builder.build(batch.shard);
}

function splitGateway(gateway: string, events: ClientEvent[], maxBytes: number, out: Uint8Array[]): void {
  const bytes = encodeEnvelope({ gateway, events });
  if (bytes.byteLength <= maxBytes || events.length < 2) {
    out.push(bytes);
    return;
  }
  const mid = events.length >> 1;
  splitGateway(gateway, events.slice(0, mid), maxBytes, out);
  splitGateway(gateway, events.slice(mid), maxBytes, out);
}
