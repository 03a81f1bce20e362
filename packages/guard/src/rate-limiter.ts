// Per-connection message rate limit. Pure: no timers, no I/O; one per connection.
import { parseNonNegative } from './options';

const WINDOW_MS = 1000;

/**
 * Fixed one-second windows, each starting at the first message after the previous window
 * ended (not aligned to the wall clock). Within a window the first `limitPerSecond` messages
 * pass and the rest are refused. A fixed window lets a burst of up to 2 * limit straddle a
 * window edge; that is acceptable for flood protection and keeps this to two numbers.
 */
export class RateLimiter {
  private readonly limit: number;
  private windowStart = 0;
  private count = 0;
  private started = false;

  /** @param limitPerSecond messages allowed per window; 0 = off. */
  constructor(
    limitPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limit = parseNonNegative('limitPerSecond', limitPerSecond);
  }

  /** Counts one message; false when it exceeds the limit of the current window. */
  hit(): boolean {
    if (this.limit === 0) return true;
    const now = this.now();
    if (!this.started || now - this.windowStart >= WINDOW_MS) {
      this.started = true;
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.limit;
  }
}
