import type { Bot } from '../bot';
import type { IdleResult, ModeResult } from '../result';
import { round } from '../stats';
import { FleetMode, sleep, type SwarmContext } from './mode';

/**
 * idle: N connections up to the Kaetram handshake, then held. Prints `{"event":"ready",...}`
 * on stdout once all are up (the bench measures the server's memory then) and holds them
 * until the stage's seconds pass or a SIGTERM comes.
 */
export class IdleMode extends FleetMode {
  override readonly stopAtHandshake = true;
  private done = 0;

  constructor(ctx: SwarmContext) {
    super(ctx);
  }

  // The echo ceiling has no handshake: its bots count as done once joined.
  override onJoined(_bot: Bot): void {
    this.done += 1;
  }

  override onHandshaken(_bot: Bot): void {
    this.done += 1;
  }

  async run(): Promise<ModeResult> {
    const { ctx } = this;
    const stage = ctx.options.stages[0]!;
    const started = performance.now();
    this.wanted = stage.bots;
    const deadline = started + ctx.options.joinTimeoutSeconds * 1000;
    while (performance.now() < deadline && !ctx.stopping) {
      if (ctx.bots.length >= stage.bots && this.done + ctx.counters.closed >= stage.bots) break;
      await sleep(100);
    }
    const idle: IdleResult = {
      bots: stage.bots,
      opened: ctx.counters.opened,
      handshaken: this.done,
      failed: ctx.counters.closed,
      connectSeconds: round((performance.now() - started) / 1000)!,
      closeReasons: Object.fromEntries(ctx.counters.closeReasons),
    };
    // The scenario runner reads this line, measures the server, then stops us (SIGTERM) or waits.
    process.stdout.write(JSON.stringify({ event: 'ready', ...idle }) + '\n');
    const holdUntil = performance.now() + stage.seconds * 1000;
    while (performance.now() < holdUntil && !ctx.stopping) await sleep(100);
    idle.closeReasons = Object.fromEntries(ctx.counters.closeReasons);
    return { idle };
  }
}
