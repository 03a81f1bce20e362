import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Bot } from '../bot';
import type { Stage } from '../options';
import { cpuBetween, snapshot } from '../procstat';
import type { ModeResult, StageResult } from '../result';
import { scrapeAll, scrapeDeltas } from '../scrape';
import { Histogram, round } from '../stats';
import { FleetMode, countersNow, sleep, type SwarmContext } from './mode';
import { Spreader } from './spreader';

/** A chat line sent in a window and not heard back this long after the window is counted lost. */
const LOST_GRACE_MS = 1000;

/**
 * play: bots join, are spread over the map, then walk and chat; each stage adds bots and
 * measures a window. Chat is open loop (Poisson at --chat-rate) or closed loop (--chat-window
 * lines in flight, the next sent as one comes back).
 */
export class PlayMode extends FleetMode {
  /** Joined bots, in no particular order. */
  private readonly active: Bot[] = [];
  private readonly spreader: Spreader;
  private readonly lattice: Array<[number, number]> = [];
  /** Nobody walks or chats until the first stage's bots are all in place. */
  private acting = false;
  private stageHist: Histogram | null = null;

  constructor(ctx: SwarmContext) {
    super(ctx);
    const { spread, mapSize, margin } = ctx.options;
    this.spreader = new Spreader(ctx.options);
    if (spread.kind === 'lattice') {
      const s = spread.spacing;
      for (let y = Math.floor(s / 2); y < mapSize - margin; y += s) {
        for (let x = Math.floor(s / 2); x < mapSize - margin; x += s) this.lattice.push([x, y]);
      }
    }
  }

  override rtt(ms: number): void {
    this.stageHist?.record(ms);
  }

  override onJoined(bot: Bot): void {
    this.active.push(bot);
    this.schedule(bot, performance.now());
    const spot = this.spreadTarget(bot);
    if (spot === null) {
      bot.placed = true;
      return;
    }
    bot.placed = false;
    bot.target = { x: spot[0], y: spot[1] };
    this.spreader.teleport(bot, spot[0], spot[1]);
  }

  override onChatBack(bot: Bot): void {
    if (this.ctx.options.chatWindow <= 0 || this.ctx.stopping || !bot.placed || !this.acting) return;
    this.chatClosedLoop(bot, performance.now());
  }

  override onClosed(bot: Bot): void {
    const i = this.active.indexOf(bot);
    if (i >= 0) {
      this.active[i] = this.active[this.active.length - 1]!;
      this.active.pop();
    }
  }

  override dispose(): void {
    super.dispose();
    this.spreader.close();
  }

  async run(): Promise<ModeResult> {
    const { ctx } = this;
    ctx.every(10, () => this.act());
    ctx.every(3000, () => this.retryPlacements());
    ctx.every(10, () => this.spreader.pump());
    const stages: StageResult[] = [];
    for (const stage of ctx.options.stages) {
      if (ctx.stopping) break;
      await this.ensureBots(stage.bots);
      if (!this.acting) {
        this.acting = true;
        const now = performance.now();
        for (const bot of this.active) this.schedule(bot, now);
      }
      await sleep(ctx.options.settleSeconds * 1000);
      stages.push(await this.measure(stage));
    }
    return { stages };
  }

  /** When the bot's next step and next chat line are due. */
  private schedule(bot: Bot, now: number): void {
    const { moveRate } = this.ctx.options;
    bot.nextMoveAt = now + this.ctx.random() * (moveRate > 0 ? 1000 / moveRate : 0);
    bot.nextChatAt = now + this.nextChatGap();
  }

  private spreadTarget(bot: Bot): [number, number] | null {
    const { spread, mapSize, margin } = this.ctx.options;
    if (spread.kind === 'none') return null;
    if (spread.kind === 'lattice') return this.lattice[bot.id % this.lattice.length]!;
    const span = mapSize - 2 * margin;
    return [margin + Math.floor(this.ctx.random() * span), margin + Math.floor(this.ctx.random() * span)];
  }

  private nextChatGap(): number {
    const rate = this.ctx.options.chatRate;
    if (this.ctx.options.chatWindow > 0 || rate <= 0) return 0;
    return (-Math.log(1 - this.ctx.random()) / rate) * 1000;
  }

  /** A spread teleport lost on the way: ask again. */
  private retryPlacements(): void {
    if (this.ctx.options.spread.kind === 'none' || !this.spreader.idle) return;
    for (const bot of this.active) {
      if (bot.placed || !bot.target) continue;
      this.spreader.teleport(bot, bot.target.x, bot.target.y);
    }
  }

