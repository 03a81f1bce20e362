import type { AuditEntry, BanRecord } from './ban-record';

/** What a store tells the process's ban list. */
export interface BanFeed {
  /** The whole list (first load, and every resync after the store came back). */
  reset(records: BanRecord[]): void;
  put(record: BanRecord): void;
  remove(target: string): void;
  /** The store is reachable (true) or not; a reset follows every return. */
  status(connected: boolean): void;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; absent at the start of the trail. */
  next?: number;
}

/**
 * The durable source of truth for bans and their audit trail. `ban` and `unban` resolve once
 * the change is durable (a file fsynced, a JetStream ack) and reject with
 * BanStoreUnavailableError when it is not (nothing was applied) or BanStoreUnconfirmedError
 * (sent, but not confirmed: it may still land).
 */
export interface BanStore {
  readonly kind: 'file' | 'jetstream';
  /** Where the bans live, for logs and /admin/bans (a path or a bucket name). */
  readonly location: string;
  /** Starts feeding `feed`; resolves after the first load, rejects when the store cannot be read now (it keeps trying). */
  open(feed: BanFeed): Promise<void>;
  readonly connected: boolean;
  ban(record: BanRecord): Promise<void>;
  /** False when there was no such ban (nothing recorded). */
  unban(target: string, audit: { by: string; at: number; reason: string }): Promise<boolean>;
  audit(options: { limit: number; before?: number }): Promise<AuditPage>;
  /** Removes bans that have lapsed from the store (one process does it; others' attempts are no-ops). */
  purgeExpired?(targets: BanRecord[]): Promise<void>;
  close(): Promise<void>;
}

export class BanStoreUnavailableError extends Error {
  override name = 'BanStoreUnavailableError';
}

export class BanStoreUnconfirmedError extends Error {
  override name = 'BanStoreUnconfirmedError';
}
