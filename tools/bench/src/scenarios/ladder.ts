// Game traffic (random walk, chat 0.2/s) on the built-in 480-tile map, bots added in stages:
// delivered packets per second per system, and each system at equal p99 against socket.io.
import type { SystemName } from '../args';
import type { Bench } from '../bench';
import { col, fmt, markdownTable, section, type Failed, type Target } from '../format';
import { compact, type RunFigures, type StageFigures } from '../loadgen';
import type { Sizes } from '../sizes';
import { isFailure, type Outcome, type Summary } from '../summary';
import { cpuCell } from './cells';
import { needsInfra, type Report, type Scenario } from './scenario';

/** The chat p99 at which systems are compared. */
const LIMIT_MS = 100;

function runLadder(bench: Bench, name: SystemName): Promise<RunFigures> {
  const stages = bench.sizes.ladder.map((s) => `${s.bots}:${s.seconds}`).join(',');
  const env = { gatewayEnv: { MAX_PLAYERS: '100000' }, shardEnv: { MAX_PLAYERS: '100000' }, peerEnv: {} };
  return bench.withSystem(
    name,
    env,
    async (sys) =>
      compact(
        await bench.loadgen(
          `ladder-${name}`,
          bench.playArgs(sys, ['--stages', stages, '--chat-rate', '0.2', '--move-rate', '2', '--map-size', '480', '--spread', 'uniform', '--sources', bench.nextSources(), '--connect-rate', '150', '--spread-rate', '200', '--join-timeout', '90']),
        ),
      ),
    `ladder-${name}`,
  );
}

const measured = (r: Outcome<RunFigures> | undefined): StageFigures[] => (r && !isFailure(r) ? r.stages : []);

/** Delivered packets/s of the best stage whose chat p99 is within `limit` with nothing lost. */
export const bestStage = (r: Outcome<RunFigures> | undefined, limit: number): number =>
  Math.max(0, ...measured(r).filter((s) => s.chat.p99 !== null && s.chat.p99 <= limit && s.chat.lost === 0).map((s) => s.packetsPerSec));

/**
 * Delivered packets/s where the chat p99 crosses `limit`, interpolated linearly between the
 * last stage under it and the first over it; a system never over it gives its last stage (a
 * lower bound: `bound`).
 */
export function atP99(r: Outcome<RunFigures> | undefined, limit: number): { value: number | null; bound: boolean } {
  const stages = measured(r).filter((s) => s.chat.p99 !== null);
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    if (s.chat.p99! <= limit) continue;
    if (i === 0) return { value: null, bound: false };
    const p = stages[i - 1]!;
    const f = (limit - p.chat.p99!) / (s.chat.p99! - p.chat.p99!);
    return { value: p.packetsPerSec + f * (s.packetsPerSec - p.packetsPerSec), bound: false };
  }
  return { value: stages.length ? stages[stages.length - 1]!.packetsPerSec : null, bound: true };
}

type StageRow = StageFigures & { name: string };
const STAGES = [
  col<StageRow>('system', (s) => s.name),
  col<StageRow>('bots', (s) => `${s.joined}/${s.bots}`),
  col<StageRow>('delivered packets/s', (s) => fmt(s.packetsPerSec)),
  col<StageRow>('frames/s', (s) => fmt(s.framesPerSec)),
  col<StageRow>('sent/s', (s) => fmt(s.sentPerSec)),
  col<StageRow>('chat p50 ms', (s) => fmt(s.chat.p50, 1)),
  col<StageRow>('chat p99 ms', (s) => fmt(s.chat.p99, 1)),
  col<StageRow>('lost', (s) => String(s.chat.lost)),
  col<StageRow>('CPU %', (s) => cpuCell(s.cpu)),
];

