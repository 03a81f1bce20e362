// Micro-benchmark of the shard's hot packet text and chat cleaning: JSON.stringify of the
// structured chat/move packets vs their template builders, and the two-pass cleanChat vs the
// one-pass one, side by side in one process.
//   npm run build && node tools/bench/dist/micro/packets.js [ms per case, default 200]
import path from 'node:path';
import { ROOT } from '@shardgate/harness';
import { MAX_CHAT_LENGTH, cleanChat } from '@shardgate/shard';
import * as P from '@shardgate/shard/dist/packets';

/**
 * cleanChat before the one-pass version (two regex passes), the baseline: the shard tests'
 * frozen reference model (plain JavaScript, so it is read where it lives).
 */
const { cleanChatTwoPass } = require(path.join(ROOT, 'services', 'shard', 'test', 'clean-chat-two-pass.js')) as {
  cleanChatTwoPass: (raw: string, maxLength: number) => string | null;
};
const cleanChatOld = (raw: string) => cleanChatTwoPass(raw, MAX_CHAT_LENGTH);

const MS = Number(process.argv[2]) || 200;
let sink = 0;

/** Calls/second of fn over `inputs` (round robin), after a warm-up. */
function rate<T>(fn: (input: T) => string, inputs: readonly T[]): number {
  const n = inputs.length;
  for (let i = 0; i < 20000; i++) sink += fn(inputs[i % n]!).length | 0;
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) sink += fn(inputs[(calls + i) % n]!).length | 0;
    calls += 1000;
    now = process.hrtime.bigint();
  }
  return calls / (Number(now - start) / 1e9);
}

const chats = [
  'hello everyone',
  'anyone want to trade some gold for the iron sword? pm me',
  "don't go north, there's a boss <lvl 20> & it hits hard",
  'lol 😀 gg',
  'x'.repeat(300),
];
const rawChats = chats.map((c) => `  ${c}\t`);
const moves = Array.from({ length: 64 }, (_, i) => ({ instance: `0-${1000 + i}`, x: 100 + i, y: 200 - i }));
type Move = (typeof moves)[number];

interface Case<T> {
  name: string;
  before: (input: T) => string;
  after: (input: T) => string;
  inputs: readonly T[];
}
const cases: Array<Case<string> | Case<Move>> = [
  { name: 'chat packet', before: (c: string) => JSON.stringify(P.chat('0-1234', 'Guest42', c)), after: (c: string) => P.chatText('0-1234', 'Guest42', c), inputs: chats },
  { name: 'move packet', before: (m: Move) => JSON.stringify(P.move(m.instance, m.x, m.y)), after: (m: Move) => P.moveText(m.instance, m.x, m.y), inputs: moves },
  { name: 'cleanChat', before: (r: string) => cleanChatOld(r) ?? '', after: (r: string) => cleanChat(r) ?? '', inputs: rawChats },
];

for (const c of cases as Array<Case<unknown>>) {
  for (const input of c.inputs) if (c.before(input) !== c.after(input)) throw new Error(`outputs differ for ${JSON.stringify(input)}`);
}

const out = (line: string) => process.stdout.write(`${line}\n`);
out(`node ${process.version}, ${MS} ms per measurement, best of 3`);
out(['case', 'before (ops/s)', 'after (ops/s)', 'after/before'].join('\t'));
for (const c of cases as Array<Case<unknown>>) {
  let b = 0;
  let a = 0;
  // Interleaved so drift (thermal, GC) hits both sides alike.
  for (let round = 0; round < 3; round++) {
    b = Math.max(b, rate(c.before, c.inputs));
    a = Math.max(a, rate(c.after, c.inputs));
  }
  out([c.name, Math.round(b).toLocaleString('en'), Math.round(a).toLocaleString('en'), `${(a / b).toFixed(2)}x`].join('\t'));
}
if (sink === 0.5) out(String(sink)); // keeps the results alive
