'use strict';
// Micro-benchmark of the gateway's admission bookkeeping (packages/guard LocalAdmissions)
// under a connect storm: every admission a new IP, released at once, CONNECT_INTERVAL_MS
// 5000, so tens of thousands of IPs sit idle inside their interval. The idle queue as a Map
// (before) vs as arrays with stale marks skipped (now), side by side in one process, over
// the same simulated clock. Needs the build: `npm run build`, then
// `node bench/micro/admissions.js [admissions per simulated second, default 6000]`.
const path = require('node:path');
const { LocalAdmissions } = require(path.join(__dirname, '../../packages/guard/dist/local-admissions.js'));

/** LocalAdmissions' admit/release with the idle queue as a Map, as before (the baseline). */
class MapQueueAdmissions {
  constructor(limits, now) {
    this.limits = limits;
    this.now = now;
    this.entries = new Map();
    this.idle = new Map();
  }
  admit(ip) {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(ip);
    if (entry !== undefined && now - entry.lastAdmittedAt < this.limits.connectIntervalMs) return { admitted: false, reason: 'toofast' };
    if (entry !== undefined && entry.held >= this.limits.maxConnectionsPerIp) return { admitted: false, reason: 'toomany' };
    if (entry === undefined) this.entries.set(ip, { held: 1, lastAdmittedAt: now });
    else {
      entry.held += 1;
      entry.lastAdmittedAt = now;
      this.idle.delete(ip);
    }
    return { admitted: true };
  }
  release(ip) {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(ip);
    if (entry === undefined || entry.held === 0) return false;
    entry.held -= 1;
    if (entry.held === 0) {
      if (now - entry.lastAdmittedAt < this.limits.connectIntervalMs) this.idle.set(ip, entry.lastAdmittedAt + this.limits.connectIntervalMs);
      else this.entries.delete(ip);
    }
    return true;
  }
  sweep(now) {
    for (const [ip, forgetAt] of this.idle) {
      if (forgetAt > now) return;
      this.idle.delete(ip);
      if (this.entries.get(ip)?.held === 0) this.entries.delete(ip);
    }
  }
}

const RATE = Number(process.argv[2]) || 6000;
const TOTAL = 200_000;
const IN_FLIGHT = 1500;
const limits = { maxConnectionsPerIp: 16, connectIntervalMs: 5000 };
const ips = Array.from({ length: TOTAL }, (_, i) => `127.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);

/** Admissions+releases per real second: admit a new IP, release the one admitted IN_FLIGHT before. */
function run(Impl) {
  let t = 0;
  const table = new Impl(limits, () => t);
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL; i++) {
    t += 1000 / RATE;
    if (!table.admit(ips[i]).admitted) throw new Error('refused');
    if (i >= IN_FLIGHT) table.release(ips[i - IN_FLIGHT]);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.round(TOTAL / seconds);
}

const rows = [];
for (let round = 0; round < 3; round++) {
  rows.push({ round, mapQueue: run(MapQueueAdmissions), arrayQueue: run(LocalAdmissions) });
}
const best = (k) => Math.max(...rows.map((r) => r[k]));
process.stdout.write(`connect storm, ${RATE} admissions per simulated second, ${TOTAL} IPs, ${IN_FLIGHT} in flight, interval 5000 ms\n`);
for (const r of rows) process.stdout.write(`round ${r.round}: Map queue ${r.mapQueue.toLocaleString('en-US')}/s, array queue ${r.arrayQueue.toLocaleString('en-US')}/s (${(r.arrayQueue / r.mapQueue).toFixed(2)}x)\n`);
process.stdout.write(`best of 3: ${(best('arrayQueue') / best('mapQueue')).toFixed(2)}x\n`);
