// The synchronous admission bookkeeping of one process: MemoryGuard is this table behind the
// Promise API, and RedisGuard keeps one as its ledger (what this gateway holds) and as its
// fail-open fallback. Not exported from the package.
import type { Admission, GuardLimits } from './guard';

interface IpEntry {
  held: number;
  /** Clock reading of the last admitted connection. */
  lastAdmittedAt: number;
}

const ADMITTED: Admission = Object.freeze({ admitted: true });

export class LocalAdmissions {
  private readonly entries = new Map<string, IpEntry>();
  /** IPs holding nothing but still inside their interval -> when they may be forgotten. */
  private readonly idle = new Map<string, number>();
  /**
   * The same, as a queue in the order they went idle (ips and times side by side), so a sweep
   * stops at the first one not due: an idle IP is forgotten at most connectIntervalMs late, on
   * the next call. No timers. An IP admitted again leaves a stale entry here (its time no
   * longer matches `idle`), skipped when reached. A queue, not the Map: iterating a Map from
   * the front walks every slot deleted since its last rehash, and a connect storm deletes
   * thousands (7.5 % of a gateway's CPU in the storm profile, docs/benchmarks.md).
   */
  private idleIps: string[] = [];
  private idleAt: number[] = [];
  private idleHead = 0;
  private readonly banned = new Set<string>();

  constructor(
    private readonly limits: GuardLimits,
    private readonly now: () => number,
  ) {}

  admit(ip: string): Admission {
    const now = this.now();
    this.sweep(now);
    if (this.banned.has(ip)) return { admitted: false, reason: 'banned' };
    const entry = this.entries.get(ip);
    if (entry !== undefined && this.tooSoon(entry, now)) return { admitted: false, reason: 'toofast' };
    if (entry !== undefined && entry.held >= this.limits.maxConnectionsPerIp) {
      return { admitted: false, reason: 'toomany' };
    }
    this.count(ip, entry, now);
    return ADMITTED;
  }

  /** Counts an admission decided elsewhere (by the shared store): no checks. */
  record(ip: string): void {
    const now = this.now();
    this.sweep(now);
    this.count(ip, this.entries.get(ip), now);
  }

  /** Returns false when this IP held nothing (the release was not counted). */
  release(ip: string): boolean {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(ip);
    if (entry === undefined || entry.held === 0) return false;
    entry.held -= 1;
    if (entry.held === 0) {
      if (this.tooSoon(entry, now)) this.markIdle(ip, entry.lastAdmittedAt + this.limits.connectIntervalMs);
      else this.entries.delete(ip);
    }
    return true;
  }

  held(ip: string): number {
    return this.entries.get(ip)?.held ?? 0;
  }

  /** Every IP with at least one held connection, with its count. */
  *heldEntries(): IterableIterator<[string, number]> {
    for (const [ip, entry] of this.entries) if (entry.held > 0) yield [ip, entry.held];
  }

  get trackedIps(): number {
    return this.entries.size;
  }

  ban(ip: string): void {
    this.banned.add(ip);
  }

  unban(ip: string): void {
    this.banned.delete(ip);
  }

  isBanned(ip: string): boolean {
    return this.banned.has(ip);
  }

  bans(): string[] {
    return [...this.banned];
  }

  /** Replaces the local ban list with the store's (RedisGuard refreshes it on every renew). */
  replaceBans(ips: Iterable<string>): void {
    this.banned.clear();
    for (const ip of ips) this.banned.add(ip);
  }

  private tooSoon(entry: IpEntry, now: number): boolean {
    return this.limits.connectIntervalMs > 0 && now - entry.lastAdmittedAt < this.limits.connectIntervalMs;
  }

  private count(ip: string, entry: IpEntry | undefined, now: number): void {
    if (entry === undefined) {
      this.entries.set(ip, { held: 1, lastAdmittedAt: now });
      return;
    }
    entry.held += 1;
    entry.lastAdmittedAt = now;
    this.idle.delete(ip);
  }

  private markIdle(ip: string, forgetAt: number): void {
    this.idle.set(ip, forgetAt);
    this.idleIps.push(ip);
    this.idleAt.push(forgetAt);
  }

  private sweep(now: number): void {
    const ips = this.idleIps;
    const at = this.idleAt;
    let head = this.idleHead;
    while (head < ips.length && at[head]! <= now) {
      const ip = ips[head]!;
      // Only the IP's current idle mark counts: an older one was overtaken by an admission.
      if (this.idle.get(ip) === at[head]) {
        this.idle.delete(ip);
        if (this.entries.get(ip)?.held === 0) this.entries.delete(ip);
      }
      head += 1;
    }
    if (head === ips.length) {
      // Drained: start again at zero (the common case between bursts).
      if (head > 0) {
        this.idleIps = [];
        this.idleAt = [];
      }
      head = 0;
    } else if (head >= 1024 && head * 2 >= ips.length) {
      // Mostly consumed: drop the front once, so the arrays stay as long as what is pending.
      this.idleIps = ips.slice(head);
      this.idleAt = at.slice(head);
      head = 0;
    }
    this.idleHead = head;
  }
}
