/**
 * Latency statistics: exact percentiles over samples, and a log-bucketed histogram
 * (2 % wide buckets, mergeable across processes through its JSON form).
 */

/** Percentile `p` (0..100) of ascending `sorted` values, linear interpolation between ranks (R-7, numpy's default). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[n - 1]!;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  const frac = rank - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/** Nearest-rank percentile (the smallest value with at least p % of samples at or below it). */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1]!;
}

/** Bucket growth factor: values are kept to within 2 %. */
export const BUCKET_BASE = 1.02;
const LOG_BASE = Math.log(BUCKET_BASE);
/** Values below this (ms) share bucket 0: 1 µs. */
const FLOOR_MS = 0.001;

export interface HistogramJson {
  base: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** bucket index -> count; bucket i holds values in [FLOOR * base^i, FLOOR * base^(i+1)). */
  buckets: Record<string, number>;
}

export class Histogram {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private readonly counts = new Map<number, number>();

  static bucketOf(ms: number): number {
    return ms <= FLOOR_MS ? 0 : Math.floor(Math.log(ms / FLOOR_MS) / LOG_BASE);
  }

  static lowerBound(bucket: number): number {
    return FLOOR_MS * BUCKET_BASE ** bucket;
  }

  record(ms: number): void {
    const b = Histogram.bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count += 1;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram | HistogramJson): this {
    const h = other instanceof Histogram ? other.toJSON() : other;
    for (const [k, v] of Object.entries(h.buckets)) this.counts.set(Number(k), (this.counts.get(Number(k)) ?? 0) + v);
    this.count += h.count;
    this.sum += h.sum;
    if (h.count > 0) {
      this.min = Math.min(this.min, h.min);
      this.max = Math.max(this.max, h.max);
    }
    return this;
  }

  static fromJSON(json: HistogramJson): Histogram {
    return new Histogram().merge(json);
  }

  /** Percentile `p` (0..100): the geometric middle of the bucket holding that rank, clamped to [min, max]. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    if (p <= 0) return this.min;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const k of keys) {
      seen += this.counts.get(k)!;
      if (seen >= rank) {
        const mid = Histogram.lowerBound(k) * Math.sqrt(BUCKET_BASE);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** Counts per display bin for a chart: `bins` log-spaced bins between min and max. */
  bins(bins = 40): Array<{ from: number; to: number; count: number }> {
    if (this.count === 0) return [];
    const lo = Math.max(FLOOR_MS, this.min);
    const hi = Math.max(lo * 1.0001, this.max);
    const step = Math.log(hi / lo) / bins;
    const out = Array.from({ length: bins }, (_, i) => ({ from: lo * Math.exp(step * i), to: lo * Math.exp(step * (i + 1)), count: 0 }));
    for (const [k, v] of this.counts) {
      const mid = Histogram.lowerBound(k) * Math.sqrt(BUCKET_BASE);
      let i = step > 0 ? Math.floor(Math.log(Math.max(lo, mid) / lo) / step) : 0;
      if (i >= bins) i = bins - 1;
      if (i < 0) i = 0;
      out[i]!.count += v;
    }
    return out;
  }

  toJSON(): HistogramJson {
    const buckets: Record<string, number> = {};
    for (const [k, v] of [...this.counts].sort((a, b) => a[0] - b[0])) buckets[String(k)] = v;
    return { base: BUCKET_BASE, count: this.count, sum: this.sum, min: this.count ? this.min : 0, max: this.count ? this.max : 0, buckets };
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      mean: round(this.mean),
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      p999: round(this.percentile(99.9)),
      max: round(this.count ? this.max : NaN),
    };
  }
}

export interface LatencySummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export function round(value: number, digits = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
