// Chat round trips: closed loop (the maximum), then open loop at half of it, then at a tenth
// (light: where the CPUs are mostly idle, so the round trip shows the pipeline, not the queue
// for a core shared with the generator). Every system of the run, the bare echo first.
import type { SystemName } from '../args';
import type { Bench } from '../bench';
import { col, fmt, markdownTable, section, type Target } from '../format';
import { compact, type RunFigures, type StageFigures } from '../loadgen';
import { TICK_MS, type Sizes } from '../sizes';
import { isFailure, type Outcome, type Summary } from '../summary';
import { controlCell, cpuCell } from './cells';
import { needsInfra, type Report, type Scenario } from './scenario';

export interface ChatResult {
  max: RunFigures;
  half: RunFigures;
  light: RunFigures;
  offeredHalfPerSec: number;
  /** The ceiling's maximum measured right before this system (dist1, dist2), else null. */
  adjacentCeilingRtPerSec: number | null;
}

async function runChat(bench: Bench, name: SystemName): Promise<ChatResult> {
  const P = bench.sizes;
  const chatCommon = () => ['--bots', String(P.chatBots), '--duration', String(P.window), '--move-rate', '0', '--map-size', String(P.chatMap), '--sources', bench.nextSources(), '--connect-rate', '150'];
  const maxArgs = ['--chat-window', String(P.chatWindow), '--chat-max-rate', '0', '--chat-timeout', '1000'];
  // The machine's capacity drifts within a run (other tenants): for the systems whose ratio is
  // a target, the ceiling's maximum is measured again right before theirs (adjacent minutes).
  const adjacentCeiling =
    name !== 'dist1' && name !== 'dist2'
      ? null
      : await bench.withSystem(
          'ceiling',
          {},
          async (sys) => (await bench.loadgen(`chat-max-ceiling-before-${name}`, bench.playArgs(sys, [...chatCommon(), ...maxArgs]))).stages[0]?.chat.rtPerSec ?? null,
          `chat-ceiling-before-${name}`,
        );
  const common = chatCommon();
  const spread = name === 'ceiling' ? [] : ['--spread', 'lattice:144'];
  const env = {
    // MESSAGE_LIMIT raised for this scenario only: dozens of lines in flight per bot exceed 300 frames/s.
    gatewayEnv: { MESSAGE_LIMIT: '100000', MAX_PLAYERS: '100000' },
    shardEnv: { MAP_FILE: bench.mapFile(P.chatMap), MAX_PLAYERS: '100000' },
    peerEnv: { MAP_SIZE: String(P.chatMap), SPAWN_X: String(P.chatMap / 2 - 4), SPAWN_Y: String(P.chatMap / 2 - 4) },
  };
  return bench.withSystem(
    name,
    env,
    async (sys) => {
      const max = await bench.loadgen(`chat-max-${name}`, bench.playArgs(sys, [...common, ...spread, ...maxArgs]));
      const rt = max.stages[0]?.chat.rtPerSec ?? 0;
      const perBot = Math.max(0.01, rt / 2 / P.chatBots);
      // Fresh sources: the previous run's addresses are still within CONNECT_INTERVAL_MS.
      common[common.indexOf('--sources') + 1] = bench.nextSources();
      const half = await bench.loadgen(`chat-half-${name}`, bench.playArgs(sys, [...common, ...spread, '--chat-rate', perBot.toFixed(3)]));
      common[common.indexOf('--sources') + 1] = bench.nextSources();
      const lightPerBot = Math.max(0.01, rt / 10 / P.chatBots);
      const light = await bench.loadgen(`chat-light-${name}`, bench.playArgs(sys, [...common, ...spread, '--chat-rate', lightPerBot.toFixed(3)]));
      return { max: compact(max), half: compact(half), light: compact(light), offeredHalfPerSec: Math.round(perBot * P.chatBots), adjacentCeilingRtPerSec: adjacentCeiling };
    },
    `chat-${name}`,
  );
}

/** A system's maximum against the adjacent ceiling measurement and against the ceiling row. */
const ratioCell = (rt: number | undefined, adjacent: number | null, first: number | undefined) => {
  const pct = (base: number | null | undefined) => (rt && base ? `${fmt((rt / base) * 100, 1)} %` : '-');
  return adjacent ? `${pct(adjacent)} (${pct(first)})` : pct(first);
};

interface Row {
  name: string;
  r: ChatResult;
  m: StageFigures | undefined;
  h: StageFigures | undefined;
  l: StageFigures | undefined;
  ceiling: number | undefined;
}

// The shards' figures of a window (the control tick is scraped too, and shown apart).
const shardFigures = (st: StageFigures | undefined) => Object.entries(st?.scrape ?? {}).filter(([k]) => k !== 'control').map(([, v]) => v);
const perShard = (st: StageFigures | undefined, pick: (v: ReturnType<typeof shardFigures>[number]) => number | null | undefined) => {
  const values = shardFigures(st).map(pick).filter((v): v is number => v !== undefined && v !== null);
  return values.length ? values.map((v) => fmt(v, 1)).join('+') : '-';
};

