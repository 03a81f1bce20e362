// Per-connection message rate limit. Pure: no timers, no I/O; one per connection.
import { parseNonNegative } from './options';

const WINDOW_MS = 1000;
/** Smallest ring kept: a connection that sends a frame now and then holds 4 numbers. */
const MIN_CAPACITY = 4;

/**
 * An exact sliding window: a message passes iff fewer than `limitPerSecond` messages passed
 * in the second before it (the span (now - 1000 ms, now]). So no one-second span, wherever
 * it starts, ever holds more than the limit; a fixed window let up to twice the limit through
 * where two windows met (599 frames in 42 ms at a limit of 300).
 *
 * Exactness needs the times of the messages passed in the last second: nothing smaller can
 * tell, at the next message, whether the oldest of them has left the window (a two-bucket
 * sliding counter estimates and lets more through; a token bucket of capacity L refilled at
 * L/s lets 2L through in a second). The times live in a ring that grows by doubling while
 * the connection sends faster, up to `limitPerSecond` entries, and halves when three
 * quarters of it are empty. Memory is therefore 8 bytes per message passed in the last
 * second (plus the array's ~32 bytes): about 64 bytes for a client sending a few frames a
 * second, 2.4 KiB for one sending 300 a second at MESSAGE_LIMIT=300, never more than
 * 8 × limit. Time per message is amortized O(1): each time is stored once, dropped once,
 * and a resize copies at most as many times as were added or dropped since the last one.
 *
 * Refused messages are not recorded (the gateway closes the connection on the first one).
 */
export class RateLimiter {
  private readonly limit: number;
  /** Ring of the times of passed messages, oldest at `head`; allocated on the first message. */
  private times: number[] | undefined;
  private head = 0;
  private size = 0;

  /** @param limitPerSecond messages allowed in any one-second span; 0 = off. */
  constructor(
    limitPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limit = parseNonNegative('limitPerSecond', limitPerSecond);
  }

  /** Counts one message; false when it would be one more than the limit within a second. */
  hit(): boolean {
    if (this.limit === 0) return true;
    const now = this.now();
    let times = this.times;
    if (times === undefined) times = this.times = new Array<number>(Math.min(MIN_CAPACITY, this.limit)).fill(0);
    // Drop the times that left the window (they are in arrival order, oldest first).
    while (this.size > 0 && now - times[this.head]! >= WINDOW_MS) {
      this.head = this.head + 1 === times.length ? 0 : this.head + 1;
      this.size -= 1;
    }
    if (this.size >= this.limit) return false;
    if (this.size === times.length) times = this.resize(Math.min(this.limit, times.length * 2));
    else if (this.size < times.length / 4 && times.length > MIN_CAPACITY) times = this.resize(Math.max(MIN_CAPACITY, times.length >> 1));
    const tail = this.head + this.size;
    times[tail < times.length ? tail : tail - times.length] = now;
    this.size += 1;
    return true;
  }

  /** Copies the ring into a new one of `capacity` entries, oldest first. */
  private resize(capacity: number): number[] {
    const old = this.times!;
    const next = new Array<number>(capacity).fill(0);
    for (let i = 0; i < this.size; i += 1) {
      const at = this.head + i;
      next[i] = old[at < old.length ? at : at - old.length]!;
    }
    this.times = next;
    this.head = 0;
    return next;
  }
}
