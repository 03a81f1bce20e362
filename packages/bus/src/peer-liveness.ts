/** What one judgement decided: peers lost (and how long each was silent), or nobody judged, and why. */
export type Judgement =
  | { kind: 'judged'; lost: Array<{ peer: string; silentMs: number }> }
  /** This process's own bus is down: every peer looks silent, so silence proves nothing. */
  | { kind: 'unheard' }
  /**
   * This judgement came `gapMs` after the previous one, more than the stall bound: this
   * process was stalled (a long GC, a stopped process, no CPU), and what peers sent meanwhile
   * may sit unread in its socket. Every peer got a fresh timeout instead.
   */
  | { kind: 'stalled'; gapMs: number };

/**
 * When each peer on the bus (a shard for a gateway, a gateway for a shard) was last heard
 * from, and who is lost: a peer silent for longer than the timeout. A judgement is only made
 * when this process could have heard its peers: not while its bus is down, and not right
 * after its own event loop stalled (the worst answer to our own stall is to condemn every
 * live peer). Pure: the clock is passed in.
 */
export class PeerLiveness {
  private readonly lastSeen = new Map<string, number>();
  private lastJudgedAt: number | undefined;

  /**
   * @param timeoutMs silence longer than this loses a peer
   * @param stallMs judgements further apart than this mean this process was stalled; call
   *   judge() regularly, at well under this interval
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly stallMs: number,
  ) {}

  /**
   * Judgements start now (the process started its judging timer): a first judge() more than
   * the stall bound later is a stall too. Without it the first judgement is never one.
   */
  begin(now: number): void {
    this.lastJudgedAt = now;
  }

  /** Heard from the peer (a heartbeat): known from now on. */
  seen(peer: string, now: number): void {
    this.lastSeen.set(peer, now);
  }

  /** A sign of life that does not introduce a peer (a batch): only refreshes a known one. */
  touch(peer: string, now: number): void {
    if (this.lastSeen.has(peer)) this.lastSeen.set(peer, now);
  }

  /** Every known peer gets a full timeout from now (the bus came back: nobody could be heard). */
  refresh(now: number): void {
    for (const peer of this.lastSeen.keys()) this.lastSeen.set(peer, now);
  }

  forget(peer: string): void {
    this.lastSeen.delete(peer);
  }

  /** When the peer was last heard from, if it is known. */
  lastSeenAt(peer: string): number | undefined {
    return this.lastSeen.get(peer);
  }

  get size(): number {
    return this.lastSeen.size;
  }

  /** Forgets and reports the peers silent past the timeout, when a judgement can be made. */
  judge(now: number, busConnected: boolean): Judgement {
    const gapMs = this.lastJudgedAt === undefined ? 0 : now - this.lastJudgedAt;
    this.lastJudgedAt = now;
    if (!busConnected) return { kind: 'unheard' };
    if (gapMs > this.stallMs) {
      this.refresh(now);
      return { kind: 'stalled', gapMs };
    }
    const lost: Array<{ peer: string; silentMs: number }> = [];
    for (const [peer, at] of this.lastSeen) if (now - at > this.timeoutMs) lost.push({ peer, silentMs: now - at });
    for (const { peer } of lost) this.lastSeen.delete(peer);
    return { kind: 'judged', lost };
  }
}
