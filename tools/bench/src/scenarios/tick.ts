// The shard tick at 1k/2k/5k players spread over a big map (admin teleports), 20 Hz: its
// duration from the deltas of the shard's histogram over each window, next to the control tick.
import type { Bench } from '../bench';
import { col, fmt, markdownTable, section, type Target } from '../format';
import { compact, type RunFigures, type StageFigures } from '../loadgen';
import { TICK_MS, type Sizes } from '../sizes';
import { isFailure, type Outcome, type Summary } from '../summary';
import { controlCell, cpuCell } from './cells';
import type { Report, Scenario } from './scenario';

function runTick(bench: Bench): Promise<RunFigures> {
  const P = bench.sizes;
  const stages = P.tickStages.map((s) => `${s.bots}:${s.seconds}`).join(',');
  const env = { shardEnv: { MAP_FILE: bench.mapFile(P.tickMap), MAX_PLAYERS: '100000', TICK_MS: String(TICK_MS) }, gatewayEnv: {} };
  return bench.withSystem(
    'dist1',
    env,
    async (sys) =>
      compact(
        await bench.loadgen(
          'tick',
          bench.playArgs(sys, ['--stages', stages, '--chat-rate', '0.2', '--move-rate', '2', '--map-size', String(P.tickMap), '--spread', 'uniform', '--sources', bench.nextSources(), '--connect-rate', '150', '--spread-rate', '200', '--join-timeout', '120']),
        ),
      ),
    'tick',
  );
}

const shard = (s: StageFigures) => s.scrape.shard1 ?? {};
const COLUMNS = [
  col<StageFigures>('players', (s) => `${fmt(shard(s).shardPlayers)} (${s.joined}/${s.bots} bots)`),
  col<StageFigures>('ticks', (s) => fmt(shard(s).ticks)),
  col<StageFigures>('tick p50 ms', (s) => fmt(shard(s).tickP50Ms, 2)),
  col<StageFigures>('tick p99 ms', (s) => fmt(shard(s).tickP99Ms, 2)),
  col<StageFigures>('ticks <= 10 ms', (s) => {
    const under = shard(s).ticksUnder10ms;
    return under === null || under === undefined ? '-' : `${fmt(under * 100, 2)} %`;
  }),
  col<StageFigures>('overruns', (s) => fmt(shard(s).tickOverruns)),
  col<StageFigures>('tick lag p99 ms', (s) => fmt(shard(s).tickLagP99Ms, 1)),
  col<StageFigures>('control tick / lag p99 ms', (s) => controlCell(s)),
  col<StageFigures>('delivered packets/s', (s) => fmt(s.packetsPerSec)),
  col<StageFigures>('chat p99 ms', (s) => fmt(s.chat.p99, 1)),
  col<StageFigures>('CPU %', (s) => cpuCell(s.cpu)),
];

function report(summary: Summary, P: Sizes): Report | null {
  const r = summary.results.tick as Outcome<RunFigures> | undefined;
  if (!r) return null;
  const intro = `One shard (2 gateways), TICK_MS ${TICK_MS} (20 Hz), players spread uniformly over a ${P.tickMap}-tile map by admin teleports right after they join, random walk 2 steps/s, chat 0.2/s. p99 from the deltas of \`shardgate_shard_tick_duration_seconds\` buckets over each window (Prometheus histogram_quantile: linear inside a bucket, so a value between 5 and 10 ms means "in that bucket").`;
  const rows = isFailure(r) ? [{ label: 'tick', error: r.error }] : r.stages;
  const targets: Target[] = [];
  const at2k = isFailure(r) ? undefined : r.stages.find((s) => s.bots === 2000);
  if (at2k) {
    const p99 = shard(at2k).tickP99Ms;
    targets.push({ what: 'shard tick p99 at 2000 players, 20 Hz', goal: '< 10 ms', got: `${fmt(p99, 2)} ms`, met: p99 !== null && p99 !== undefined && p99 < 10 });
  }
  return { lines: section('Shard tick', intro, markdownTable(COLUMNS, rows)), targets };
}

export const tick: Scenario = {
  name: 'tick',
  async run(bench, infra) {
    if (!infra) return;
    bench.summary.results.tick = await bench.attempt('tick', () => runTick(bench));
    bench.record('tick');
    bench.writeSummary();
  },
  report,
};