interface EqualRow {
  name: string;
  best: number;
  at: { value: number | null; bound: boolean };
  ratio: number | null;
}
const orMore = (bound: boolean) => (bound ? '>= ' : '');
const EQUAL = [
  col<EqualRow>('system', (x) => x.name),
  col<EqualRow>(`best stage with p99 <= ${LIMIT_MS} ms`, (x) => fmt(x.best)),
  col<EqualRow>(`interpolated at p99 = ${LIMIT_MS} ms`, (x) => `${orMore(x.at.bound)}${fmt(x.at.value)}`),
  col<EqualRow>('vs socket.io (interpolated)', (x) => (x.ratio === null ? '-' : `${orMore(x.at.bound)}${fmt(x.ratio, 2)}x`)),
];

function report(summary: Summary, P: Sizes): Report | null {
  const results = summary.results.ladder as Record<string, Outcome<RunFigures>> | undefined;
  if (!results) return null;
  const entries = Object.entries(results);
  const stageRows = entries.flatMap(([name, r]): Array<StageRow | Failed> => (isFailure(r) ? [{ label: name, error: r.error }] : r.stages.map((s) => ({ ...s, name }))));
  const peer = bestStage(results.peer, LIMIT_MS);
  const peerAt = atP99(results.peer, LIMIT_MS);
  const ratioToPeer = (at: { value: number | null }) => (at.value && peerAt.value ? at.value / peerAt.value : null);
  const equalRows: EqualRow[] = entries
    .filter(([, r]) => !isFailure(r))
    .map(([name, r]) => {
      const at = atP99(r, LIMIT_MS);
      return { name, best: bestStage(r, LIMIT_MS), at, ratio: ratioToPeer(at) };
    });
  const targets: Target[] = [];
  for (const d of ['dist1', 'dist2', 'embedded']) {
    const r = results[d];
    if (!r || isFailure(r) || !results.peer) continue;
    const mine = atP99(r, LIMIT_MS);
    const ratio = ratioToPeer(mine);
    const bestRatio = peer > 0 ? bestStage(r, LIMIT_MS) / peer : null;
    targets.push({
      what: `delivered packets/s vs socket.io at equal p99 (${LIMIT_MS} ms) (${d}${d === 'dist2' ? ': two worlds, half the density' : ''})`,
      goal: '>= 5x',
      got: ratio === null ? '-' : `${orMore(mine.bound)}${fmt(ratio, 2)}x interpolated (${fmt(mine.value)} vs ${fmt(peerAt.value)}); best stages ${fmt(bestRatio, 2)}x`,
      met: ratio !== null && ratio >= 5,
    });
  }
  const equalP99 = { limitMs: LIMIT_MS, systems: Object.fromEntries(entries.map(([name, r]) => [name, { bestStage: bestStage(r, LIMIT_MS), interpolated: atP99(r, LIMIT_MS) }])) };
  const intro = `Random walk at 2 steps/s and chat at 0.2/s per bot, bots spread uniformly over the built-in 480-tile map (admin teleports; the peer's teleport event), added in stages of ${P.ladder[0]!.seconds} s windows.`;
  const equalIntro = `At equal p99 (${LIMIT_MS} ms): delivered packets/s where each system's chat p99 reaches ${LIMIT_MS} ms, interpolated between stages (">=" when a system never reached it: its last stage).`;
  return {
    lines: section('Game traffic: delivered packets per second', intro, markdownTable(STAGES, stageRows), [equalIntro], markdownTable(EQUAL, equalRows)),
    targets,
    fields: { equalP99 },
  };
}

export const ladder: Scenario = {
  name: 'ladder',
  async run(bench, infra) {
    const results = (bench.summary.results.ladder ??= {}) as Record<string, Outcome<RunFigures>>;
    for (const s of bench.sizes.ladderSystems) {
      if ((needsInfra(s) && !infra) || !bench.wants(s)) continue;
      results[s] = await bench.attempt(`ladder ${s}`, () => runLadder(bench, s));
      bench.record(`ladder ${s}`);
      bench.writeSummary();
    }
  },
  report,
};
