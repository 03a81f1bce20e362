import type { Bot } from '../bot';
import { cpuBetween, snapshot } from '../procstat';
import type { ModeResult, StormResult } from '../result';
import { scrapeAll, scrapeDeltas } from '../scrape';
import { Histogram, round } from '../stats';
import { compact, sleep, type SwarmContext, type SwarmMode } from './mode';

/**
 * storm: connect, wait for the first server frame (admitted) or a close (refused), close,
 * and again from the next source address, --concurrency connections in flight. Each address
 * is used once per --connect-interval, so the server's per-IP limits stay on.
 */
export class StormMode implements SwarmMode {
  readonly stopAtHandshake = false;
  /** One connection per address at a time: every attempt is a fresh admission. */
  readonly perSource = 1;
  private readonly inFlight = new Map<Bot, number>();
  private cycle: Histogram | null = null;
  private attempts = 0;
  private completed = 0;
  private admitted = 0;

  constructor(private readonly ctx: SwarmContext) {}

  wantsConnection(): boolean {
    return !this.ctx.stopping && this.inFlight.size < this.ctx.options.concurrency;
  }

  connect(): boolean {
    const now = performance.now();
    const bot = this.ctx.launch(this.attempts);
    if (bot === null) return false;
    this.attempts += 1;
    this.inFlight.set(bot, now);
    return true;
  }

  /** Admitted: the first server frame came (Kaetram's [[0,null]] / Engine.IO open / an echo). */
  onFirstMessage(bot: Bot): void {
    this.admitted += 1;
    bot.close();
  }

  onClosed(bot: Bot): void {
    const started = this.inFlight.get(bot);
    this.inFlight.delete(bot);
    if (started === undefined) return;
    this.completed += 1;
    this.cycle?.record(performance.now() - started);
  }

  rtt(_ms: number): void {}
  onJoined(_bot: Bot): void {}
  onHandshaken(_bot: Bot): void {}
  onChatBack(_bot: Bot): void {}
  dispose(): void {}

  progress(): string {
    return ` | storm ${compact(this.attempts)} tries, ${compact(this.admitted)} admitted, ${this.inFlight.size} in flight`;
  }

  async run(): Promise<ModeResult> {
    const { ctx } = this;
    const seconds = ctx.options.stages[0]!.seconds;
    const scrapeBefore = await scrapeAll(ctx.options.scrape);
    const cpuBefore = snapshot(ctx.options.serverPids);
    const cycle = (this.cycle = new Histogram());
    const startAttempts = this.attempts;
    const started = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = snapshot(ctx.options.serverPids);
    const scrapeAfter = await scrapeAll(ctx.options.scrape);
    ctx.stop();
    // Refusals and errors, from the close reasons of connections that never got a frame.
    const refused: Record<string, number> = {};
    const errors: Record<string, number> = {};
    for (const [reason, count] of ctx.counters.closeReasons) {
      if (reason.startsWith('1010')) refused[reason.slice(5)] = count;
      else if (!reason.startsWith('1000') && !reason.startsWith('1005')) errors[reason] = count;
    }
    const attempts = this.attempts - startAttempts;
    const storm: StormResult = {
      seconds: round(elapsed)!,
      attempts,
      completed: this.completed,
      admitted: this.admitted,
      refused,
      errors,
      attemptsPerSec: Math.round(attempts / elapsed),
      admittedPerSec: Math.round(this.admitted / elapsed),
      cycleMs: cycle.summary(),
      cpu: cpuBetween(cpuBefore, cpuAfter, ctx.options.serverPids),
      scrape: scrapeDeltas(scrapeBefore, scrapeAfter, elapsed),
    };
    return { storm };
  }
}
