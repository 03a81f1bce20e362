// Admissions through Redis per-IP checks: a connect+close storm against ONE distributed
// gateway (2 gateways, 1 shard running), every connection from a new address.
import type { StormResult } from '@shardgate/loadgen';
import { pidArg, type Bench } from '../bench';
import { col, fmt, markdownTable, section } from '../format';
import type { Sizes } from '../sizes';
import { isFailure, type Outcome, type Summary } from '../summary';
import { cpuCell } from './cells';
import type { Report, Scenario } from './scenario';

function runStorm(bench: Bench): Promise<StormResult> {
  const { storm } = bench.sizes;
  return bench.withSystem(
    'dist1',
    { shardEnv: { MAX_PLAYERS: '100000' } },
    async (sys) => {
      const scrape = sys.scrape.filter((s) => s.name !== 'gateway2');
      const r = await bench.loadgen('admissions-storm', [
        ...['--url', sys.urls[0]!, '--mode', 'storm', '--duration', String(storm.seconds), '--concurrency', String(storm.concurrency)],
        ...['--connect-rate', '100000', '--max-connecting', String(storm.concurrency), '--sources', bench.nextSources(4)],
        ...['--server-pids', pidArg(sys.pids), '--scrape', bench.scrapeArg(scrape), '--quiet'],
      ]);
      if (!r.storm) throw new Error('the loadgen reported no storm');
      return r.storm;
    },
    'storm',
  );
}

type Row = StormResult & { gateway: NonNullable<StormResult['scrape'][string]> };
const COLUMNS = [
  col<Row>('decisions/s (gateway metric)', (s) => fmt(s.gateway.admissionsPerSec)),
  col<Row>('admitted/s (client saw [[0,null]])', (s) => fmt(s.admittedPerSec)),
  col<Row>('attempts/s', (s) => fmt(s.attemptsPerSec)),
  col<Row>('cycle p50 ms', (s) => fmt(s.cycleMs.p50, 1)),
  col<Row>('cycle p99 ms', (s) => fmt(s.cycleMs.p99, 1)),
  col<Row>('refused', (s) => JSON.stringify(s.gateway.refused ?? s.refused)),
  col<Row>('errors', (s) => JSON.stringify(s.errors)),
  col<Row>('CPU %', (s) => cpuCell(s.cpu)),
];

function report(summary: Summary, P: Sizes): Report | null {
  const s = summary.results.storm as Outcome<StormResult> | undefined;
  if (!s) return null;
  const intro = `Connect+close storm against ONE distributed gateway (2 gateways, 1 shard running), ${P.storm.concurrency} connections in flight, every address used at most once per 5.1 s (CONNECT_INTERVAL_MS stays 5000), ${isFailure(s) ? P.storm.seconds : s.seconds} s.`;
  const title = 'Admissions through Redis per-IP checks';
  if (isFailure(s)) return { lines: section(title, intro, markdownTable(COLUMNS, [{ label: 'storm', error: s.error }])), targets: [] };
  const gateway = s.scrape?.gateway1 ?? {};
  return {
    lines: section(title, intro, markdownTable(COLUMNS, [{ ...s, gateway }])),
    targets: [{ what: 'admissions/s per gateway with Redis checks', goal: '>= 5000', got: fmt(gateway.admissionsPerSec), met: (gateway.admissionsPerSec ?? 0) >= 5000 }],
  };
}

export const storm: Scenario = {
  name: 'storm',
  async run(bench, infra) {
    if (!infra) return;
    bench.summary.results.storm = await bench.attempt('storm', () => runStorm(bench));
    bench.record('storm');
    bench.writeSummary();
  },
  report,
};
