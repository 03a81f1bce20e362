'use strict';
// Micro-benchmark of the shard's hot packet text and chat cleaning: JSON.stringify of the
// structured chat/move packets vs their template builders, and the two-pass cleanChat vs the
// one-pass one, side by side in one process. Needs the build: `npm run build`, then
// `node bench/micro/packets.js [ms per case, default 200]`.
const path = require('node:path');
const dist = path.join(__dirname, '../../services/shard/dist');
const P = require(path.join(dist, 'packets.js'));
const { cleanChat, MAX_CHAT_LENGTH } = require(path.join(dist, 'chat.js'));

/** cleanChat before the one-pass version (two regex passes), the baseline: the shard tests' frozen reference. */
const { cleanChatTwoPass } = require('../../services/shard/test/clean-chat-two-pass.js');
const cleanChatOld = (raw) => cleanChatTwoPass(raw, MAX_CHAT_LENGTH);

const MS = Number(process.argv[2]) || 200;
let sink = 0;

/** Calls/second of fn over `inputs` (round robin), after a warm-up. */
function rate(fn, inputs) {
  const n = inputs.length;
  for (let i = 0; i < 20000; i++) sink += fn(inputs[i % n]).length | 0;
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) sink += fn(inputs[(calls + i) % n]).length | 0;
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

const cases = [
  ['chat packet', (c) => JSON.stringify(P.chat('0-1234', 'Guest42', c)), (c) => P.chatText('0-1234', 'Guest42', c), chats],
  ['move packet', (m) => JSON.stringify(P.move(m.instance, m.x, m.y)), (m) => P.moveText(m.instance, m.x, m.y), moves],
  ['cleanChat', (r) => cleanChatOld(r) ?? '', (r) => cleanChat(r) ?? '', rawChats],
];

for (const [, before, after, inputs] of cases) {
  for (const input of inputs) if (before(input) !== after(input)) throw new Error(`outputs differ for ${JSON.stringify(input)}`);
}

console.log(`node ${process.version}, ${MS} ms per measurement, best of 3`);
console.log(['case', 'before (ops/s)', 'after (ops/s)', 'after/before'].join('\t'));
for (const [name, before, after, inputs] of cases) {
  let b = 0;
  let a = 0;
  // Interleaved so drift (thermal, GC) hits both sides alike.
  for (let round = 0; round < 3; round++) {
    b = Math.max(b, rate(before, inputs));
    a = Math.max(a, rate(after, inputs));
  }
  console.log([name, Math.round(b).toLocaleString('en'), Math.round(a).toLocaleString('en'), `${(a / b).toFixed(2)}x`].join('\t'));
}
if (sink === 0.5) console.log(sink); // keeps the results alive
