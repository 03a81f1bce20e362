import http from 'node:http';
import type { Bot } from '../bot';
import type { SwarmOptions } from '../options';

/**
 * Moves joined bots to where the swarm wants them: through the gateway's admin API
 * (`POST /admin/teleport`) or the socket.io peer's teleport event. At most `spreadRate` a
 * second and 8 requests in flight; a refused or failed request is tried again (3 times).
 */
export class Spreader {
  private queue: Array<{ bot: Bot; x: number; y: number; tries: number }> = [];
  private inFlight = 0;
  private budget = 0;
  private budgetAt = performance.now();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  constructor(private readonly options: Pick<SwarmOptions, 'adminUrl' | 'adminToken' | 'spreadRate' | 'spreadVia'>) {}

  /** Nothing queued and nothing in flight. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  teleport(bot: Bot, x: number, y: number): void {
    this.queue.push({ bot, x, y, tries: 0 });
    this.pump();
  }

  /**
   * Spread teleports go out at most `spreadRate` per second: each one sends the player the
   * Map of up to 9 regions, and too many in one tick make a batch too big for the bus.
   */
  pump(): void {
    const { adminUrl, adminToken, spreadRate } = this.options;
    const now = performance.now();
    this.budget = Math.min(Math.max(1, spreadRate / 20), this.budget + ((now - this.budgetAt) / 1000) * spreadRate);
    this.budgetAt = now;
    while (this.inFlight < 8 && this.queue.length > 0 && this.budget >= 1) {
      const job = this.queue.shift()!;
      if (job.bot.state !== 'joined') continue;
      this.budget -= 1;
      if (this.options.spreadVia === 'socketio') {
        job.bot.requestTeleport(job.x, job.y);
        continue;
      }
      if (!adminUrl) continue;
      this.inFlight += 1;
      const body = JSON.stringify({ instance: job.bot.instance, x: job.x, y: job.y });
      const req = http.request(
        `${adminUrl}/admin/teleport`,
        { method: 'POST', agent: this.agent, headers: { authorization: `Bearer ${adminToken ?? ''}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.inFlight -= 1;
            if (res.statusCode !== 202 && job.tries < 3) this.queue.push({ ...job, tries: job.tries + 1 });
            this.pump();
          });
        },
      );
      req.on('error', () => {
        this.inFlight -= 1;
        if (job.tries < 3) this.queue.push({ ...job, tries: job.tries + 1 });
        setTimeout(() => this.pump(), 100);
      });
      req.end(body);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
