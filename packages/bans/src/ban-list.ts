// The whole ban list of one process, in memory: what admission checks first, with no round
// trip. Kept current by the store's change feed (Bans); expired entries stop matching at their
// expiry instant, whatever the sweep's timing.
import type { Address, Cidr } from './address';
import { BAN_KINDS, kindOf, parseBanTarget, type BanKind, type BanRecord } from './ban-record';
import { PrefixTable } from './prefix-table';

export interface BanEntry {
  readonly record: BanRecord;
  readonly cidr: Cidr;
  readonly kind: BanKind;
}

export type BanListener = (entry: BanEntry) => void;

export class BanList {
  private readonly table = new PrefixTable<BanEntry>();
  private readonly added: BanListener[] = [];
  /** Earliest expiry among the entries (Infinity when none expires). */
  private nextExpiry = Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.table.size;
  }

  /** Called for every ban that becomes active (put, or new in a reset): close its live connections. */
  onAdded(listener: BanListener): void {
    this.added.push(listener);
  }

  /** Replaces the whole list (a store's initial load or resync). Unparseable records are skipped and returned. */
  reset(records: Iterable<BanRecord>): BanRecord[] {
    const before = new Map<string, BanEntry>();
    for (const entry of this.table.values()) before.set(entry.record.target, entry);
    this.table.clear();
    this.nextExpiry = Infinity;
    const skipped: BanRecord[] = [];
    const fresh: BanEntry[] = [];
    for (const record of records) {
      const entry = this.insert(record);
      if (!entry) skipped.push(record);
      else if (!before.has(record.target)) fresh.push(entry);
    }
    for (const entry of fresh) this.announce(entry);
    return skipped;
  }

  /** Adds or replaces one ban; false when the record's target does not parse. */
  put(record: BanRecord): boolean {
    const entry = this.insert(record);
    if (entry) this.announce(entry);
    return entry !== undefined;
  }

  remove(target: string): boolean {
    let cidr: Cidr;
    try {
      cidr = parseBanTarget(target);
    } catch {
      return false;
    }
    return this.table.delete(cidr);
  }

  /** The ban that refuses this address (the broadest one in force), if any. */
  match(address: Address): BanEntry | undefined {
    const now = this.now();
    if (now < this.nextExpiry) return this.table.find(address);
    return this.table.find(address, (e) => !expired(e.record, now));
  }

  /** Every ban in force covering this address, broadest first. */
  matches(address: Address): BanEntry[] {
    const now = this.now();
    return this.table.findAll(address).filter((e) => !expired(e.record, now));
  }

  /** The entry for exactly this target (in force or not yet swept). */
  get(cidr: Cidr): BanEntry | undefined {
    return this.table.get(cidr);
  }

  /** Bans in force, sorted by target family then address then prefix. */
  list(): BanEntry[] {
    const now = this.now();
    return [...this.table.values()].filter((e) => !expired(e.record, now)).sort(compareEntries);
  }

  /** Bans in force per kind, every kind present (zero included), for the gauge. */
  counts(): Record<BanKind, number> {
    const now = this.now();
    const counts = Object.fromEntries(BAN_KINDS.map((k) => [k, 0])) as Record<BanKind, number>;
    for (const entry of this.table.values()) if (!expired(entry.record, now)) counts[entry.kind] += 1;
    return counts;
  }

  /** Drops entries past their expiry; returns them. Cheap when nothing is due. */
  sweep(): BanEntry[] {
    const now = this.now();
    if (now < this.nextExpiry) return [];
    const gone: BanEntry[] = [];
    let next = Infinity;
    for (const entry of [...this.table.values()]) {
      const at = entry.record.expiresAt;
      if (at === null) continue;
      if (at <= now) {
        this.table.delete(entry.cidr);
        gone.push(entry);
      } else if (at < next) {
        next = at;
      }
    }
    this.nextExpiry = next;
    return gone;
  }

  private insert(record: BanRecord): BanEntry | undefined {
    let cidr: Cidr;
    try {
      cidr = parseBanTarget(record.target);
    } catch {
      return undefined;
    }
    const entry: BanEntry = { record: { ...record, target: cidr.text }, cidr, kind: kindOf(cidr) };
    this.table.set(cidr, entry);
    if (record.expiresAt !== null && record.expiresAt < this.nextExpiry) this.nextExpiry = record.expiresAt;
    return entry;
  }

  private announce(entry: BanEntry): void {
    if (expired(entry.record, this.now())) return;
    for (const listener of this.added) {
      try {
        listener(entry);
      } catch {
        // A listener's failure must not stop the list from updating.
      }
    }
  }
}

const expired = (record: BanRecord, now: number): boolean => record.expiresAt !== null && record.expiresAt <= now;

function compareEntries(a: BanEntry, b: BanEntry): number {
  if (a.cidr.family !== b.cidr.family) return a.cidr.family - b.cidr.family;
  for (let i = 0; i < a.cidr.words.length; i++) {
    const d = a.cidr.words[i]! - b.cidr.words[i]!;
    if (d !== 0) return d;
  }
  return a.cidr.prefix - b.cidr.prefix;
}
