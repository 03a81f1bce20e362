// A chat-heavy tick for one gateway (1 500 chat packets of ~150 bytes in 85 frames, ~230 KB),
// encoded on the shard and decoded on the gateway, four ways side by side in one run:
//   - msgpack, one string per packet, one message (the wire form before 2026-12-02);
//   - the packet table as one UTF-8 blob + lengths (encodeShardBatch), one message;
//   - each of them cut in ~57 KB messages, as NetworkManager cuts at DEFAULT_BATCH_BYTES (64 KiB).
// Objects over ~128 KB go to V8's large-object space and fresh mmapped pages; on this machine
// that alone costs more than the encoding, hence the cut. Bounded: a few seconds.
//   npm run build && node tools/bench/dist/micro/envelopes.js
import { decode, encode } from '@msgpack/msgpack';
import { decodeShardBatch, encodeShardBatch, type ShardBatch } from '@shardgate/protocol';

function tick(packetCount: number, frameCount: number, offset = 0): ShardBatch {
  const packets = Array.from({ length: packetCount }, (_, j) => {
    const i = j + offset;
    return `[25,{"instance":"00000100${String(i % 85).padStart(5, '0')}","name":"Guest${i % 85}","message":"t${i}x${'y'.repeat(40)} bot line ${i}","withBubble":true,"colour":""}]`;
  });
  const frames = Array.from({ length: frameCount }, (_, f): [string, number[]] => [`00000100${String(f).padStart(5, '0')}`, Array.from({ length: 17 }, (_, k) => (f * 17 + k) % packetCount)]);
  return { shard: '1', packets, frames, closes: [] };
}

const whole = tick(1500, 85);
const pieces = [0, 1, 2, 3].map((p) => tick(375, 21, p * 375));

interface Variant {
  batches: ShardBatch[];
  enc: (b: ShardBatch) => Uint8Array;
  dec: (bytes: Uint8Array) => unknown;
}
const variants: Record<string, Variant> = {
  'msgpack strings, 1 message': { batches: [whole], enc: (b) => encode(b), dec: (b) => decode(b) },
  'msgpack strings, 4 messages': { batches: pieces, enc: (b) => encode(b), dec: (b) => decode(b) },
  'blob + lengths, 1 message': { batches: [whole], enc: encodeShardBatch, dec: decodeShardBatch },
  'blob + lengths, 4 messages': { batches: pieces, enc: encodeShardBatch, dec: decodeShardBatch },
};

/** Microseconds per tick (all of a variant's batches), best of the rounds. */
function time(fn: () => void, ms = 300): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now;
  do {
    for (let i = 0; i < 5; i++) fn();
    n += 5;
    now = process.hrtime.bigint();
  } while (now < end);
  return Number(now - start) / n / 1000;
}

const rows: Record<string, { enc: number; dec: number; size: number }> = {};
for (let round = 0; round < 3; round++) {
  for (const [name, v] of Object.entries(variants)) {
    const bytes = v.batches.map((b) => v.enc(b));
    const r = (rows[name] ??= { enc: Infinity, dec: Infinity, size: bytes.reduce((n, b) => n + b.byteLength, 0) });
    r.enc = Math.min(r.enc, time(() => v.batches.forEach((b) => v.enc(b))));
    r.dec = Math.min(r.dec, time(() => bytes.forEach((b) => v.dec(b))));
  }
}
const out = (line: string) => process.stdout.write(`${line}\n`);
out(`node ${process.version}, best of 3 rounds of 300 ms, one tick = 1 500 packets, 85 frames`);
out('variant'.padEnd(30) + 'bytes'.padStart(9) + 'encode us'.padStart(11) + 'decode us'.padStart(11) + 'vs before'.padStart(22));
const base = rows['msgpack strings, 1 message']!;
for (const [name, r] of Object.entries(rows)) {
  const ratio = `${(base.enc / r.enc).toFixed(2)}x / ${(base.dec / r.dec).toFixed(2)}x`;
  out(name.padEnd(30) + String(r.size).padStart(9) + r.enc.toFixed(0).padStart(11) + r.dec.toFixed(0).padStart(11) + ratio.padStart(22));
}
