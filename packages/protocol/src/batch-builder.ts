import type { CloseReason } from './close-reasons';
import type { ShardBatch } from './envelopes';

/**
 * Assembles one ShardBatch from frames that refer to a larger packet table (the shard's table
 * for the tick, or a batch being cut in pieces): each packet a frame uses is copied into the
 * batch once, and the frame's indices are renumbered to the batch's own table. The
 * renumbering is one typed-array lookup per reference (no hashing), which matters: a region
 * broadcast is one reference per recipient.
 */
export class BatchBuilder {
  private readonly packets: string[] = [];
  private readonly frames: Array<[string, number[]]> = [];
  private readonly closes: Array<[string, CloseReason]> = [];
  private readonly moves: Array<[string, string]> = [];
  // Position + 1 of each table packet in this batch; 0 = not copied yet.
  private readonly local: Uint32Array;
  /** Packet references in frames (what the players receive). */
  references = 0;
  /**
   * Encoded size so far, estimated: string lengths in UTF-16 units (= UTF-8 bytes for ASCII,
   * which packets nearly all are) plus a few bytes per index. Used to cut a tick's batch well
   * under the bus's largest message without encoding it twice.
   */
  bytes = 0;

  constructor(private readonly table: readonly string[]) {
    this.local = new Uint32Array(table.length);
  }

  addFrame(instance: string, queued: readonly number[]): void {
    const indices = new Array<number>(queued.length);
    for (let i = 0; i < queued.length; i++) {
      const global = queued[i]!;
      let local = this.local[global]!;
      if (local === 0) {
        const packet = this.table[global]!;
        this.packets.push(packet);
        this.bytes += packet.length + 3;
        local = this.local[global] = this.packets.length;
      }
      indices[i] = local - 1;
    }
    this.references += queued.length;
    this.bytes += instance.length + 4 + 3 * queued.length;
    this.frames.push([instance, indices]);
  }

  addClose(instance: string, reason: CloseReason): void {
    this.closes.push([instance, reason]);
    this.bytes += instance.length + reason.length + 4;
  }

  /** The player now lives on another shard (after its frames in this batch). */
  addMove(instance: string, shard: string): void {
    this.moves.push([instance, shard]);
    this.bytes += instance.length + shard.length + 4;
  }

  build(shard: string): ShardBatch {
    const batch: ShardBatch = { shard, packets: this.packets, frames: this.frames, closes: this.closes };
    if (this.moves.length > 0) batch.moves = this.moves;
    return batch;
  }
}
