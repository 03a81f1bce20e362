#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only a,b]`: every benchmark scenario in one run, side by
// side, on loopback. It starts each system (the bare uWS echo ceiling, the embedded mode, the
// distributed mode with 2 gateways and 1 or 2 shards, the socket.io peer on two nodes) with
// the shared harness, drives it with the loadgen in its own process, reads CPU and RSS from
// /proc and the shards' tick histogram from /metrics, and writes
// tools/bench/results/<date>[-<label>]/ (JSON, Markdown, SVG) plus a summary with the targets.
// Everything it starts is stopped when it ends, fails or is interrupted; a global deadline
// stops it in any case. Redis (127.0.0.1:6379) and NATS (127.0.0.1:4222) must be running for
// the distributed and peer scenarios (they are skipped otherwise, and the summary says so).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '@shardgate/harness';
import { ArgsError, USAGE, parseBenchArgs } from './args';
import { Bench } from './bench';
import { canConnect, machine } from './infra';
import { SCENARIO_LIST } from './scenarios';
import { TICK_MS } from './sizes';
import { startControl } from './systems';

async function main(bench: Bench): Promise<void> {
  const { summary } = bench;
  const only = bench.args.only;
  fs.mkdirSync(bench.out, { recursive: true });
  summary.machine = machine();
  // --only / --systems: the day's summary keeps the other scenarios' results (and their commands).
  const previous = path.join(bench.out, `${bench.prefix}summary.json`);
  if ((only || bench.args.systems) && fs.existsSync(previous)) {
    try {
      const old = JSON.parse(fs.readFileSync(previous, 'utf8')) as typeof summary;
      summary.results = old.results ?? {};
      summary.commands = old.commands ?? {};
    } catch {
      // a broken summary is simply replaced
    }
  }
  const control = await startControl(TICK_MS, bench.launch('control'));
  bench.control = control.target;
  summary.notes.push(
    "Control tick (tools/bench/src/servers/control-tick.ts): the shard's TickLoop in a process of its own for the whole run, with the same 1 ms of CPU work every tick (calibrated at start). Its tick p99 and lag p99 over each window show what the shared machine did to a tick whose work does not change; read a shard's tick figures next to it.",
  );
  const infra = (await canConnect(6379)) && (await canConnect(4222));
  if (!infra) summary.skipped.push('distributed and peer scenarios: Redis 127.0.0.1:6379 or NATS 127.0.0.1:4222 not reachable');
  summary.notes.push(
    'Shardgate processes run with LOG_LEVEL=warn and an ADMIN_TOKEN (the bots are spread with POST /admin/teleport); per-IP limits stay at their defaults (16 per IP, CONNECT_INTERVAL_MS 5000): bots come from 127.x.y.z addresses, each connecting at most once per 5.1 s.',
    `The chat scenario raises MESSAGE_LIMIT to 100000 on the gateways (${bench.sizes.chatWindow} lines in flight per bot exceed 300 frames/s); MAX_PLAYERS is raised where a scenario holds more than 1000 players on a shard.`,
  );
  for (const scenario of SCENARIO_LIST) if (!only || only.has(scenario.name)) await scenario.run(bench, infra);
  const md = bench.writeSummary();
  await control.stop();
  process.stdout.write(md + '\n');
  bench.say(`results in ${path.relative(ROOT, bench.out)}/${bench.prefix}summary.md`);
}

function start(): void {
  const argv = process.argv.slice(2);
  let args;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const bench = new Bench(args, argv, SCENARIO_LIST);
  // Whatever was started is SIGKILLed by the harness's and the loadgen runner's exit hooks.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      bench.say(`${signal}: stopping everything`);
      process.exit(130);
    });
  }
  setTimeout(() => {
    bench.say(`global deadline (${bench.sizes.deadlineMin} min) passed: stopping everything`);
    process.exit(3);
  }, bench.sizes.deadlineMin * 60_000).unref();
  main(bench)
    .then(() => {
      // --keep-logs: the servers' logs (and profiles) stay for a look.
      if (args.keepLogs) bench.say(`logs kept in ${bench.tmp}`);
      else fs.rmSync(bench.tmp, { recursive: true, force: true });
      process.exit(0);
    })
    .catch((error: unknown) => {
      bench.say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    });
}

start();
