// Per-connection duplicate filter. Pure: no timers, no I/O; one per connection.
import { parseNonNegative } from './options';

/**
 * Drops a message identical to the one just before it when it arrives less than windowMs
 * after it (a client resending on a double click or a stuck key).
 *
 * The last message and its time are updated on EVERY message, duplicate or not. Kaetram's
 * filter compared against fields it never updated, so it never filtered anything. A
 * consequence worth knowing: identical messages spaced closer than windowMs are all dropped
 * after the first, however long the run lasts.
 */
export class DuplicateFilter {
  private readonly windowMs: number;
  private last: string | undefined;
  private lastAt = 0;

  /** @param windowMs 0 = off (nothing is a duplicate). */
  constructor(
    windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowMs = parseNonNegative('windowMs', windowMs);
  }

  isDuplicate(message: string): boolean {
    if (this.windowMs === 0) return false;
    const now = this.now();
    const duplicate = message === this.last && now - this.lastAt < this.windowMs;
    this.last = message;
    this.lastAt = now;
    return duplicate;
  }
}
