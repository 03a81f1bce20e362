// Memory per idle connection: upgraded, Kaetram handshake answered, then idle (pings
// answered). Gateway RSS before, after a third of the connections and after all of them;
// the bare echo server's for reference.
import type { ChildProcess } from 'node:child_process';
import { rssKiB } from '@shardgate/loadgen';
import { sleep, waitUntil } from '@shardgate/harness';
import type { Bench } from '../bench';
import { col, fmt, markdownTable, section, type Failed } from '../format';
import { membersOf } from '../systems';
import { isFailure, type Outcome, type Summary } from '../summary';
import type { Report, Scenario } from './scenario';

export interface IdleResult {
  label: string;
  gateways: number;
  generators: number;
  wanted: number;
  handshaken: number;
  failed: number;
  rssBeforeKiB: Record<string, number>;
  rssAtThirdKiB: Record<string, number>;
  connectionsAtThird: number;
  rssAfterKiB: Record<string, number>;
  gatewayKiBPerConnection: number | null;
  gatewayMarginalKiBPerConnection: number | null;
  shardKiBPerConnection: number | null;
  connectSeconds: number;
}

export interface IdleEchoResult {
  connections: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kiBPerConnection: number;
}

interface Ready {
  msg: Record<string, number>;
  child: ChildProcess;
}

const per = (kiB: number, n: number) => +(kiB / n).toFixed(3);

/**
 * Gateway RSS per idle, handshaken connection: VmRSS before, after a third of the
 * connections and after all of them. The average (growth / N) carries the process's fixed
 * growth (V8's young generation and code space expand under the connect burst); the
 * marginal cost is the slope between the two points.
 */
function runIdle(bench: Bench, label: string, gateways: number, perGateway: number): Promise<IdleResult> {
  return bench.withSystem(
    'dist1',
    { shardEnv: { MAX_PLAYERS: '200000' } },
    async (sys) => {
      // Gateways beyond the two the distributed system starts with, on the same bus and Redis.
      for (let n = 3; n <= gateways; n++) await sys.deployment!.addGateway({ GATEWAY_ID: String(n) });
      const { pids } = membersOf(sys.deployment!);
      const urls = sys.deployment!.gateways.map((g) => g.url);
      const gws = pids.filter((p) => p.name.startsWith('gateway')).slice(0, gateways);
      const shard = pids.find((p) => p.name === 'shard1')!;
      const measure = () => Object.fromEntries([...gws, shard].map((p) => [p.name, rssKiB(p.pid)]));
      await sleep(1000);
      const before = measure();
      const first = Math.round(perGateway / 3);
      const points: Array<{ connections: number; rssKiB: Record<string, number>; stop: () => void }> = [];
      const live: Array<Promise<unknown>> = [];
      let handshaken = 0;
      let failed = 0;
      let connectSeconds = 0;
      for (const [step, count] of [
        [1, first],
        [2, perGateway - first],
      ] as const) {
        const ready: Ready[] = [];
        const runs = gws.map((_, g) =>
          bench.loadgen(
            `${label}-step${step}-gw${g + 1}`,
            [
              ...['--url', urls[g]!, '--mode', 'idle', '--bots', String(count), '--duration', '900', '--sources', bench.nextSources()],
              ...['--connect-rate', '1500', '--max-connecting', '256', '--join-timeout', '180', '--quiet'],
            ],
            { onReady: (msg, child) => ready.push({ msg, child }) },
          ),
        );
        live.push(...runs);
        await waitUntil('idle connections', () => ready.length === gws.length, 240000, 100);
        await sleep(3000);
        handshaken += ready.reduce((n, r) => n + r.msg.handshaken!, 0);
        failed += ready.reduce((n, r) => n + r.msg.failed!, 0);
        connectSeconds += Math.max(...ready.map((r) => r.msg.connectSeconds!));
        points.push({ connections: handshaken, rssKiB: measure(), stop: () => ready.forEach((r) => r.child.kill('SIGTERM')) });
      }
      const [third, all] = points as [(typeof points)[0], (typeof points)[0]];
      const after = all.rssKiB;
      for (const p of points) p.stop();
      await Promise.allSettled(live);
      const sumG = (o: Record<string, number>) => gws.reduce((n, p) => n + o[p.name]!, 0);
      const slope = (sumG(after) - sumG(third.rssKiB)) / (all.connections - third.connections);
      return {
        label,
        gateways,
        generators: gws.length * 2,
        wanted: perGateway * gateways,
        handshaken,
        failed,
        rssBeforeKiB: before,
        rssAtThirdKiB: third.rssKiB,
        connectionsAtThird: third.connections,
        rssAfterKiB: after,
        gatewayKiBPerConnection: handshaken > 0 ? per(sumG(after) - sumG(before), handshaken) : null,
        gatewayMarginalKiBPerConnection: Number.isFinite(slope) ? +slope.toFixed(3) : null,
        shardKiBPerConnection: handshaken > 0 ? per(after.shard1! - before.shard1!, handshaken) : null,
        connectSeconds: +connectSeconds.toFixed(2),
      };
    },
    label,
  );
}

