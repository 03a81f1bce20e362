import type { Bucket } from './prom';
import type { CpuReport } from './procstat';
import type { HistogramJson, LatencySummary } from './stats';
import type { SwarmOptions } from './options';

/** One second of a run: the progress line's figures. */
export interface Sample1s {
  t: number;
  bots: number;
  joined: number;
  sentPerSec: number;
  packetsPerSec: number;
  framesPerSec: number;
  chatRtPerSec: number;
  p50: number | null;
  p99: number | null;
  generatorCpuPct: number;
}

/** What a server's /metrics said over a window (differences of its counters and histograms). */
export interface ScrapeDelta {
  tickP50Ms?: number | null;
  tickP99Ms?: number | null;
  tickP999Ms?: number | null;
  /** p99 of how late ticks started against their schedule (shardgate_shard_tick_lag_seconds). */
  tickLagP99Ms?: number | null;
  ticks?: number;
  tickOverruns?: number;
  /** Share of ticks at or under 10 ms (exact: a bucket bound). */
  ticksUnder10ms?: number | null;
  tickBuckets?: Bucket[];
  admissions?: number;
  admissionsPerSec?: number;
  accepted?: number;
  refused?: Record<string, number>;
  shardPlayers?: number;
  gatewayConnections?: number;
  framesSent?: number;
  packetsFlushed?: number;
}

export interface StageResult {
  bots: number;
  seconds: number;
  joinedAtStart: number;
  joinedAtEnd: number;
  sentFrames: number;
  sentPerSec: number;
  recvFrames: number;
  framesPerSec: number;
  recvPackets: number;
  packetsPerSec: number;
  recvMiBPerSec: number;
  steps: number;
  chat: {
    sent: number;
    received: number;
    lost: number;
    rtPerSec: number;
    latencyMs: LatencySummary;
    histogram: HistogramJson;
  };
  cpu: CpuReport;
  /**
   * How late the generator's own event loop ran over the window (p99 and max, ms): a round
   * trip is timed when the generator gets to it, so this much of any latency may be the
   * generator's, not the server's.
   */
  generatorLoopDelayMs: { p99: number; max: number };
  scrape: Record<string, ScrapeDelta>;
  timeline: Sample1s[];
}

export interface StormResult {
  seconds: number;
  attempts: number;
  completed: number;
  admitted: number;
  refused: Record<string, number>;
  errors: Record<string, number>;
  attemptsPerSec: number;
  admittedPerSec: number;
  cycleMs: LatencySummary;
  cpu: CpuReport;
  scrape: Record<string, ScrapeDelta>;
}

export interface IdleResult {
  bots: number;
  opened: number;
  handshaken: number;
  failed: number;
  connectSeconds: number;
  closeReasons: Record<string, number>;
}

/** What one mode measured: stages (play), or the storm's or the idle hold's figures. */
export interface ModeResult {
  stages?: StageResult[];
  storm?: StormResult;
  idle?: IdleResult;
}

export interface SwarmResult {
  tool: string;
  startedAt: string;
  options: Omit<SwarmOptions, 'adminToken'>;
  stages: StageResult[];
  storm?: StormResult;
  idle?: IdleResult;
  closeReasons: Record<string, number>;
  connectFailures: number;
}
