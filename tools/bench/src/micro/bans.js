'use strict';
// Micro-benchmark of the admission-time ban check (packages/bans: parse the client address,
// then BanList.match, which is what Gateway.onOpen asks first): lookups per second of random
// client addresses (80 % IPv4, 20 % IPv6, ~1 % of them banned) against ban lists of 0 to
// 100 000 bans (70 % IPv4 addresses, 10 % IPv4 ranges, 15 % IPv6 addresses, 5 % IPv6 ranges),
// best of 5 interleaved rounds. Two mixes of range lengths: `usual` (/16, /20, /24; /48, /56, /64) and
// `every` (every length from /16 to /28 and /48 to /64: the worst case, the lookup's cost grows
// with the number of distinct lengths in use, never with the number of bans). Then a linear
// scan of 100 000 as the O(n) it avoids.
// Needs the build: `npm run build`, then `node tools/bench/src/micro/bans.js`.
const path = require('node:path');
const { BanList, contains, parseAddress, parseCidr, formatCidr } = require(path.join(__dirname, '../../../../packages/bans/dist/index.js'));

// mulberry32: a seeded generator, so every run measures the same lists.
let seed = 42;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const word = () => Math.floor(random() * 2 ** 32) >>> 0;
const mask = (w, keep) => (keep >= 32 ? w : keep <= 0 ? 0 : (w & (0xffffffff << (32 - keep))) >>> 0);

const pick = (list) => list[Math.floor(random() * list.length)];
const MIXES = {
  usual: { v4: [16, 20, 24], v6: [48, 56, 64] },
  every: { v4: Array.from({ length: 13 }, (_, i) => 16 + i), v6: Array.from({ length: 17 }, (_, i) => 48 + i) },
};

function makeBans(n, mix = MIXES.usual) {
  const targets = new Set();
  while (targets.size < n) {
    const r = random();
    if (r < 0.7) targets.add(formatCidr(4, [word()], 32));
    else if (r < 0.8) {
      const p = pick(mix.v4);
      targets.add(formatCidr(4, [mask(word(), p)], p));
    } else if (r < 0.95) targets.add(formatCidr(6, [0x20010db8, word(), word(), word()], 128));
    else {
      const p = pick(mix.v6);
      targets.add(formatCidr(6, [0x20010db8, mask(word(), p - 32), mask(word(), p - 64), 0], p));
    }
  }
  return [...targets].map((target) => ({ target, reason: 'bench', by: 'bench', at: 0, expiresAt: null }));
}

function makeClients(bans, n) {
  const singles = bans.filter((b) => !b.target.includes('/'));
  return Array.from({ length: n }, () => {
    if (singles.length > 0 && random() < 0.01) return singles[Math.floor(random() * singles.length)].target;
    return random() < 0.8 ? formatCidr(4, [word()], 32) : formatCidr(6, [0x20010db8, word(), word(), word()], 128);
  });
}

const LOOKUPS = 300_000;

/** The list's part of a check: matches of already parsed addresses per second. */
function rate(list, addresses) {
  let banned = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) if (list.match(addresses[i % addresses.length])) banned++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: Math.round(LOOKUPS / seconds), banned };
}

/** Parsing the client's address (once per connection, whatever the list holds). */
function parseRate(texts) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) parseAddress(texts[i % texts.length]);
  return Math.round(LOOKUPS / (Number(process.hrtime.bigint() - start) / 1e9));
}

const rows = [];
const results = {};
// Build every list first, then measure in interleaved rounds (best of 5): on a shared machine
// the load changes from second to second, and back-to-back cases would measure the load.
const cases = [['usual', 0], ['usual', 1000], ['usual', 10_000], ['usual', 100_000], ['every', 1000], ['every', 100_000]].map(([mix, n]) => {
  const bans = makeBans(n, MIXES[mix]);
  const list = new BanList(() => 0);
  const loadStart = process.hrtime.bigint();
  list.reset(bans);
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  return { mix, n, list, loadMs, clients: makeClients(bans, 50_000).map((text) => parseAddress(text)), best: 0, banned: 0 };
});
const texts = cases[0].clients.map((a) => a.text);
let parseBest = 0;
for (let round = 0; round < 5; round++) {
  parseBest = Math.max(parseBest, parseRate(texts));
  for (const c of cases) {
    const r = rate(c.list, c.clients);
    c.best = Math.max(c.best, r.perSecond);
    c.banned = r.banned;
  }
}
for (const c of cases) {
  results[`${c.mix} ${c.n}`] = c.best;
  rows.push({ mix: c.mix, bans: c.n, 'matches/s (best of 5)': c.best, 'µs per match': +(1e6 / c.best).toFixed(3), 'load ms': Math.round(c.loadMs), banned: c.banned });
}
rows.push({ mix: 'parse only', bans: '-', 'matches/s (best of 5)': parseBest, 'µs per match': +(1e6 / parseBest).toFixed(3), 'load ms': 0, banned: 0 });
// The O(n) alternative on the same 100 000 bans, for scale (fewer lookups: it is slow).
{
  const bans = makeBans(100_000).map((b) => parseCidr(b.target));
  const clients = makeClients([], 1000).map((c) => parseAddress(c));
  const start = process.hrtime.bigint();
  let hits = 0;
  for (const address of clients) if (bans.some((cidr) => contains(cidr, address))) hits++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rows.push({ mix: 'linear scan', bans: 100000, 'matches/s (best of 5)': Math.round(clients.length / seconds), 'µs per match': +((seconds * 1e6) / clients.length).toFixed(1), 'load ms': 0, banned: hits });
}
console.table(rows);
const ratio = (a, b) => (results[a] / results[b]).toFixed(2);
const extra = (a, b) => (1e6 / results[a] - 1e6 / results[b]).toFixed(3);
console.log(`match rate, 100 000 bans vs 1 000 (same lengths in use): usual ${ratio('usual 100000', 'usual 1000')}x, every length ${ratio('every 100000', 'every 1000')}x (1.00 = no slowdown; what remains is cache misses in larger maps)`);
console.log(`100 000 bans (usual) cost ${extra('usual 100000', 'usual 0')} µs more per admission than none. A gateway's admission costs ~140 µs of CPU (~7 000/s per core in the connect storm, docs/benchmarks.md): ${((100 * (1e6 / results['usual 100000'] - 1e6 / results['usual 0'])) / 140).toFixed(2)} % of it.`);
