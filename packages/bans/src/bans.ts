// One process's bans: the durable store behind, the whole list in memory in front (BanList),
// kept current by the store's feed. Admission asks `check` (synchronous, no round trip); the
// admin API asks `ban`, `unban`, `lookup`, `list`, `audit`.
import { AddressError, parseAddress, type Address } from './address';
import { BanList, type BanEntry, type BanListener } from './ban-list';
import { MAX_REASON_LENGTH, kindOf, parseBanTarget, type BanKind, type BanRecord } from './ban-record';
import { parseDuration } from './duration';
import type { AuditPage, BanStore } from './store';

/** While the list was never loaded: `open` admits everyone, `closed` refuses with maintenance. */
export type BansFailureMode = 'open' | 'closed';

export type BanCheck = { verdict: 'clear' } | { verdict: 'banned'; entry: BanEntry } | { verdict: 'unavailable' };

export interface BansOptions {
  store: BanStore;
  failureMode: BansFailureMode;
  now?: () => number;
  /** Lapsed bans are dropped (and purged from the store) this often. Default 250 ms. */
  sweepMs?: number;
  /** The list changed (for the gauge): bans in force per kind. */
  onCounts?: (counts: Record<BanKind, number>) => void;
  /** The store became reachable (true) or not. */
  onStatus?: (connected: boolean) => void;
  /** A stored record that does not parse (a hand-edited file or bucket). */
  onSkipped?: (record: BanRecord) => void;
}

export interface BanRequest {
  /** An address or CIDR range, as typed. */
  target: string;
  /** A duration (`"24h"`, seconds); absent = until unbanned. */
  for?: unknown;
  reason?: unknown;
  /** The admin token's name. */
  by: string;
}

/** A request that cannot be a ban: the message names the problem (HTTP 400). */
export class BanRequestError extends Error {
  override name = 'BanRequestError';
}

const DEFAULT_SWEEP_MS = 250;

export class Bans {
  readonly list: BanList;
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;
  private countsPending = false;
  private readonly now: () => number;

  constructor(private readonly options: BansOptions) {
    this.now = options.now ?? Date.now;
    this.list = new BanList(this.now);
  }

  get store(): BanStore {
    return this.options.store;
  }

  /** True once the list was loaded at least once (it is then kept, whatever the store does). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  get connected(): boolean {
    return this.options.store.connected;
  }

  /** Close connections of every new ban (its own and other gateways'). */
  onAdded(listener: BanListener): void {
    this.list.onAdded(listener);
  }

  /**
   * Opens the store and loads the list. When the store cannot be read now, resolves anyway
   * (the failure mode decides admissions until the list arrives) and returns the error.
   */
  async start(): Promise<Error | undefined> {
    const { store } = this.options;
    this.timer = setInterval(() => this.sweep(), this.options.sweepMs ?? DEFAULT_SWEEP_MS);
    this.timer.unref();
    try {
      await store.open({
        reset: (records) => {
          for (const skipped of this.list.reset(records)) this.options.onSkipped?.(skipped);
          this.loaded = true;
          this.publishCounts();
        },
        put: (record) => {
          if (!this.list.put(record)) this.options.onSkipped?.(record);
          this.publishCounts();
        },
        remove: (target) => {
          this.list.remove(target);
          this.publishCounts();
        },
        status: (connected) => this.options.onStatus?.(connected),
      });
      return undefined;
    } catch (error) {
      this.options.onStatus?.(false);
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Admission's question, answered from memory. `ip` must be canonical (or parseable). */
  check(ip: string | Address): BanCheck {
    if (!this.loaded && this.options.failureMode === 'closed') return { verdict: 'unavailable' };
    let address: Address;
    try {
      address = typeof ip === 'string' ? parseAddress(ip) : ip;
    } catch {
      return { verdict: 'clear' };
    }
    const entry = this.list.match(address);
    return entry ? { verdict: 'banned', entry } : { verdict: 'clear' };
  }

  /** Validates and stores a ban; resolves with the record once durable (the list has it too). */
  async ban(request: BanRequest): Promise<BanRecord> {
    let cidr;
    try {
      cidr = parseBanTarget(request.target);
    } catch (error) {
      throw new BanRequestError(error instanceof AddressError ? error.message : String(error));
    }
    const at = this.now();
    let expiresAt: number | null = null;
    if (request.for !== undefined && request.for !== null) {
      try {
        expiresAt = at + parseDuration(request.for);
      } catch (error) {
        throw new BanRequestError((error as Error).message);
      }
    }
    if (request.reason !== undefined && typeof request.reason !== 'string') throw new BanRequestError('"reason" must be a string');
    const reason = (request.reason ?? '').trim();
    if (reason.length > MAX_REASON_LENGTH) throw new BanRequestError(`"reason" is at most ${MAX_REASON_LENGTH} characters`);
    const record: BanRecord = { target: cidr.text, reason, by: request.by, at, expiresAt };
    await this.options.store.ban(record);
    // Applied here at once, whatever the feed's timing (the feed brings it to the others).
    this.list.put(record);
    this.publishCounts();
    return record;
  }

  /** Lifts the ban on exactly this target; false when there was none. */
  async unban(target: string, by: string, reason = ''): Promise<{ target: string; removed: boolean }> {
    let cidr;
    try {
      cidr = parseBanTarget(target);
    } catch (error) {
      throw new BanRequestError(error instanceof AddressError ? error.message : String(error));
    }
    const removed = await this.options.store.unban(cidr.text, { by, at: this.now(), reason });
    if (removed) {
      this.list.remove(cidr.text);
      this.publishCounts();
    }
    return { target: cidr.text, removed };
  }

  /** Every ban in force covering this address, broadest first. */
  lookup(ip: string): { address: string; bans: BanRecord[] } {
    let address: Address;
    try {
      address = parseAddress(ip);
    } catch (error) {
      throw new BanRequestError((error as Error).message);
    }
    return { address: address.text, bans: this.list.matches(address).map((e) => e.record) };
  }

  /** One page of the bans in force, in address order. */
  page(offset: number, limit: number): { total: number; bans: BanRecord[] } {
    const all = this.list.list();
    return { total: all.length, bans: all.slice(offset, offset + limit).map((e) => e.record) };
  }

  audit(options: { limit: number; before?: number }): Promise<AuditPage> {
    return this.options.store.audit(options);
  }

  kindOf(target: string): BanKind | undefined {
    try {
      return kindOf(parseBanTarget(target));
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.options.store.close();
  }

  private sweep(): void {
    const gone = this.list.sweep();
    if (gone.length === 0) return;
    this.publishCounts();
    void this.options.store.purgeExpired?.(gone.map((e) => e.record)).catch(() => {});
  }

  /** Counting is O(bans): once per event-loop turn, however many changes the turn made. */
  private publishCounts(): void {
    if (this.countsPending || !this.options.onCounts) return;
    this.countsPending = true;
    setImmediate(() => {
      this.countsPending = false;
      this.options.onCounts?.(this.list.counts());
    });
  }
}
