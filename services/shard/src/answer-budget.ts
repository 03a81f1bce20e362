/**
 * What a player's own requests may make the shard send back. List (`[6,null]`, 8 bytes)
 * is answered with every instance in view, and each Who entry (about 15 bytes) with a Spawn
 * of about 250: answered freely, a client asking over and over at MESSAGE_LIMIT would make
 * the shard (and its gateway and the bus) send far more than it receives. So per player:
 *
 * - a List request is answered at most once a second (a repeat inside it is dropped);
 * - Who answers at most as many Spawns per second as there were players in view at the
 *   first Who of that second; within a Who each instance is answered once.
 *
 * A Kaetram client asks for a List when it enters and Whos what it lacks once: it never
 * meets either bound. Three numbers per player, no timers.
 */
export class AnswerBudget {
  private listAt = Number.NEGATIVE_INFINITY;
  private whoWindowStart = Number.NEGATIVE_INFINITY;
  private whoLeft = 0;

  /** True (and the second starts) when a List may be answered now. */
  takeList(now: number): boolean {
    if (now - this.listAt < WINDOW_MS) return false;
    this.listAt = now;
    return true;
  }

  /** Spawns a Who may still get this second; `inView` is asked once per second at most. */
  whoAllowance(now: number, inView: () => number): number {
    if (now - this.whoWindowStart >= WINDOW_MS) {
      this.whoWindowStart = now;
      this.whoLeft = inView();
    }
    return this.whoLeft;
  }

  /** Counts Spawns sent for a Who. */
  spendWho(spawns: number): void {
    this.whoLeft = Math.max(0, this.whoLeft - spawns);
  }
}

const WINDOW_MS = 1000;