  /** Closed loop: lines up to the window, no faster than --chat-max-rate. */
  private chatClosedLoop(bot: Bot, now: number): void {
    const { chatWindow, chatMaxRate } = this.ctx.options;
    const minGap = chatMaxRate > 0 ? 1000 / chatMaxRate : 0;
    while (bot.outstanding.size < chatWindow && now >= bot.nextChatAt) {
      bot.chat(now);
      bot.nextChatAt = minGap > 0 ? Math.max(now, bot.nextChatAt + minGap) : now;
      if (minGap > 0 && bot.nextChatAt > now) break;
    }
  }

  /** Every 10 ms: whoever is due walks a step or chats. */
  private act(): void {
    // A ramp that overlaps full traffic measures neither, and delays the shard's ticks.
    if (!this.acting) return;
    const now = performance.now();
    const { moveRate, mapSize, margin, chatWindow, chatTimeoutMs } = this.ctx.options;
    const closedLoop = chatWindow > 0;
    const chatting = closedLoop || this.ctx.options.chatRate > 0;
    for (let i = 0; i < this.active.length; i++) {
      const bot = this.active[i]!;
      // Not yet where the spread wants it (retryPlacements asks again).
      if (!bot.placed) continue;
      if (moveRate > 0 && now >= bot.nextMoveAt) bot.walk(now, moveRate, mapSize, margin, this.ctx.random);
      if (!chatting) continue;
      if (bot.outstanding.size > 0) bot.expireChats(now, chatTimeoutMs);
      if (closedLoop) this.chatClosedLoop(bot, now);
      else if (now >= bot.nextChatAt) {
        // Poisson arrivals at the set rate: every line that fell due since the last turn goes now.
        if (bot.nextChatAt < now - 1000) bot.nextChatAt = now;
        while (now >= bot.nextChatAt) {
          bot.chat(now);
          bot.nextChatAt += this.nextChatGap();
        }
      }
    }
  }

  /** Connects until `bots` exist and are joined and placed (or the join timeout passes). */
  private async ensureBots(bots: number): Promise<void> {
    const { ctx } = this;
    this.wanted = Math.max(this.wanted, bots);
    const deadline = performance.now() + ctx.options.joinTimeoutSeconds * 1000;
    while (performance.now() < deadline && !ctx.stopping) {
      if (ctx.bots.length >= this.wanted && ctx.connecting === 0) {
        const waiting = ctx.bots.some((b) => b.state !== 'closed' && !(b.state === 'joined' && b.placed));
        if (!waiting) break;
      }
      await sleep(100);
    }
  }

  private async measure(stage: Stage): Promise<StageResult> {
    const { ctx } = this;
    const { counters, options } = ctx;
    const joinedAtStart = counters.joined;
    const before = countersNow(counters);
    const scrapeBefore = await scrapeAll(options.scrape);
    const cpuBefore = snapshot(options.serverPids);
    const hist = (this.stageHist = new Histogram());
    const timelineFrom = ctx.timeline.length;
    const startedAt = performance.now();
    ctx.setWindow(startedAt, Infinity);
    counters.windowSent = 0;
    counters.windowRecv = 0;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    await sleep(stage.seconds * 1000);
    loopDelay.disable();
    const windowEnd = performance.now();
    ctx.setWindow(startedAt, windowEnd);
    const cpuAfter = snapshot(options.serverPids);
    const seconds = (windowEnd - startedAt) / 1000;
    const after = countersNow(counters);
    const scrapeAfter = await scrapeAll(options.scrape);
    this.stageHist = null;
    // Lines sent in the window get a grace period to come back; those that do not are lost.
    await sleep(LOST_GRACE_MS);
    const lost = counters.windowSent - counters.windowRecv;
    ctx.setWindow(Infinity, Infinity);
    const d = (k: keyof typeof before) => after[k] - before[k];
    return {
      bots: stage.bots,
      seconds: round(seconds)!,
      joinedAtStart,
      joinedAtEnd: counters.joined,
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
      cpu: cpuBetween(cpuBefore, cpuAfter, options.serverPids),
      // The histogram is in ns and measures whole intervals: the 1 ms resolution is taken off.
      generatorLoopDelayMs: { p99: round(Math.max(0, loopDelay.percentile(99) / 1e6 - 1))!, max: round(Math.max(0, loopDelay.max / 1e6 - 1))! },
      scrape: scrapeDeltas(scrapeBefore, scrapeAfter, seconds),
      timeline: ctx.timeline.slice(timelineFrom),
    };
  }
}
