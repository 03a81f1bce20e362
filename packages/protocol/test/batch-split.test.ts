import fc from 'fast-check';
import {
  CloseReasons,
  decodeGatewayBatch,
  decodeShardBatch,
  encodeEnvelope,
  encodeGatewayBatchWithin,
  encodeShardBatch,
  encodeShardBatchWithin,
  type ClientEvent,
  type ShardBatch,
} from '../src';

/** What each player receives, in order: the packets of its frames, then its close (if any). */
function received(batches: ShardBatch[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const of = (instance: string) => seen.get(instance) ?? seen.set(instance, []).get(instance)!;
  for (const b of batches) {
    for (const [instance, indices] of b.frames) of(instance).push(...indices.map((i) => b.packets[i]!));
    for (const [instance, reason] of b.closes) of(instance).push(`close:${reason}`);
  }
  return seen;
}

const instances = ['0000010000001', '0000010000002', '0000010000003', '0000010000004'];

const shardBatch = fc
  .record({
    packets: fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { minLength: 1, maxLength: 40 }),
    frames: fc.array(fc.tuple(fc.constantFrom(...instances), fc.array(fc.nat(), { minLength: 1, maxLength: 60 })), { maxLength: 12 }),
    closes: fc.array(fc.constantFrom(...instances), { maxLength: 4 }),
  })
  .map(({ packets, frames, closes }): ShardBatch => ({
    shard: '1',
    packets,
    // One frame per instance, as NetworkManager builds them.
    frames: [...new Map(frames.map(([instance, indices]) => [instance, indices.map((i) => i % packets.length)])).entries()],
    closes: [...new Set(closes)].map((instance) => [instance, CloseReasons.Timeout]),
  }));

describe('batch split', () => {
  it('a batch that fits is one envelope, identical to encodeShardBatch', () => {
    const batch: ShardBatch = { shard: '1', packets: ['[0,null]'], frames: [['0000010000001', [0, 0]]], closes: [] };
    const pieces = encodeShardBatchWithin(batch, 1024 * 1024);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]).toEqual(encodeShardBatch(batch));
  });

  it('a tick batch over the bus limit arrives in pieces under it, every player getting the same packets in the same order', () => {
    fc.assert(
      fc.property(shardBatch, fc.integer({ min: 400, max: 20_000 }), (batch, maxBytes) => {
        const pieces = encodeShardBatchWithin(batch, maxBytes);
        const decoded = pieces.map(decodeShardBatch);
        expect(received(decoded)).toEqual(received([batch]));
        // Every piece fits, unless it is one frame of one packet that alone is too big.
        for (const [i, bytes] of pieces.entries()) {
          if (bytes.byteLength <= maxBytes) continue;
          const p = decoded[i]!;
          expect(p.frames.length + p.closes.length).toBe(1);
          expect(p.frames[0]?.[1].length ?? 1).toBe(1);
        }
        // (received() also checks that each close still comes after its player's packets.)
        if (encodeShardBatch(batch).byteLength <= maxBytes) expect(pieces).toHaveLength(1);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it('a 3 MB tick (a burst of Map packets) splits into pieces of at most 1 MiB carrying only the packets they use', () => {
    const map = (r: number) => `[7,{"region":${r},"data":"${'m'.repeat(5600)}"}]`;
    const packets = Array.from({ length: 600 }, (_, r) => map(r));
    const frames: ShardBatch['frames'] = Array.from({ length: 300 }, (_, p) => [`00000100${String(p).padStart(5, '0')}`, [2 * p, 2 * p + 1]]);
    const batch: ShardBatch = { shard: '1', packets, frames, closes: [['0000010000999', CloseReasons.Lost]] };
    expect(encodeShardBatch(batch).byteLength).toBeGreaterThan(3_000_000);
    const pieces = encodeShardBatchWithin(batch, 1024 * 1024);
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const bytes of pieces) expect(bytes.byteLength).toBeLessThanOrEqual(1024 * 1024);
    const decoded = pieces.map(decodeShardBatch);
    expect(decoded.reduce((n, b) => n + b.packets.length, 0)).toBe(600);
    expect(decoded.at(-1)!.closes).toEqual([['0000010000999', CloseReasons.Lost]]);
    expect(received(decoded)).toEqual(received([batch]));
  });

  it('one player with a frame over the limit gets it as consecutive frames, in order', () => {
    const packets = Array.from({ length: 50 }, (_, i) => `[19,{"message":"${String(i).repeat(1000)}"}]`);
    const batch: ShardBatch = { shard: '1', packets, frames: [['0000010000001', packets.map((_, i) => i)]], closes: [] };
    const decoded = encodeShardBatchWithin(batch, 16 * 1024).map(decodeShardBatch);
    expect(decoded.length).toBeGreaterThan(3);
    expect(decoded.every((b) => b.frames.length === 1 && b.frames[0]![0] === '0000010000001')).toBe(true);
    expect(received(decoded).get('0000010000001')).toEqual(packets);
  });

  it('a gateway batch over the limit is cut into consecutive batches, events in order', () => {
    const events: ClientEvent[] = Array.from({ length: 2000 }, (_, i) => [1, `00000100${String(i % 40).padStart(5, '0')}`, 19, { message: `line ${i} ${'x'.repeat(200)}` }]);
    expect(encodeEnvelope({ gateway: '2', events }).byteLength).toBeGreaterThan(64 * 1024);
    const pieces = encodeGatewayBatchWithin({ gateway: '2', events }, 64 * 1024);
    expect(pieces.length).toBeGreaterThan(1);
    for (const bytes of pieces) expect(bytes.byteLength).toBeLessThanOrEqual(64 * 1024);
    const decoded = pieces.map(decodeGatewayBatch);
    expect(decoded.every((b) => b.gateway === '2')).toBe(true);
    expect(decoded.flatMap((b) => b.events)).toEqual(events);
  });
});
