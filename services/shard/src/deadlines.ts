/**
 * Deadlines checked by the tick instead of a timer per player. Every deadline is "now +
 * the same delay", so they arrive in order: a FIFO is a priority queue here, and a tick
 * only touches the entries that expired. Entries are never removed early; the caller
 * checks on expiry whether the deadline still applies.
 */
export class DeadlineQueue<T> {
  private items: T[] = [];
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** `at` must not be earlier than the last one added (constant delays guarantee it). */
  add(item: T, at: number): void {
    this.items.push(item);
    this.times.push(at);
  }

  /** Removes and returns every entry due at `now`, oldest first. */
  expire(now: number): T[] {
    const due: T[] = [];
    while (this.head < this.items.length && this.times[this.head]! <= now) {
      due.push(this.items[this.head]!);
      this.head += 1;
    }
    // Compact now and then instead of shift(), which is O(n) per call.
    if (this.head === this.items.length) {
      this.items = [];
      this.times = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return due;
  }
}
