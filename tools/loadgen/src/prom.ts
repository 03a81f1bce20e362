import http from 'node:http';

/**
 * Reading a server's /metrics: the Prometheus text format's samples, histogram buckets
 * by `le`, and Prometheus' own histogram_quantile on bucket deltas (so a benchmark window
 * gets its own percentile without adding anything to the product).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const raw = m[4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

/** Sum of every sample named `name` whose labels include `match`. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

export interface Bucket {
  le: number;
  /** Cumulative count, as Prometheus exposes it. */
  count: number;
}

/** Cumulative buckets of histogram `name` (summed over label sets), ascending `le`, +Inf last. */
export function bucketsOf(samples: Sample[], name: string): Bucket[] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** after - before, bucket by bucket (both from the same histogram). */
export function bucketDelta(before: Bucket[], after: Bucket[]): Bucket[] {
  const prior = new Map(before.map((b) => [b.le, b.count]));
  return after.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) }));
}

/**
 * Prometheus' histogram_quantile(q, buckets): the bucket holding rank q * total, linear
 * interpolation inside it (the lowest bucket starts at 0); a rank in the +Inf bucket
 * answers the highest finite bound. NaN without observations.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  if (buckets.length === 0) return NaN;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1]!.count;
  if (!(total > 0)) return NaN;
  if (q <= 0) return 0;
  if (q >= 1) q = 1;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      if (inBucket <= 0) return b.le;
      return prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Share of observations at or below `le` (exact at a bucket bound). */
export function fractionAtOrBelow(buckets: Bucket[], le: number): number {
  const total = buckets[buckets.length - 1]?.count ?? 0;
  const b = buckets.find((x) => x.le === le);
  return total > 0 && b ? b.count / total : NaN;
}

export function fetchText(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${url}: timeout`)));
    req.on('error', reject);
  });
}
