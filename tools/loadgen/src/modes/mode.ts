import type { Bot, Counters } from '../bot';
import type { SwarmOptions } from '../options';
import type { ModeResult, Sample1s } from '../result';

/** What the swarm gives a mode: its options, the shared counters, connecting and the clock's helpers. */
export interface SwarmContext {
  readonly options: SwarmOptions;
  readonly counters: Counters;
  /** Seeded, so a run's walks and spreads can be repeated. */
  readonly random: () => number;
  /** One sample per second since the start (Swarm's progress timeline). */
  readonly timeline: readonly Sample1s[];
  /** Bots started with addBot(), in order. */
  readonly bots: readonly Bot[];
  /** Connections waiting for their upgrade. */
  readonly connecting: number;
  readonly stopping: boolean;
  /** Starts the next bot of `bots` on a free source address; null when none is free now. */
  addBot(): Bot | null;
  /** Starts a bot that is not kept in `bots` (storm): `id` picks its target URL. */
  launch(id: number): Bot | null;
  /** Runs `fn` every `ms` until the swarm shuts down. */
  every(ms: number, fn: () => void): void;
  /** The chat measurement window (performance.now()): lines sent inside it are followed to the end. */
  setWindow(start: number, end: number): void;
  /** No new work from now on; the run is ending. */
  stop(): void;
}

/**
 * One way of loading a server. The swarm owns the connections, the pacer, the per-second
 * timeline and shutdown; a mode decides which connections to open, what bots do once in, and
 * what is measured.
 */
export interface SwarmMode {
  /** Bots stop after the Kaetram handshake (idle connections). */
  readonly stopAtHandshake: boolean;
  /** Open connections one source address may hold. */
  readonly perSource: number;
  /** Whether the pacer may open another connection now (it also keeps to --connect-rate). */
  wantsConnection(): boolean;
  /** Opens one connection; false when no source address is free. */
  connect(): boolean;
  /** A chat round trip of `ms` milliseconds. */
  rtt(ms: number): void;
  onFirstMessage(bot: Bot): void;
  onJoined(bot: Bot): void;
  onHandshaken(bot: Bot): void;
  onChatBack(bot: Bot): void;
  onClosed(bot: Bot): void;
  /** What this mode adds to the one-per-second progress line. */
  progress(sample: Sample1s): string;
  /** Runs the mode's load and measurement; the swarm shuts down after it. */
  run(): Promise<ModeResult>;
  /** Called once at shutdown, before the connections are closed. */
  dispose(): void;
}

/** The counters a window's figures are differences of. */
export function countersNow(c: Counters) {
  return { sentFrames: c.sentFrames, recvFrames: c.recvFrames, recvPackets: c.recvPackets, recvBytes: c.recvBytes, chatSent: c.chatSent, chatRecv: c.chatRecv, chatLost: c.chatLost, steps: c.steps };
}
export type CounterSnapshot = ReturnType<typeof countersNow>;

/** 12345 -> 12.3k: the progress line's numbers. */
export const compact = (n: number): string => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n));

/** The progress line's chat part (play, idle). */
export const chatProgress = (sample: Sample1s): string => ` | chat ${compact(sample.chatRtPerSec)}/s p50 ${sample.p50 ?? '-'} ms p99 ${sample.p99 ?? '-'} ms`;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Modes that grow a fleet of bots up to a wanted count (play, idle): the pacer adds bots while
 * fewer exist than wanted and fewer than --max-connecting are upgrading. Hooks do nothing
 * unless a mode overrides them.
 */
export abstract class FleetMode implements SwarmMode {
  readonly stopAtHandshake: boolean = false;
  readonly perSource: number;
  protected wanted = 0;

  constructor(protected readonly ctx: SwarmContext) {
    this.perSource = ctx.options.maxPerSource;
  }

  wantsConnection(): boolean {
    return this.ctx.bots.length < this.wanted && this.ctx.connecting < this.ctx.options.maxConnecting;
  }

  connect(): boolean {
    return this.ctx.addBot() !== null;
  }

  rtt(_ms: number): void {}
  onFirstMessage(_bot: Bot): void {}
  onJoined(_bot: Bot): void {}
  onHandshaken(_bot: Bot): void {}
  onChatBack(_bot: Bot): void {}
  onClosed(_bot: Bot): void {}
  dispose(): void {
    this.wanted = 0;
  }
  progress(sample: Sample1s): string {
    return chatProgress(sample);
  }
  abstract run(): Promise<ModeResult>;
}
