import { performance } from 'node:perf_hooks';

export interface TickLoopOptions {
  intervalMs: number;
  tick: () => void;
  /** Duration of each tick in seconds (the histogram). */
  observe: (seconds: number) => void;
  /**
   * How late the tick started against its schedule, in seconds. Every packet queued waits for
   * the tick, so this adds straight to players' round trips; it grows when the event loop is
   * busy (inbound batches) or the process waits for a CPU.
   */
  lag?: (seconds: number) => void;
  /** A tick longer than the interval. */
  overrun: () => void;
  /** A tick that threw; the loop goes on. */
  onError: (err: unknown) => void;
}

/**
 * Runs `tick` every `intervalMs` on a fixed schedule (start + n * interval), so that the
 * flush rate does not drift with the tick's own duration. A loop that falls behind does
 * not burst to catch up: it resumes from now, and the overrun counter says it happened.
 */
export class TickLoop {
  private timer: NodeJS.Timeout | null = null;
  private next = 0;

  constructor(private readonly options: TickLoopOptions) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer !== null) return;
    this.next = performance.now() + this.options.intervalMs;
    this.timer = setTimeout(this.run, this.options.intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly run = (): void => {
    const { intervalMs, tick, observe, lag, overrun, onError } = this.options;
    const started = performance.now();
    lag?.(Math.max(0, started - this.next) / 1000);
    try {
      tick();
    } catch (err) {
      onError(err);
    }
    const took = performance.now() - started;
    observe(took / 1000);
    if (took > intervalMs) overrun();
    if (this.timer === null) return; // stopped from inside the tick
    const now = performance.now();
    this.next += intervalMs;
    if (this.next < now) this.next = now;
    this.timer = setTimeout(this.run, this.next - now);
  };
}