/** The bare echo server's RSS per idle connection, for reference. */
function runIdleEcho(bench: Bench, n: number): Promise<IdleEchoResult> {
  return bench.withSystem('ceiling', {}, async (sys) => {
    const pid = sys.pids[0]!.pid;
    await sleep(500);
    const before = rssKiB(pid);
    let ready: Ready | undefined;
    const run = bench.loadgen(
      'idle-echo',
      ['--url', sys.urls[0]!, '--protocol', 'echo', '--mode', 'idle', '--bots', String(n), '--duration', '600', '--sources', bench.nextSources(), '--connect-rate', '1500', '--quiet'],
      { onReady: (msg, child) => (ready = { msg, child }) },
    );
    const got = await waitUntil('idle echo', () => ready, 120000, 100);
    await sleep(3000);
    const after = rssKiB(pid);
    got.child.kill('SIGTERM');
    await run.catch(() => undefined);
    const connections = got.msg.handshaken!;
    return { connections, rssBeforeKiB: before, rssAfterKiB: after, kiBPerConnection: per(after - before, connections) };
  });
}

interface Row {
  what: string;
  connections: string;
  processes: string;
  before: string;
  third: string;
  after: string;
  average: string;
  marginal: string;
}
const COLUMNS = [
  col<Row>('what', (r) => r.what),
  col<Row>('connections', (r) => r.connections),
  col<Row>('processes', (r) => r.processes),
  col<Row>('RSS before KiB', (r) => r.before),
  col<Row>('RSS at a third KiB', (r) => r.third),
  col<Row>('RSS after KiB', (r) => r.after),
  col<Row>('KiB per connection (growth / N)', (r) => r.average),
  col<Row>('marginal KiB per connection (slope)', (r) => r.marginal),
];

/** The gateway row and the shard row of one idle run. */
function idleRows(label: string, r: IdleResult): Row[] {
  const gsum = (o: Record<string, number>) => Object.entries(o).filter(([k]) => k.startsWith('gateway')).reduce((n, [, v]) => n + v, 0);
  return [
    {
      what: label,
      connections: `${fmt(r.handshaken)} of ${fmt(r.wanted)}`,
      processes: `${r.gateways} gateway(s), ${r.generators} generator processes`,
      before: fmt(gsum(r.rssBeforeKiB)),
      third: `${fmt(gsum(r.rssAtThirdKiB))} (${fmt(r.connectionsAtThird)} conns)`,
      after: fmt(gsum(r.rssAfterKiB)),
      average: fmt(r.gatewayKiBPerConnection, 2),
      marginal: fmt(r.gatewayMarginalKiBPerConnection, 2),
    },
    {
      what: `shard (same run, ${label})`,
      connections: fmt(r.handshaken),
      processes: '1',
      before: fmt(r.rssBeforeKiB.shard1),
      third: fmt(r.rssAtThirdKiB.shard1),
      after: fmt(r.rssAfterKiB.shard1),
      average: fmt(r.shardKiBPerConnection, 2),
      marginal: '-',
    },
  ];
}

function report(summary: Summary): Report | null {
  const R = summary.results as { idleEcho?: Outcome<IdleEchoResult>; idle?: Outcome<IdleResult>; idleMany?: Outcome<IdleResult> };
  if (!R.idle && !R.idleMany && !R.idleEcho) return null;
  const rows: Array<Row | Failed> = [];
  const echo = R.idleEcho;
  if (echo && !isFailure(echo)) {
    rows.push({ what: 'bare uWS echo (reference)', connections: fmt(echo.connections), processes: '1', before: fmt(echo.rssBeforeKiB), third: '-', after: fmt(echo.rssAfterKiB), average: fmt(echo.kiBPerConnection, 2), marginal: '-' });
  }
  for (const [label, r] of [
    ['one gateway', R.idle],
    ['several gateways', R.idleMany],
  ] as const) {
    if (!r) continue;
    if (isFailure(r)) rows.push({ label, error: r.error });
    else rows.push(...idleRows(label, r));
  }
  const intro =
    'WebSocket upgraded and Kaetram handshake answered, then idle (pings answered). VmRSS of the gateway process(es) before and after. A process may hold at most 20,000 open files on this machine (hard limit), so one gateway is measured at 15k and larger totals use several gateway and generator processes.';
  const at = R.idleMany && !isFailure(R.idleMany) ? R.idleMany : R.idle;
  const targets =
    at && !isFailure(at)
      ? [{ what: `gateway RSS per idle connection (${fmt(at.handshaken)} connections)`, goal: '<= 4 KiB', got: `${fmt(at.gatewayKiBPerConnection, 2)} KiB`, met: at.gatewayKiBPerConnection !== null && at.gatewayKiBPerConnection <= 4 }]
      : [];
  return { lines: section('Memory per idle connection', intro, markdownTable(COLUMNS, rows)), targets };
}

export const idle: Scenario = {
  name: 'idle',
  async run(bench, infra) {
    if (!infra) return;
    const R = bench.summary.results;
    const P = bench.sizes;
    bench.record('idle');
    R.idleEcho = await bench.attempt('idle echo', () => runIdleEcho(bench, P.idleOne));
    R.idle = await bench.attempt('idle one gateway', () => runIdle(bench, 'idle-one-gateway', 1, P.idleOne));
    if (P.idleMany) {
      const { gateways, perGateway } = P.idleMany;
      R.idleMany = await bench.attempt('idle several gateways', () => runIdle(bench, 'idle-many', gateways, perGateway));
    }
    bench.writeSummary();
  },
  report,
};
