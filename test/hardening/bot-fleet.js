'use strict';
// Well-behaved players for the hardening suites (issue 7), in their own process so that the
// attacks the test process runs (thousands of sockets, floods) do not delay the clock that
// measures them. Each bot joins as a Kaetram guest, then chats a distinct line at a fixed
// rate and times how long until it hears its own line back (gateway -> shard -> tick ->
// batch -> gateway). One JSON object per stdout line:
//
//   {"type":"ready","instances":[...]}                 every bot joined
//   {"type":"sample","at":<epoch ms sent>,"ms":<round trip>,"bot":<index>}
//   {"type":"closed","bot":<index>,"code":1010,"reason":"..."}
//   {"type":"error","message":"..."}
//
// Started by test/hardening/fleet.ts with a JSON config as argv[2]:
//   { url, prefix: "127.0.50", first: 1, count: 20, hz: 5, pad: "none" | "quotes",
//     maxSeconds: 120 }
// It stops by itself after maxSeconds, on SIGTERM, or when stdin closes (the test died).
const WebSocket = require('ws');

const config = JSON.parse(process.argv[2]);
const { url, prefix, first = 1, count, hz = 5, pad = 'none', maxSeconds = 120, gameVersion = '0.5.5-beta' } = config;
const now = () => performance.timeOrigin + performance.now();
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

// `"` is escaped to `&quot;` by the shard: a 256-character line of them becomes ~1.6 KB on
// the way out, to every player in view. That is how the slow-reader test makes traffic.
const PAD = pad === 'quotes' ? '"'.repeat(240) : '';

const bots = [];
let stopping = false;

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const bot of bots) if (bot.socket && bot.socket.readyState <= 1) bot.socket.terminate();
  setTimeout(() => process.exit(code), 50).unref();
}
process.on('SIGTERM', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();
setTimeout(() => stop(0), maxSeconds * 1000).unref();

function join(index) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress: `${prefix}.${first + index}`, perMessageDeflate: false });
    const bot = { index, socket, instance: undefined, state: 'connecting', pending: new Map(), tag: undefined };
    const timer = setTimeout(() => reject(new Error(`bot ${index}: join timed out in state ${bot.state}`)), 15000);
    socket.on('message', (data) => {
      const text = data.toString();
      if (bot.state === 'ready') return onReadyFrame(bot, text);
      for (const packet of JSON.parse(text)) {
        const id = packet[0];
        if (id === 0 && bot.state === 'connecting') {
          bot.state = 'handshake';
          socket.send(JSON.stringify([1, { gVer: gameVersion }]));
        } else if (id === 1 && bot.state === 'handshake') {
          bot.instance = packet[1].instance;
          bot.tag = `bot|${bot.instance}|`;
          bot.state = 'login';
          socket.send(JSON.stringify([2, { opcode: 2 }]));
        } else if (id === 3 && bot.state === 'login') {
          bot.state = 'welcome';
          socket.send(JSON.stringify([9, { regionsLoaded: 0, userAgent: 'bot-fleet' }]));
        } else if (id === 6 && bot.state === 'welcome') {
          bot.state = 'ready';
          clearTimeout(timer);
          resolve(bot);
        }
      }
    });
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      if (bot.state !== 'ready') reject(new Error(`bot ${index}: closed ${code} ${reason} in state ${bot.state}`));
      else if (!stopping) out({ type: 'closed', bot: index, code, reason: reason.toString() });
      bot.state = 'closed';
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    bots[index] = bot;
  });
}

/** Finds this bot's own lines in a frame without parsing all of it (frames can be large). */
function onReadyFrame(bot, text) {
  const received = now();
  let at = text.indexOf(bot.tag);
  while (at >= 0) {
    const end = text.indexOf('|', at + bot.tag.length);
    const seq = text.slice(at + bot.tag.length, end);
    const sentAt = bot.pending.get(seq);
    if (sentAt !== undefined) {
      bot.pending.delete(seq);
      out({ type: 'sample', at: sentAt, ms: +(received - sentAt).toFixed(2), bot: bot.index });
    }
    at = text.indexOf(bot.tag, end);
  }
}

async function main() {
  // Ten joins at a time, as players arrive.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(10, count) }, async () => {
      while (next < count) await join(next++);
    }),
  );
  out({ type: 'ready', instances: bots.map((b) => b.instance) });
  // Each bot chats every 1000/hz ms; bots are staggered across the period.
  const period = 1000 / hz;
  let seq = 0;
  bots.forEach((bot, i) => {
    setTimeout(() => {
      const timer = setInterval(() => {
        if (stopping || bot.state !== 'ready' || bot.socket.readyState !== WebSocket.OPEN) return clearInterval(timer);
        const s = String(seq++);
        bot.pending.set(s, now());
        bot.socket.send(JSON.stringify([19, [`${bot.tag}${s}|${PAD}`]]));
      }, period);
    }, (i * period) / bots.length);
  });
}

main().catch((error) => {
  out({ type: 'error', message: String(error && error.message ? error.message : error) });
  stop(1);
});
