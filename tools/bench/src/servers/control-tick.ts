// The control for the shard tick figures: the shard's own TickLoop in a process of its own,
// with a FIXED amount of CPU work per tick (calibrated once at start, on the still-quiet
// machine, to CONTROL_WORK_MS). It shares the cores with everything the bench runs, so its
// tick duration and lag over a window say what the machine did to a tick that does not
// change: a shard tick p99 of 40 ms next to a control p99 of 30 ms for 1 ms of work is the
// machine, not the shard. It exposes the shard's metric names on /metrics
// (shardgate_shard_tick_duration_seconds, shardgate_shard_tick_lag_seconds, same buckets), so
// the loadgen reads it as a shard named `control`.
// Env: PORT (required), TICK_MS (50), CONTROL_WORK_MS (1), HOST (127.0.0.1).
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { TickLoop } from '@shardgate/shard/dist/tick-loop';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
const tickMs = Number(process.env.TICK_MS || 50);
const workMs = Number(process.env.CONTROL_WORK_MS || 1);
if (!Number.isInteger(port) || port <= 0 || !(tickMs > 0) || !(workMs > 0 && workMs < tickMs)) {
  process.stderr.write(`control-tick: bad PORT=${process.env.PORT} TICK_MS=${process.env.TICK_MS} CONTROL_WORK_MS=${process.env.CONTROL_WORK_MS}\n`);
  process.exit(2);
}

// The shard's buckets (packages/metrics), so both histograms read the same way.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
function histogram(name: string, help: string) {
  const counts = new Array<number>(BUCKETS.length).fill(0);
  let count = 0;
  let sum = 0;
  return {
    observe(seconds: number): void {
      count += 1;
      sum += seconds;
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) counts[i]! += 1;
    },
    text(): string {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
      BUCKETS.forEach((le, i) => lines.push(`${name}_bucket{shard="control",le="${le}"} ${counts[i]}`));
      lines.push(`${name}_bucket{shard="control",le="+Inf"} ${count}`, `${name}_sum{shard="control"} ${sum}`, `${name}_count{shard="control"} ${count}`);
      return lines.join('\n');
    },
  };
}

// The work: integer hashing over a small array, nothing the optimiser can drop.
const data = new Uint32Array(4096).map((_, i) => i * 2654435761);
let sink = 0;
function work(rounds: number): void {
  let h = sink | 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 16777619) >>> 0;
  sink = h;
}

/** Rounds of work() that take workMs: the median of several timings, so one interruption does not set it. */
function calibrate(): number {
  work(50); // warm up the optimiser
  const times: number[] = [];
  for (let k = 0; k < 15; k++) {
    const t0 = performance.now();
    work(20);
    times.push((performance.now() - t0) / 20);
  }
  times.sort((a, b) => a - b);
  return Math.max(1, Math.round(workMs / times[7]!));
}

const rounds = calibrate();
const duration = histogram('shardgate_shard_tick_duration_seconds', 'Control tick: the same fixed CPU work every tick');
const lag = histogram('shardgate_shard_tick_lag_seconds', 'Control tick: how late each tick started against its schedule');
let overruns = 0;
const loop = new TickLoop({
  intervalMs: tickMs,
  tick: () => work(rounds),
  observe: (s) => duration.observe(s),
  lag: (s) => lag.observe(s),
  overrun: () => (overruns += 1),
  onError: (err) => process.stderr.write(`control-tick: ${String(err)}\n`),
});

const server = http.createServer((req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  const body = [
    duration.text(),
    lag.text(),
    '# HELP shardgate_shard_tick_overruns_total Control ticks longer than TICK_MS',
    '# TYPE shardgate_shard_tick_overruns_total counter',
    `shardgate_shard_tick_overruns_total{shard="control"} ${overruns}`,
    '',
  ].join('\n');
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
});
server.listen(port, host, () => {
  loop.start();
  process.stdout.write(`${JSON.stringify({ msg: 'control tick ready', port, tickMs, workMs, rounds })}\n`);
});
const stop = () => {
  loop.stop();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
