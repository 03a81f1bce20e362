import { Bot, Counters, type BotHost, type Protocol } from './bot';
import { IdleMode } from './modes/idle';
import { compact, countersNow, sleep, type SwarmContext, type SwarmMode } from './modes/mode';
import { PlayMode } from './modes/play';
import { StormMode } from './modes/storm';
import type { Mode, SwarmOptions } from './options';
import { mulberry32 } from './prng';
import type { Sample1s, SwarmResult } from './result';
import { SourceList, SourcePool } from './sources';
import { Histogram, round } from './stats';
import { parseTarget, transport, type Target } from './transport';

const MODES: Record<Mode, new (ctx: SwarmContext) => SwarmMode> = { play: PlayMode, idle: IdleMode, storm: StormMode };

/**
 * A swarm of bots: it owns the connections (source addresses, the connect pacer, upgrades in
 * flight), the per-second timeline and progress line, and shutdown. What the bots do and what
 * is measured is the mode's (modes/: play, idle, storm).
 */
export class Swarm implements BotHost, SwarmContext {
  readonly counters = new Counters();
  readonly protocol: Protocol;
  readonly gameVersion: string;
  readonly stopAtHandshake: boolean;
  readonly random: () => number;
  readonly bots: Bot[] = [];
  readonly timeline: Sample1s[] = [];
  windowStart = Infinity;
  windowEnd = Infinity;
  connecting = 0;
  stopping = false;
  private readonly mode: SwarmMode;
  private readonly targets: Target[];
  private readonly pool: SourcePool;
  private readonly connectTransport;
  /** Every bot not yet closed, whichever mode started it. */
  private readonly open = new Set<Bot>();
  private connectBudget = 0;
  private lastConnectTick = performance.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private secondHist = new Histogram();
  private readonly startedAt = performance.now();
  private lastSecond = { counters: countersNow(this.counters), at: performance.now(), cpu: process.cpuUsage() };
  private connectFailures = 0;

  constructor(readonly options: SwarmOptions) {
    this.protocol = options.protocol;
    this.gameVersion = options.gameVersion;
    // Seeded, so a run's walks can be repeated.
    this.random = mulberry32(options.seed ?? 1);
    this.mode = new MODES[options.mode](this);
    this.stopAtHandshake = this.mode.stopAtHandshake;
    const path = options.protocol === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : undefined;
    this.targets = options.urls.map((u) => parseTarget(u, path));
    this.pool = new SourcePool(new SourceList(options.sources), this.mode.perSource, options.connectIntervalMs);
    this.connectTransport = transport(options.transport);
  }

  // BotHost: the swarm's bookkeeping, then the mode ----------------------------------------

  rtt(ms: number): void {
    this.secondHist.record(ms);
    this.mode.rtt(ms);
  }

  onFirstMessage(bot: Bot): void {
    this.mode.onFirstMessage(bot);
  }

  onJoined(bot: Bot): void {
    this.mode.onJoined(bot);
  }

  onHandshaken(bot: Bot): void {
    this.mode.onHandshaken(bot);
  }

  onChatBack(bot: Bot): void {
    this.mode.onChatBack(bot);
  }

  onOpened(): void {
    this.connecting -= 1;
  }

  onClosed(bot: Bot): void {
    if (!bot.wasOpen) {
      this.connecting -= 1;
      this.connectFailures += 1;
    }
    if (bot.source >= 0) this.pool.release(bot.source);
    this.open.delete(bot);
    this.mode.onClosed(bot);
  }

  // SwarmContext -----------------------------------------------------------------------------

  addBot(): Bot | null {
    const bot = this.launch(this.bots.length);
    if (bot !== null) this.bots.push(bot);
    return bot;
  }

  launch(id: number): Bot | null {
    const source = this.pool.take(performance.now());
    if (source < 0) return null;
    const bot = new Bot(id, this);
    bot.source = source;
    this.open.add(bot);
    this.connecting += 1;
    bot.connect(this.connectTransport, this.targets[id % this.targets.length]!, this.pool.address(source));
    return bot;
  }

  every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  setWindow(start: number, end: number): void {
    this.windowStart = start;
    this.windowEnd = end;
  }

  stop(): void {
    this.stopping = true;
  }

  // running ----------------------------------------------------------------------------------

  async run(): Promise<SwarmResult> {
    const startedAt = new Date().toISOString();
    this.every(5, () => this.pace());
    this.every(1000, () => this.everySecond());
    let measured;
    try {
      measured = await this.mode.run();
    } finally {
      await this.shutdown();
    }
    const { adminToken: _omit, ...options } = this.options;
    void _omit;
    return {
      tool: '@shardgate/loadgen',
      startedAt,
      options,
      stages: measured.stages ?? [],
      storm: measured.storm,
      idle: measured.idle,
      closeReasons: Object.fromEntries(this.counters.closeReasons),
      connectFailures: this.connectFailures,
    };
  }

  /** The connect pacer: at most connectRate per second, as many as the mode wants. */
  private pace(): void {
    const now = performance.now();
    this.connectBudget = Math.min(this.options.connectRate, this.connectBudget + ((now - this.lastConnectTick) / 1000) * this.options.connectRate);
    this.lastConnectTick = now;
    while (this.connectBudget >= 1 && this.mode.wantsConnection()) {
      if (!this.mode.connect()) break;
      this.connectBudget -= 1;
    }
  }

  private everySecond(): void {
    const now = performance.now();
    const counters = countersNow(this.counters);
    const cpu = process.cpuUsage();
    const dt = (now - this.lastSecond.at) / 1000;
    const prev = this.lastSecond.counters;
    const h = this.secondHist;
    const sample: Sample1s = {
      t: Math.round((now - this.startedAt) / 100) / 10,
      bots: this.bots.length,
      joined: this.counters.joined,
      sentPerSec: Math.round((counters.sentFrames - prev.sentFrames) / dt),
      packetsPerSec: Math.round((counters.recvPackets - prev.recvPackets) / dt),
      framesPerSec: Math.round((counters.recvFrames - prev.recvFrames) / dt),
      chatRtPerSec: Math.round((counters.chatRecv - prev.chatRecv) / dt),
      p50: round(h.percentile(50)),
      p99: round(h.percentile(99)),
      generatorCpuPct: Math.round(((cpu.user - this.lastSecond.cpu.user + cpu.system - this.lastSecond.cpu.system) / 1e6 / dt) * 1000) / 10,
    };
    this.timeline.push(sample);
    this.lastSecond = { counters, at: now, cpu };
    this.secondHist = new Histogram();
    if (this.options.progress) {
      process.stderr.write(
        `[loadgen] t=${sample.t.toFixed(0)}s bots ${this.counters.joined}/${this.bots.length} (open ${this.counters.opened - this.counters.closed}) | sent ${compact(sample.sentPerSec)}/s recv ${compact(sample.packetsPerSec)} pkt/s${this.mode.progress(sample)} | cpu ${sample.generatorCpuPct}%\n`,
      );
    }
  }

  /** Closes everyone (closing handshake), waits a little, then destroys what is left. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.mode.dispose();
    for (const t of this.timers.splice(0)) clearInterval(t);
    const open = [...this.open];
    for (const bot of open) bot.close();
    const deadline = performance.now() + 3000;
    while (performance.now() < deadline && this.counters.closed < this.counters.connects) await sleep(50);
    for (const bot of open) bot.connection?.destroy();
  }
}