const COLUMNS = [
  col<Row>('system', (x) => x.name),
  col<Row>('bots joined', (x) => `${x.m?.joined}/${x.m?.bots}`),
  col<Row>('max chat RT/s', (x) => fmt(x.m?.chat.rtPerSec)),
  col<Row>('p50 ms', (x) => fmt(x.m?.chat.p50, 1)),
  col<Row>('p99 ms', (x) => fmt(x.m?.chat.p99, 1)),
  col<Row>('lost', (x) => fmt(x.m?.chat.lost)),
  col<Row>('vs ceiling: adjacent (first)', (x) => ratioCell(x.m?.chat.rtPerSec, x.r.adjacentCeilingRtPerSec, x.ceiling)),
  col<Row>('half-load offered/s', (x) => fmt(x.r.offeredHalfPerSec)),
  col<Row>('half-load RT/s', (x) => fmt(x.h?.chat.rtPerSec)),
  col<Row>('half p50 ms', (x) => fmt(x.h?.chat.p50, 1)),
  col<Row>('half p99 ms', (x) => fmt(x.h?.chat.p99, 1)),
  col<Row>('half lost', (x) => fmt(x.h?.chat.lost)),
  col<Row>('shard tick p99 ms (max / half)', (x) => `${perShard(x.m, (v) => v.tickP99Ms)} / ${perShard(x.h, (v) => v.tickP99Ms)}`),
  col<Row>('tick lag p99 ms (half)', (x) => perShard(x.h, (v) => v.tickLagP99Ms)),
  col<Row>('control tick / lag p99 ms (half)', (x) => controlCell(x.h)),
  col<Row>('generator loop delay p99 ms (half)', (x) => fmt(x.h?.generatorLoopDelayMs?.p99, 1)),
  col<Row>('light RT/s', (x) => fmt(x.l?.chat.rtPerSec)),
  col<Row>('light p50 ms', (x) => fmt(x.l?.chat.p50, 1)),
  col<Row>('light p99 ms', (x) => fmt(x.l?.chat.p99, 1)),
  col<Row>('CPU % at max (one core = 100)', (x) => (x.m ? cpuCell(x.m.cpu) : '-')),
  col<Row>('CPU % at half', (x) => (x.h ? cpuCell(x.h.cpu) : '-')),
];

function report(summary: Summary, P: Sizes): Report | null {
  const results = summary.results.chat as Record<string, Outcome<ChatResult>> | undefined;
  if (!results) return null;
  const ceilingResult = results.ceiling;
  const ceiling = ceilingResult && !isFailure(ceilingResult) ? ceilingResult.max.stages[0]?.chat.rtPerSec : undefined;
  const rows = Object.entries(results).map(([name, r]) =>
    isFailure(r) ? { label: name, error: r.error } : { name, r, m: r.max.stages[0], h: r.half.stages[0], l: r.light?.stages[0], ceiling },
  );
  const targets: Target[] = [];
  for (const d of ['dist1', 'dist2'] as const) {
    const r = results[d];
    if (!r || isFailure(r)) continue;
    const base = r.adjacentCeilingRtPerSec ?? ceiling;
    if (!base) continue;
    const ratio = r.max.stages[0]!.chat.rtPerSec / base;
    const which = r.adjacentCeilingRtPerSec ? `adjacent ceiling ${fmt(base)}/s` : `ceiling row ${fmt(base)}/s`;
    targets.push({ what: `distributed (${d === 'dist1' ? '2 gateways, 1 shard' : '2 gateways, 2 shards'}) chat RT/s vs ceiling`, goal: '>= 60 %', got: `${fmt(ratio * 100, 1)} % (${which})`, met: ratio >= 0.6 });
    const p99 = r.half.stages[0]!.chat.p99;
    targets.push({ what: `p99 RTT at half max load (${d})`, goal: `<= ${TICK_MS + 10} ms`, got: `${fmt(p99, 1)} ms`, met: p99 !== null && p99 <= TICK_MS + 10 });
  }
  const intro = `Closed loop: ${P.chatBots} bots, ${P.chatWindow} lines in flight each, one bot per lattice point every 144 tiles on a ${P.chatMap}-tile map (nobody sees anybody: each line reaches only its sender). Then open loop at half that rate. ${P.window} s windows. "vs ceiling": for dist1 and dist2 against the ceiling's maximum measured right before theirs (adjacent), in brackets against the ceiling row (first); the others against the ceiling row.`;
  return { lines: section('Chat round trips', intro, markdownTable(COLUMNS, rows)), targets };
}

export const chat: Scenario = {
  name: 'chat',
  async run(bench, infra) {
    const results = (bench.summary.results.chat ??= {}) as Record<string, Outcome<ChatResult>>;
    for (const s of bench.sizes.chatSystems) {
      if ((needsInfra(s) && !infra) || !bench.wants(s)) continue;
      results[s] = await bench.attempt(`chat ${s}`, () => runChat(bench, s));
      bench.record(`chat ${s}`);
      bench.writeSummary();
    }
  },
  report,
};
