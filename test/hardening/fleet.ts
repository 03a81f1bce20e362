// The test-side handle on bot-fleet.js: starts it, collects its samples, cuts them into
// windows by the time each chat was sent, and always stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { summarize, type LatencySummary } from './helpers';

export interface FleetOptions {
  url: string;
  /** Source addresses `${prefix}.${first + i}`. */
  prefix: string;
  first?: number;
  count: number;
  /** Chats per second per bot. */
  hz?: number;
  /** `quotes`: each line carries 240 `"` (about 1.6 KB once HTML-escaped): heavy traffic. */
  pad?: 'none' | 'quotes';
  /** The fleet exits by itself after this long whatever happens. */
  maxSeconds?: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, the fleet's clock too. */
export const nowMs = () => performance.timeOrigin + performance.now();

export class Fleet {
  readonly samples: Array<{ at: number; ms: number; bot: number }> = [];
  readonly closes: Array<{ bot: number; code: number; reason: string }> = [];
  instances: string[] = [];
  private readonly errors: string[] = [];
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { type: string; [k: string]: unknown };
        if (msg.type === 'sample') this.samples.push({ at: msg.at as number, ms: msg.ms as number, bot: msg.bot as number });
        else if (msg.type === 'ready') this.instances = msg.instances as string[];
        else if (msg.type === 'closed') this.closes.push({ bot: msg.bot as number, code: msg.code as number, reason: msg.reason as string });
        else if (msg.type === 'error') this.errors.push(msg.message as string);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => this.errors.push(chunk.toString()));
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        this.exited = true;
        resolve();
      }),
    );
  }

  /** Starts the fleet and waits until every bot has joined. */
  static async start(options: FleetOptions): Promise<Fleet> {
    const child = spawn(process.execPath, [path.join(__dirname, 'bot-fleet.js'), JSON.stringify({ maxSeconds: 120, ...options })], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const fleet = new Fleet(child);
    const deadline = Date.now() + 30000;
    while (fleet.instances.length === 0) {
      if (fleet.errors.length > 0 || fleet.exited) {
        await fleet.stop();
        throw new Error(`bot fleet failed: ${fleet.errors.join('; ')}`);
      }
      if (Date.now() > deadline) {
        await fleet.stop();
        throw new Error('bot fleet did not join within 30 s');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return fleet;
  }

  get problems(): string[] {
    return this.errors;
  }

  /** Round trips of the chats sent in [from, to) by the given bots (all by default). */
  window(from: number, to: number, bots?: ReadonlySet<number>): LatencySummary {
    const values = this.samples.filter((s) => s.at >= from && s.at < to && (!bots || bots.has(s.bot))).map((s) => s.ms);
    return summarize(values);
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exit;
      clearTimeout(timer);
    }
  }
}
