import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Bot, Counters, type BotHost, type Protocol } from './bot';
import { bucketDelta, bucketsOf, fetchText, histogramQuantile, parseMetrics, sumOf, type Bucket, type Sample } from './prom';
import { cpuBetween, snapshot, type CpuReport, type ProcessRef } from './procstat';
import { SourceList, SourcePool } from './sources';
import { Histogram, round, type HistogramJson, type LatencySummary } from './stats';
import { mulberry32 } from './prng';
import { parseTarget, transport, type Target, type TransportName } from './transport';

export type Mode = 'play' | 'idle' | 'storm';
export type Spread = { kind: 'none' } | { kind: 'uniform' } | { kind: 'lattice'; spacing: number };

export interface Stage {
  bots: number;
  seconds: number;
}

export interface SwarmOptions {
  /** One or more ws:// URLs; bot i uses urls[i % n]. */
  urls: string[];
  protocol: Protocol;
  transport: TransportName;
  mode: Mode;
  stages: Stage[];
  settleSeconds: number;
  /** Open loop: chat lines per bot per second (Poisson). */
  chatRate: number;
  /** Closed loop when > 0: chat lines in flight per bot (next one sent when one comes back). */
  chatWindow: number;
  /** Closed loop: at most this many chat lines per bot per second. */
  chatMaxRate: number;
  chatTimeoutMs: number;
  /** Steps per bot per second, averaged over walks and pauses (0: stand still). */
  moveRate: number;
  mapSize: number;
  margin: number;
  spread: Spread;
  /** Spread teleports per second, at most. */
  spreadRate: number;
  /** How a spread is done: the gateway's admin API teleport, or the peer's teleport event. */
  spreadVia: 'admin' | 'socketio';
  adminUrl?: string;
  adminToken?: string;
  sources: string;
  maxPerSource: number;
  connectIntervalMs: number;
  /** New connections per second, at most. */
  connectRate: number;
  /** Connections waiting for their upgrade at once, at most. */
  maxConnecting: number;
  gameVersion: string;
  serverPids: ProcessRef[];
  scrape: Array<{ name: string; url: string }>;
  /** storm: connections in flight. */
  concurrency: number;
  joinTimeoutSeconds: number;
  progress: boolean;
  seed?: number;
}

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

