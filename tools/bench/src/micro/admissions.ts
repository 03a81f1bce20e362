// Micro-benchmark of the gateway's admission bookkeeping (packages/guard LocalAdmissions)
// under a connect storm: every admission a new IP, released at once, CONNECT_INTERVAL_MS
// 5000, so tens of thousands of IPs sit idle inside their interval. The idle queue as a Map
// (before) vs as arrays with stale marks skipped (now), over the same simulated clock, in
// alternating child processes: the baseline subclasses LocalAdmissions, and sharing one
// process would make the class's methods see two shapes and slow both.
//   npm run build && node tools/bench/dist/micro/admissions.js [admissions per simulated second, default 6000]
import { execFileSync } from 'node:child_process';
import { LocalAdmissions } from '@shardgate/guard/dist/local-admissions';

/** The members of LocalAdmissions the baseline replaces or reads (private to the class). */
interface Internals {
  idle: Map<string, number>;
  entries: Map<string, { held: number }>;
}

/**
 * LocalAdmissions with its idle queue as before: the Map itself, iterated from the front (the
 * baseline). Only the queue differs: admit/release/record are the class's own.
 */
class MapQueueAdmissions extends LocalAdmissions {}
Object.assign(MapQueueAdmissions.prototype, {
  markIdle(this: Internals, ip: string, forgetAt: number): void {
    this.idle.set(ip, forgetAt);
  },
  sweep(this: Internals, now: number): void {
    for (const [ip, forgetAt] of this.idle) {
      if (forgetAt > now) return;
      this.idle.delete(ip);
      if (this.entries.get(ip)?.held === 0) this.entries.delete(ip);
    }
  },
});

const RATE = Number(process.argv[2]) || 6000;
const TOTAL = 200_000;
const IN_FLIGHT = 1500;
const limits = { maxConnectionsPerIp: 16, connectIntervalMs: 5000 };
const ips = Array.from({ length: TOTAL }, (_, i) => `127.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);

/** Admissions+releases per real second: admit a new IP, release the one admitted IN_FLIGHT before. */
function run(Impl: typeof LocalAdmissions): number {
  let t = 0;
  const table = new Impl(limits, () => t);
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL; i++) {
    t += 1000 / RATE;
    if (!table.admit(ips[i]!).admitted) throw new Error('refused');
    if (i >= IN_FLIGHT) table.release(ips[i - IN_FLIGHT]!);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.round(TOTAL / seconds);
}

const CASES = { mapQueue: MapQueueAdmissions, arrayQueue: LocalAdmissions };
type Case = keyof typeof CASES;
const only = process.argv[3] as Case | undefined;
if (only !== undefined) {
  // A child: one case, its rate on stdout.
  process.stdout.write(`${run(CASES[only])}\n`);
  process.exit(0);
}
const measure = (name: Case) => Number(execFileSync(process.execPath, [__filename, String(RATE), name], { encoding: 'utf8' }).trim());
const rows: Array<Record<Case, number> & { round: number }> = [];
for (let round = 0; round < 3; round++) rows.push({ round, mapQueue: measure('mapQueue'), arrayQueue: measure('arrayQueue') });
const best = (k: Case) => Math.max(...rows.map((r) => r[k]));
process.stdout.write(`connect storm, ${RATE} admissions per simulated second, ${TOTAL} IPs, ${IN_FLIGHT} in flight, interval 5000 ms\n`);
for (const r of rows) process.stdout.write(`round ${r.round}: Map queue ${r.mapQueue.toLocaleString('en-US')}/s, array queue ${r.arrayQueue.toLocaleString('en-US')}/s (${(r.arrayQueue / r.mapQueue).toFixed(2)}x)\n`);
process.stdout.write(`best of 3: ${(best('arrayQueue') / best('mapQueue')).toFixed(2)}x\n`);
