import { bucketDelta, bucketsOf, fetchText, histogramQuantile, parseMetrics, sumOf, type Sample } from './prom';
import type { ScrapeDelta } from './result';
import { round } from './stats';

export type Scrape = Map<string, Sample[]>;

/** Every target's /metrics, parsed; a target that does not answer is left out. */
export async function scrapeAll(targets: ReadonlyArray<{ name: string; url: string }>): Promise<Scrape> {
  const out: Scrape = new Map();
  await Promise.all(
    targets.map(async ({ name, url }) => {
      try {
        out.set(name, parseMetrics(await fetchText(url)));
      } catch {
        // a server that does not answer has no delta
      }
    }),
  );
  return out;
}

/** Per target, what changed between two scrapes `seconds` apart: shard tick figures, gateway admissions. */
export function scrapeDeltas(before: Scrape, after: Scrape, seconds: number): Record<string, ScrapeDelta> {
  const result: Record<string, ScrapeDelta> = {};
  for (const [name, b] of before) {
    const a = after.get(name);
    if (!a) continue;
    result[name] = { ...tickDelta(b, a), ...admissionDelta(b, a, seconds) };
  }
  return result;
}

function tickDelta(b: Sample[], a: Sample[]): ScrapeDelta {
  const tick = 'shardgate_shard_tick_duration_seconds';
  const tb = bucketDelta(bucketsOf(b, tick), bucketsOf(a, tick));
  if (tb.length === 0) return {};
  const d: ScrapeDelta = {};
  d.tickBuckets = tb;
  d.ticks = tb[tb.length - 1]!.count;
  d.tickP50Ms = round(histogramQuantile(0.5, tb) * 1000, 3);
  d.tickP99Ms = round(histogramQuantile(0.99, tb) * 1000, 3);
  d.tickP999Ms = round(histogramQuantile(0.999, tb) * 1000, 3);
  const lag = bucketDelta(bucketsOf(b, 'shardgate_shard_tick_lag_seconds'), bucketsOf(a, 'shardgate_shard_tick_lag_seconds'));
  if (lag.length > 0) d.tickLagP99Ms = round(histogramQuantile(0.99, lag) * 1000, 3);
  const at10 = tb.find((x) => x.le === 0.01);
  d.ticksUnder10ms = at10 && d.ticks > 0 ? round(at10.count / d.ticks, 5) : null;
  d.tickOverruns = sumOf(a, 'shardgate_shard_tick_overruns_total') - sumOf(b, 'shardgate_shard_tick_overruns_total');
  d.shardPlayers = sumOf(a, 'shardgate_shard_players');
  d.packetsFlushed = sumOf(a, 'shardgate_shard_packets_flushed_total') - sumOf(b, 'shardgate_shard_packets_flushed_total');
  return d;
}

function admissionDelta(b: Sample[], a: Sample[], seconds: number): ScrapeDelta {
  const adm = 'shardgate_gateway_admission_duration_seconds_count';
  if (!a.some((s) => s.name === adm)) return {};
  const d: ScrapeDelta = {};
  d.admissions = sumOf(a, adm) - sumOf(b, adm);
  d.admissionsPerSec = Math.round(d.admissions / seconds);
  d.accepted = sumOf(a, 'shardgate_gateway_connections_accepted_total') - sumOf(b, 'shardgate_gateway_connections_accepted_total');
  const refused: Record<string, number> = {};
  for (const s of a) {
    if (s.name !== 'shardgate_gateway_connections_refused_total') continue;
    const before = sumOf(b, s.name, { reason: s.labels.reason! });
    if (s.value - before > 0) refused[s.labels.reason!] = s.value - before;
  }
  d.refused = refused;
  d.gatewayConnections = sumOf(a, 'shardgate_gateway_connections');
  d.framesSent = sumOf(a, 'shardgate_gateway_frames_sent_total') - sumOf(b, 'shardgate_gateway_frames_sent_total');
  return d;
}