/** A chat line sent in a window and not heard back this long after the window is counted lost. */
const LOST_GRACE_MS = 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Swarm implements BotHost {
  readonly counters = new Counters();
  readonly protocol: Protocol;
  readonly gameVersion: string;
  readonly stopAtHandshake: boolean;
  windowStart = Infinity;
  private acting = false;
  windowEnd = Infinity;
  private readonly bots: Bot[] = [];
  private readonly active: Bot[] = [];
  private readonly targets: Target[];
  private readonly pool: SourcePool;
  private readonly connect;
  private readonly random: () => number;
  private wanted = 0;
  private connecting = 0;
  private connectBudget = 0;
  private lastConnectTick = performance.now();
  private timers: NodeJS.Timeout[] = [];
  private stageHist: Histogram | null = null;
  private secondHist = new Histogram();
  private timeline: Sample1s[] = [];
  private readonly startedAt = performance.now();
  private lastSecond = { counters: { ...this.snapshotCounters() }, at: performance.now(), cpu: process.cpuUsage() };
  private stopping = false;
  private adminQueue: Array<{ bot: Bot; x: number; y: number; tries: number }> = [];
  private adminInFlight = 0;
  private spreadBudget = 0;
  private spreadAt = performance.now();
  private readonly adminAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private lattice: Array<[number, number]> = [];
  private connectFailures = 0;
  // storm
  private stormCycle: Histogram | null = null;
  private stormCounts = { attempts: 0, completed: 0, admitted: 0, refused: {} as Record<string, number>, errors: {} as Record<string, number> };
  private stormStartedAt = new Map<Bot, number>();
  private idleDone = 0;

  constructor(private readonly options: SwarmOptions) {
    this.protocol = options.protocol;
    this.gameVersion = options.gameVersion;
    this.stopAtHandshake = options.mode === 'idle';
    const path = options.protocol === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : undefined;
    this.targets = options.urls.map((u) => parseTarget(u, path));
    this.pool = new SourcePool(new SourceList(options.sources), options.mode === 'storm' ? 1 : options.maxPerSource, options.connectIntervalMs);
    this.connect = transport(options.transport);
    // Seeded, so a run's walks can be repeated.
    this.random = mulberry32(options.seed ?? 1);
    if (options.spread.kind === 'lattice') {
      const s = options.spread.spacing;
      for (let y = Math.floor(s / 2); y < options.mapSize - options.margin; y += s) {
        for (let x = Math.floor(s / 2); x < options.mapSize - options.margin; x += s) this.lattice.push([x, y]);
      }
    }
  }

  // BotHost --------------------------------------------------------------------------------

  rtt(ms: number): void {
    this.secondHist.record(ms);
    this.stageHist?.record(ms);
  }

  onFirstMessage(bot: Bot): void {
    if (this.options.mode !== 'storm') return;
    // Admitted: the first server frame came (Kaetram's [[0,null]] / Engine.IO open / an echo).
    this.stormCounts.admitted += 1;
    bot.close();
  }

  onJoined(bot: Bot): void {
    if (this.options.mode === 'idle') {
      this.idleDone += 1;
      return;
    }
    if (this.options.mode === 'storm') return;
    this.active.push(bot);
    const now = performance.now();
    bot.nextMoveAt = now + this.random() * (this.options.moveRate > 0 ? 1000 / this.options.moveRate : 0);
    bot.nextChatAt = now + this.nextChatGap();
    const spot = this.spreadTarget(bot);
    if (spot === null) {
      bot.placed = true;
      return;
    }
    bot.placed = false;
    bot.target = { x: spot[0], y: spot[1] };
    this.adminTeleport(bot, spot[0], spot[1]);
  }

  onHandshaken(): void {
    this.idleDone += 1;
  }

  onChatBack(bot: Bot): void {
    const { chatWindow, chatMaxRate } = this.options;
    if (chatWindow <= 0 || this.stopping || !bot.placed || !this.acting) return;
    const now = performance.now();
    const minGap = chatMaxRate > 0 ? 1000 / chatMaxRate : 0;
    while (bot.outstanding.size < chatWindow && now >= bot.nextChatAt) {
      bot.chat(now);
      bot.nextChatAt = minGap > 0 ? Math.max(now, bot.nextChatAt + minGap) : now;
      if (minGap > 0 && bot.nextChatAt > now) break;
    }
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
    const i = this.active.indexOf(bot);
    if (i >= 0) {
      this.active[i] = this.active[this.active.length - 1]!;
      this.active.pop();
    }
    if (this.options.mode === 'storm') {
      const started = this.stormStartedAt.get(bot);
      this.stormStartedAt.delete(bot);
      if (started !== undefined) {
        this.stormCounts.completed += 1;
        this.stormCycle?.record(performance.now() - started);
      }
    }
  }

  // connecting -----------------------------------------------------------------------------

  private spreadTarget(bot: Bot): [number, number] | null {
    const { spread, mapSize, margin } = this.options;
    if (spread.kind === 'none') return null;
    if (spread.kind === 'lattice') return this.lattice[bot.id % this.lattice.length]!;
    const span = mapSize - 2 * margin;
    return [margin + Math.floor(this.random() * span), margin + Math.floor(this.random() * span)];
  }

  private nextChatGap(): number {
    const rate = this.options.chatRate;
    if (this.options.chatWindow > 0 || rate <= 0) return 0;
    return (-Math.log(1 - this.random()) / rate) * 1000;
  }

  private startBot(): boolean {
    const now = performance.now();
    const source = this.pool.take(now);
    if (source < 0) return false;
    const id = this.bots.length;
    const bot = new Bot(id, this);
    bot.source = source;
    this.bots.push(bot);
    this.connecting += 1;
    bot.connect(this.connect, this.targets[id % this.targets.length]!, this.pool.address(source));
    return true;
  }

  /** The connect pacer: at most connectRate per second and maxConnecting in flight. */
  private pace(): void {
    const now = performance.now();
    this.connectBudget = Math.min(this.options.connectRate, this.connectBudget + ((now - this.lastConnectTick) / 1000) * this.options.connectRate);
    this.lastConnectTick = now;
    if (this.options.mode === 'storm') {
      while (!this.stopping && this.stormStartedAt.size < this.options.concurrency && this.connectBudget >= 1) {
        if (!this.startStormBot()) break;
        this.connectBudget -= 1;
      }
      return;
    }
    while (this.bots.length < this.wanted && this.connectBudget >= 1 && this.connecting < this.options.maxConnecting) {
      if (!this.startBot()) break;
      this.connectBudget -= 1;
    }
  }

  private startStormBot(): boolean {
    const now = performance.now();
    const source = this.pool.take(now);
    if (source < 0) return false;
    const bot = new Bot(this.stormCounts.attempts, this);
    bot.source = source;
    this.stormCounts.attempts += 1;
    this.stormStartedAt.set(bot, now);
    this.connecting += 1;
    bot.connect(this.connect, this.targets[this.stormCounts.attempts % this.targets.length]!, this.pool.address(source));
    return true;
  }

  // admin teleports (spread) ---------------------------------------------------------------

  private adminTeleport(bot: Bot, x: number, y: number): void {
    this.adminQueue.push({ bot, x, y, tries: 0 });
    this.pumpAdmin();
  }

  /**
   * Spread teleports go out at most `spreadRate` per second: each one sends the player the
   * Map of up to 9 regions, and too many in one tick make a batch too big for the bus.
   */
  private pumpAdmin(): void {
    const { adminUrl, adminToken, spreadRate } = this.options;
    const now = performance.now();
    this.spreadBudget = Math.min(Math.max(1, spreadRate / 20), this.spreadBudget + ((now - this.spreadAt) / 1000) * spreadRate);
    this.spreadAt = now;
    while (this.adminInFlight < 8 && this.adminQueue.length > 0 && this.spreadBudget >= 1) {
      const job = this.adminQueue.shift()!;
      if (job.bot.state !== 'joined') continue;
      this.spreadBudget -= 1;
      if (this.options.spreadVia === 'socketio') {
        job.bot.requestTeleport(job.x, job.y);
        continue;
      }
      if (!adminUrl) continue;
      this.adminInFlight += 1;
      const body = JSON.stringify({ instance: job.bot.instance, x: job.x, y: job.y });
      const req = http.request(
        `${adminUrl}/admin/teleport`,
        { method: 'POST', agent: this.adminAgent, headers: { authorization: `Bearer ${adminToken ?? ''}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.adminInFlight -= 1;
            if (res.statusCode !== 202 && job.tries < 3) this.adminQueue.push({ ...job, tries: job.tries + 1 });
            this.pumpAdmin();
          });
        },
      );
      req.on('error', () => {
        this.adminInFlight -= 1;
        if (job.tries < 3) this.adminQueue.push({ ...job, tries: job.tries + 1 });
        setTimeout(() => this.pumpAdmin(), 100);
      });
      req.end(body);
    }
  }

  // the action loop ------------------------------------------------------------------------

  private act(): void {
    const now = performance.now();
    const { moveRate, mapSize, margin, chatWindow, chatMaxRate, chatTimeoutMs } = this.options;
    const closedLoop = chatWindow > 0;
    const minGap = chatMaxRate > 0 ? 1000 / chatMaxRate : 0;
    const chatting = closedLoop || this.options.chatRate > 0;
    // Nobody walks or chats until the first stage's bots are all in place: a ramp that
    // overlaps full traffic measures neither, and delays the shard's ticks.
    if (!this.acting) return;
    for (let i = 0; i < this.active.length; i++) {
      const bot = this.active[i]!;
      if (!bot.placed) {
        // A spread teleport lost on the way: ask again after a while.
        continue;
      }
      if (moveRate > 0 && now >= bot.nextMoveAt) bot.walk(now, moveRate, mapSize, margin, this.random);
      if (!chatting) continue;
      if (bot.outstanding.size > 0) bot.expireChats(now, chatTimeoutMs);
      if (closedLoop) {
        while (bot.outstanding.size < chatWindow && now >= bot.nextChatAt) {
          bot.chat(now);
          bot.nextChatAt = minGap > 0 ? Math.max(now, bot.nextChatAt + minGap) : now;
          if (minGap > 0 && bot.nextChatAt > now) break;
        }
      } else if (now >= bot.nextChatAt) {
        // Poisson arrivals at the set rate: every line that fell due since the last turn goes now.
        if (bot.nextChatAt < now - 1000) bot.nextChatAt = now;
        while (now >= bot.nextChatAt) {
          bot.chat(now);
          bot.nextChatAt += this.nextChatGap();
        }
      }
    }
  }

  private snapshotCounters() {
    const c = this.counters;
    return { sentFrames: c.sentFrames, recvFrames: c.recvFrames, recvPackets: c.recvPackets, recvBytes: c.recvBytes, chatSent: c.chatSent, chatRecv: c.chatRecv, chatLost: c.chatLost, steps: c.steps };
  }

  private everySecond(): void {
    const now = performance.now();
    const counters = this.snapshotCounters();
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
      const k = (n: number) => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n));
      const extra =
        this.options.mode === 'storm'
          ? ` | storm ${k(this.stormCounts.attempts)} tries, ${k(this.stormCounts.admitted)} admitted, ${this.stormStartedAt.size} in flight`
          : ` | chat ${k(sample.chatRtPerSec)}/s p50 ${sample.p50 ?? '-'} ms p99 ${sample.p99 ?? '-'} ms`;
      process.stderr.write(
        `[loadgen] t=${sample.t.toFixed(0)}s bots ${this.counters.joined}/${this.bots.length} (open ${this.counters.opened - this.counters.closed}) | sent ${k(sample.sentPerSec)}/s recv ${k(sample.packetsPerSec)} pkt/s${extra} | cpu ${sample.generatorCpuPct}%\n`,
      );
    }
  }

  // running --------------------------------------------------------------------------------

  private startLoops(): void {
    this.timers.push(setInterval(() => this.pace(), 5));
    this.timers.push(setInterval(() => this.act(), 10));
    this.timers.push(setInterval(() => this.everySecond(), 1000));
    this.timers.push(setInterval(() => this.retryPlacements(), 3000));
    this.timers.push(setInterval(() => this.pumpAdmin(), 10));
  }

  private retryPlacements(): void {
    if (this.options.spread.kind === 'none') return;
    if (this.adminQueue.length > 0 || this.adminInFlight > 0) return;
    for (const bot of this.active) {
      if (bot.placed || !bot.target) continue;
      this.adminTeleport(bot, bot.target.x, bot.target.y);
    }
  }

  private async scrapeAll(): Promise<Map<string, Sample[]>> {
    const out = new Map<string, Sample[]>();
    await Promise.all(
      this.options.scrape.map(async ({ name, url }) => {
        try {
          out.set(name, parseMetrics(await fetchText(url)));
        } catch {
          // a server that does not answer has no delta
        }
      }),
    );
    return out;
  }

  private scrapeDeltas(before: Map<string, Sample[]>, after: Map<string, Sample[]>, seconds: number): Record<string, ScrapeDelta> {
    const result: Record<string, ScrapeDelta> = {};
    for (const [name, b] of before) {
      const a = after.get(name);
      if (!a) continue;
      const d: ScrapeDelta = {};
      const tick = 'shardgate_shard_tick_duration_seconds';
      const tb = bucketDelta(bucketsOf(b, tick), bucketsOf(a, tick));
      if (tb.length > 0) {
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
      }
      const adm = 'shardgate_gateway_admission_duration_seconds_count';
      if (a.some((s) => s.name === adm)) {
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
      }
      result[name] = d;
    }
    return result;
  }

  /** Connects until `bots` exist and are joined and placed (or the join timeout passes). */
  private async ensureBots(bots: number): Promise<void> {
    this.wanted = Math.max(this.wanted, bots);
    const deadline = performance.now() + this.options.joinTimeoutSeconds * 1000;
    while (performance.now() < deadline && !this.stopping) {
      if (this.bots.length >= this.wanted && this.connecting === 0) {
        const waiting = this.bots.some((b) => b.state !== 'closed' && !(b.state === 'joined' && b.placed));
        if (!waiting) break;
      }
      await sleep(100);
    }
  }

  private async measure(stage: Stage): Promise<StageResult> {
    const joinedAtStart = this.counters.joined;
    const before = this.snapshotCounters();
    const scrapeBefore = await this.scrapeAll();
    const cpuBefore = snapshot(this.options.serverPids);
    this.stageHist = new Histogram();
    const timelineFrom = this.timeline.length;
    const startedAt = performance.now();
    this.windowStart = startedAt;
    this.windowEnd = Infinity;
    this.counters.windowSent = 0;
    this.counters.windowRecv = 0;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    await sleep(stage.seconds * 1000);
    loopDelay.disable();
    this.windowEnd = performance.now();
    const cpuAfter = snapshot(this.options.serverPids);
    const seconds = (performance.now() - startedAt) / 1000;
    const after = this.snapshotCounters();
    const scrapeAfter = await this.scrapeAll();
    const hist = this.stageHist;
    this.stageHist = null;
    // Lines sent in the window get a grace period to come back; those that do not are lost.
    await sleep(LOST_GRACE_MS);
    const lost = this.counters.windowSent - this.counters.windowRecv;
    this.windowStart = this.windowEnd = Infinity;
    const d = (k: keyof typeof before) => after[k] - before[k];
    return {
      bots: stage.bots,
      seconds: round(seconds)!,
      joinedAtStart,
      joinedAtEnd: this.counters.joined,
      sentFrames: d('sentFrames'),
      sentPerSec: Math.round(d('sentFrames') / seconds),
      recvFrames: d('recvFrames'),
      framesPerSec: Math.round(d('recvFrames') / seconds),
      recvPackets: d('recvPackets'),
      packetsPerSec: Math.round(d('recvPackets') / seconds),
      recvMiBPerSec: round(d('recvBytes') / seconds / 1048576)!,
      steps: d('steps'),
      chat: {
        sent: d('chatSent'),
        received: d('chatRecv'),
        lost,
        rtPerSec: Math.round(d('chatRecv') / seconds),
        latencyMs: hist.summary(),
        histogram: hist.toJSON(),
      },
      cpu: cpuBetween(cpuBefore, cpuAfter, this.options.serverPids),
      // The histogram is in ns and measures whole intervals: the 1 ms resolution is taken off.
      generatorLoopDelayMs: { p99: round(Math.max(0, loopDelay.percentile(99) / 1e6 - 1))!, max: round(Math.max(0, loopDelay.max / 1e6 - 1))! },
      scrape: this.scrapeDeltas(scrapeBefore, scrapeAfter, seconds),
      timeline: this.timeline.slice(timelineFrom),
    };
  }

  async run(): Promise<SwarmResult> {
    const startedAt = new Date().toISOString();
    this.startLoops();
    const stages: StageResult[] = [];
    let storm: StormResult | undefined;
    let idle: IdleResult | undefined;
    try {
      if (this.options.mode === 'storm') storm = await this.runStorm(this.options.stages[0]!.seconds);
      else if (this.options.mode === 'idle') idle = await this.runIdle(this.options.stages[0]!);
      else {
        for (const stage of this.options.stages) {
          if (this.stopping) break;
          await this.ensureBots(stage.bots);
          if (!this.acting) {
            this.acting = true;
            const now = performance.now();
            for (const bot of this.active) {
              bot.nextMoveAt = now + this.random() * (this.options.moveRate > 0 ? 1000 / this.options.moveRate : 0);
              bot.nextChatAt = now + this.nextChatGap();
            }
          }
          await sleep(this.options.settleSeconds * 1000);
          stages.push(await this.measure(stage));
        }
      }
    } finally {
      await this.shutdown();
    }
    const { adminToken: _omit, ...options } = this.options;
    void _omit;
    return {
      tool: '@shardgate/loadgen',
      startedAt,
      options,
      stages,
      storm,
      idle,
      closeReasons: Object.fromEntries(this.counters.closeReasons),
      connectFailures: this.connectFailures,
    };
  }

  private async runIdle(stage: Stage): Promise<IdleResult> {
    const started = performance.now();
    this.wanted = stage.bots;
    const deadline = started + this.options.joinTimeoutSeconds * 1000;
    while (performance.now() < deadline && !this.stopping) {
      if (this.bots.length >= stage.bots && this.idleDone + this.counters.closed >= stage.bots) break;
      await sleep(100);
    }
    const connectSeconds = (performance.now() - started) / 1000;
    const result: IdleResult = {
      bots: stage.bots,
      opened: this.counters.opened,
      handshaken: this.idleDone,
      failed: this.counters.closed,
      connectSeconds: round(connectSeconds)!,
      closeReasons: Object.fromEntries(this.counters.closeReasons),
    };
    // The scenario runner reads this line, measures the server, then stops us (SIGTERM) or waits.
    process.stdout.write(JSON.stringify({ event: 'ready', ...result }) + '\n');
    const holdUntil = performance.now() + stage.seconds * 1000;
    while (performance.now() < holdUntil && !this.stopping) await sleep(100);
    result.closeReasons = Object.fromEntries(this.counters.closeReasons);
    return result;
  }

  private async runStorm(seconds: number): Promise<StormResult> {
    const scrapeBefore = await this.scrapeAll();
    const cpuBefore = snapshot(this.options.serverPids);
    this.stormCycle = new Histogram();
    const startAttempts = this.stormCounts.attempts;
    const started = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = snapshot(this.options.serverPids);
    const scrapeAfter = await this.scrapeAll();
    this.stopping = true;
    // Refusals and errors, from the close reasons of connections that never got a frame.
    const refused: Record<string, number> = {};
    const errors: Record<string, number> = {};
    for (const [reason, count] of this.counters.closeReasons) {
      if (reason.startsWith('1010')) refused[reason.slice(5)] = count;
      else if (!reason.startsWith('1000') && !reason.startsWith('1005')) errors[reason] = count;
    }
    const attempts = this.stormCounts.attempts - startAttempts;
    return {
      seconds: round(elapsed)!,
      attempts,
      completed: this.stormCounts.completed,
      admitted: this.stormCounts.admitted,
      refused,
      errors,
      attemptsPerSec: Math.round(attempts / elapsed),
      admittedPerSec: Math.round(this.stormCounts.admitted / elapsed),
      cycleMs: this.stormCycle.summary(),
      cpu: cpuBetween(cpuBefore, cpuAfter, this.options.serverPids),
      scrape: this.scrapeDeltas(scrapeBefore, scrapeAfter, elapsed),
    };
  }

  /** Closes everyone (closing handshake), waits a little, then destroys what is left. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.wanted = 0;
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const bot of this.bots) bot.close();
    for (const bot of this.stormStartedAt.keys()) bot.close();
    const deadline = performance.now() + 3000;
    while (performance.now() < deadline && this.counters.closed < this.counters.connects) await sleep(50);
    for (const bot of this.bots) bot.connection?.destroy();
    for (const bot of this.stormStartedAt.keys()) bot.connection?.destroy();
    this.adminAgent.destroy();
  }

  stop(): void {
    this.stopping = true;
  }
}
