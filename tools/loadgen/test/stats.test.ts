import { BUCKET_BASE, Histogram, nearestRank, percentile } from '../src/stats';
import { bucketDelta, histogramQuantile, parseMetrics, bucketsOf } from '../src/prom';
import { parseStat } from '../src/procstat';
import { SourceList, SourcePool } from '../src/sources';

describe('percentiles', () => {
  const values = [15, 20, 35, 40, 50];

  it('interpolates between ranks (R-7)', () => {
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 40)).toBeCloseTo(29, 10);
    expect(percentile(values, 90)).toBeCloseTo(46, 10);
    expect(percentile([], 50)).toBeNaN();
  });

  it('nearest rank picks a sample', () => {
    expect(nearestRank(values, 30)).toBe(20);
    expect(nearestRank(values, 100)).toBe(50);
    expect(nearestRank(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
  });

  it('the histogram stays within its bucket width of the exact percentile', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const samples = Array.from({ length: 20000 }, () => 0.05 + -Math.log(random()) * 20);
    const h = new Histogram();
    for (const s of samples) h.record(s);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = nearestRank(sorted, p);
      expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThan(BUCKET_BASE - 1);
    }
    expect(h.percentile(100)).toBe(sorted[sorted.length - 1]);
    expect(h.count).toBe(20000);
  });

  it('merges through JSON without losing counts', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 100; i++) (i % 2 ? a : b).record(i);
    const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).merge(b.toJSON());
    expect(merged.count).toBe(100);
    expect(merged.min).toBe(1);
    expect(merged.max).toBe(100);
    expect(merged.percentile(50)).toBeGreaterThan(49);
    expect(merged.percentile(50)).toBeLessThan(51.5);
  });
});

describe('Prometheus histogram quantiles', () => {
  const text = [
    '# HELP shardgate_shard_tick_duration_seconds Time spent in one tick',
    '# TYPE shardgate_shard_tick_duration_seconds histogram',
    'shardgate_shard_tick_duration_seconds_bucket{le="0.001",service="shard",node="1"} 10',
    'shardgate_shard_tick_duration_seconds_bucket{le="0.005",service="shard",node="1"} 90',
    'shardgate_shard_tick_duration_seconds_bucket{le="0.01",service="shard",node="1"} 100',
    'shardgate_shard_tick_duration_seconds_bucket{le="+Inf",service="shard",node="1"} 100',
    'shardgate_shard_tick_duration_seconds_count{service="shard",node="1"} 100',
  ].join('\n');

  it('reads buckets and interpolates inside one, as histogram_quantile does', () => {
    const buckets = bucketsOf(parseMetrics(text), 'shardgate_shard_tick_duration_seconds');
    expect(buckets.map((b) => b.le)).toEqual([0.001, 0.005, 0.01, Infinity]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.001 + 0.004 * (40 / 80), 12);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.005 + 0.005 * (9 / 10), 12);
    expect(histogramQuantile(0.05, buckets)).toBeCloseTo(0.0005, 12);
  });

  it('uses the deltas of a window, and answers the top finite bound for the +Inf bucket', () => {
    const before = [
      { le: 0.01, count: 100 },
      { le: Infinity, count: 100 },
    ];
    const after = [
      { le: 0.01, count: 150 },
      { le: Infinity, count: 200 },
    ];
    const delta = bucketDelta(before, after);
    expect(delta).toEqual([
      { le: 0.01, count: 50 },
      { le: Infinity, count: 100 },
    ]);
    expect(histogramQuantile(0.99, delta)).toBe(0.01);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNaN();
  });
});

describe('/proc and sources', () => {
  it('reads utime and stime after a command name with spaces and parentheses', () => {
    const stat = '1234 (node (x) y) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 40 0 0 20 0 11 0 500 1000 200';
    expect(parseStat(stat)).toEqual({ utimeTicks: 250, stimeTicks: 40 });
  });

  it('expands ranges and CIDRs, and paces each address', () => {
    const list = new SourceList('127.0.0.2-127.0.0.3,127.1.0.0/30');
    expect(list.size).toBe(4);
    expect([0, 1, 2, 3, 4].map((i) => list.at(i))).toEqual(['127.0.0.2', '127.0.0.3', '127.1.0.1', '127.1.0.2', '127.0.0.2']);
    const pool = new SourcePool(new SourceList('127.0.0.2-127.0.0.3'), 16, 5000);
    expect(pool.take(0)).toBe(0);
    expect(pool.take(0)).toBe(1);
    expect(pool.take(100)).toBe(-1);
    expect(pool.take(5000)).toBe(0);
  });
});
