// The distributed mode's ban store: a NATS JetStream key-value bucket (file storage, so a
// NATS restart keeps it; replicated when the NATS cluster is) holds one key per ban, and a
// JetStream stream beside it holds the audit trail. Every gateway watches the bucket: the
// watch delivers the whole list first, then each change as it happens, so a ban made on one
// gateway reaches every other in milliseconds. After a reconnect the watch starts over and
// the list is replaced whole (a resync), so changes made while a gateway was cut off arrive.
// Its own connection, apart from the bus's: the bans' status is not the bus's.
import {
  connect,
  Events,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  type KvEntry,
  type NatsConnection,
  type QueuedIterator,
} from 'nats';
import { isBanRecord, type AuditEntry, type BanRecord } from './ban-record';
import { BanStoreUnavailableError, BanStoreUnconfirmedError, type AuditPage, type BanFeed, type BanStore } from './store';

export interface JetStreamBanStoreOptions {
  servers: string[];
  /** Bucket name ([A-Za-z0-9_-]); the audit stream is `<bucket>_audit`. */
  bucket: string;
  /** How long a write may wait for JetStream's ack. Default 2000 ms. */
  timeoutMs?: number;
  /** How long open() waits for the first load before it rejects (it keeps trying). Default 3000 ms. */
  openTimeoutMs?: number;
  /** Copies of the bucket and the audit stream in a NATS cluster (1 to 5; used when they are created). Default 1. */
  replicas?: number;
  /** Audit entries kept (oldest dropped past it). Default 1 000 000. */
  auditMaxEntries?: number;
  /** Connection and watch problems, for the log. */
  onError?: (error: unknown, what: string) => void;
}

const BUCKET = /^[A-Za-z0-9_-]{1,200}$/;

/** KV keys allow `[-/_=.A-Za-z0-9]`: an IPv6 colon becomes `_`. Reversible, and the value carries the target anyway. */
export const keyOf = (target: string): string => target.replace(/:/g, '_');

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class JetStreamBanStore implements BanStore {
  readonly kind = 'jetstream' as const;
  readonly location: string;
  private readonly timeoutMs: number;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private kv: KV | undefined;
  private watcher: QueuedIterator<KvEntry> | undefined;
  private feed: BanFeed | undefined;
  /** True between a completed (re)load and the next disconnect. */
  private synced = false;
  private closed = false;
  /** Bumped on each (re)start of the watch, so a stale watch loop stops touching the feed. */
  private generation = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: JetStreamBanStoreOptions) {
    if (!BUCKET.test(options.bucket)) throw new Error(`ban bucket name must be [A-Za-z0-9_-], got ${JSON.stringify(options.bucket)}`);
    this.location = `JetStream KV bucket ${options.bucket}`;
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  get connected(): boolean {
    return this.synced && !this.closed;
  }

  /**
   * Deletes a bucket and its audit trail for good (test teardown, or an operator starting
   * over). Resolves false when NATS or JetStream could not be reached within `timeoutMs`.
   */
  static async destroy(servers: string[], bucket: string, timeoutMs = 2000): Promise<boolean> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers, name: 'shardgate-bans-destroy', timeout: timeoutMs, maxReconnectAttempts: 0 });
      const jsm = await nc.jetstreamManager({ timeout: timeoutMs });
      for (const stream of [`KV_${bucket}`, `${bucket}_audit`]) await jsm.streams.delete(stream).catch(() => false);
      return true;
    } catch {
      return false;
    } finally {
      await nc?.close().catch(() => {});
    }
  }

  private get auditStream(): string {
    return `${this.options.bucket}_audit`;
  }

  private get auditSubject(): string {
    return `${this.options.bucket}.audit`;
  }

  open(feed: BanFeed): Promise<void> {
    this.feed = feed;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new BanStoreUnavailableError(`${this.location}: not reachable within ${this.options.openTimeoutMs ?? 3000} ms (still trying)`));
      }, this.options.openTimeoutMs ?? 3000);
      timer.unref();
      this.firstLoad = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      };
      void this.connectLoop();
    });
  }

  private firstLoad: () => void = () => {};

  /**
   * Connects (retrying every second, in our own cancellable timer, as long as it takes), then
   * the client reconnects by itself forever, and starts the watch.
   */
  private async connectLoop(): Promise<void> {
    if (this.closed) return;
    try {
      this.nc = await connect({
        servers: this.options.servers,
        name: 'shardgate-bans',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: 2000,
        pingInterval: 5000,
        maxPingOut: 2,
      });
    } catch (error) {
      this.options.onError?.(error, 'connect');
      if (!this.closed) this.retry = setTimeout(() => void this.connectLoop(), 1000);
      return;
    }
    if (this.closed) {
      await this.nc.close();
      return;
    }
    const nc = this.nc;
    this.js = nc.jetstream({ timeout: this.timeoutMs });
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === Events.Disconnect) this.lost();
        if (status.type === Events.Reconnect) this.restartWatch(0);
      }
    })().catch(() => {});
    this.restartWatch(0);
  }

  private lost(): void {
    if (this.synced) {
      this.synced = false;
      this.feed?.status(false);
    }
  }

  /** Stops the current watch (if any) and starts a fresh full load after `delayMs`. */
  private restartWatch(delayMs: number): void {
    if (this.closed) return;
    const generation = ++this.generation;
    this.watcher?.stop();
    this.watcher = undefined;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.watch(generation).catch((error: unknown) => {
        if (generation !== this.generation || this.closed) return;
        this.options.onError?.(error, 'watch');
        this.lost();
        this.restartWatch(1000);
      });
    }, delayMs);
  }

  private async setup(): Promise<KV> {
    const js = this.js!;
    this.jsm ??= await this.nc!.jetstreamManager({ timeout: this.timeoutMs });
    // Idempotent: creates the bucket and the audit stream the first time, binds afterwards.
    this.kv ??= await js.views.kv(this.options.bucket, { history: 1, storage: StorageType.File, timeout: this.timeoutMs, replicas: this.options.replicas ?? 1 });
    try {
      await this.jsm.streams.info(this.auditStream);
    } catch {
      await this.jsm.streams.add({
        name: this.auditStream,
        subjects: [this.auditSubject],
        storage: StorageType.File,
        num_replicas: this.options.replicas ?? 1,
        max_msgs: this.options.auditMaxEntries ?? 1_000_000,
      });
    }
    return this.kv;
  }

  /** One watch: the whole list first (then a reset), then each change, until it ends or is replaced. */
  private async watch(generation: number): Promise<void> {
    const kv = await this.setup();
    const info = await this.jsm!.streams.info(`KV_${this.options.bucket}`);
    const lastSeq = info.state.messages === 0 ? 0 : info.state.last_seq;
    const initial = new Map<string, BanRecord>();
    let loaded = false;
    const finishLoad = () => {
      loaded = true;
      this.synced = true;
      this.feed?.reset([...initial.values()]);
      this.feed?.status(true);
      this.firstLoad();
    };
    const watcher = await kv.watch();
    if (generation !== this.generation) {
      watcher.stop();
      return;
    }
    this.watcher = watcher;
    if (lastSeq === 0) finishLoad();
    for await (const entry of watcher) {
      if (generation !== this.generation) return;
      const record = entry.operation === 'PUT' ? decodeRecord(entry.value) : undefined;
      if (!loaded) {
        if (record) initial.set(record.target, record);
        else initial.delete(entry.key.replace(/_/g, ':'));
        // The last message of the stream (as it was before the watch) is always some key's last value.
        if (entry.revision >= lastSeq || entry.delta === 0) finishLoad();
        continue;
      }
      if (record) this.feed?.put(record);
      else if (entry.operation !== 'PUT') this.feed?.remove(entry.key.replace(/_/g, ':'));
    }
    if (generation === this.generation && !this.closed) throw new Error('ban watch ended');
  }

  async ban(record: BanRecord): Promise<void> {
    const kv = this.writable();
    await this.write(() => kv.put(keyOf(record.target), encoder.encode(JSON.stringify(record))));
    await this.record({ action: 'ban', target: record.target, by: record.by, at: record.at, reason: record.reason, expiresAt: record.expiresAt });
  }

  async unban(target: string, audit: { by: string; at: number; reason: string }): Promise<boolean> {
    const kv = this.writable();
    const current = await this.write(() => kv.get(keyOf(target)));
    if (!current || current.operation !== 'PUT') return false;
    await this.write(() => kv.delete(keyOf(target)));
    await this.record({ action: 'unban', target, ...audit });
    return true;
  }

  async audit({ limit, before }: { limit: number; before?: number }): Promise<AuditPage> {
    this.writable();
    const jsm = this.jsm!;
    const info = await this.write(() => jsm.streams.info(this.auditStream));
    const first = info.state.first_seq;
    let seq = Math.min(info.state.last_seq, before === undefined ? Infinity : before - 1);
    const entries: AuditEntry[] = [];
    while (seq >= first && seq > 0 && entries.length < limit) {
      try {
        const message = await jsm.streams.getMessage(this.auditStream, { seq });
        const value = JSON.parse(decoder.decode(message.data)) as Omit<AuditEntry, 'seq'>;
        entries.push({ seq, ...value });
      } catch {
        // A deleted or unreadable entry: skip it.
      }
      seq -= 1;
    }
    return seq >= first && seq > 0 ? { entries, next: seq + 1 } : { entries };
  }

  /** Deletes lapsed bans, each only if unchanged since (another gateway may have renewed it). */
  async purgeExpired(records: BanRecord[]): Promise<void> {
    const kv = this.kv;
    if (!kv || !this.connected) return;
    for (const record of records) {
      try {
        const current = await kv.get(keyOf(record.target));
        const stored = current?.operation === 'PUT' ? decodeRecord(current.value) : undefined;
        if (current && stored && stored.expiresAt !== null && stored.expiresAt <= Date.now()) {
          await kv.delete(keyOf(record.target), { previousSeq: current.revision });
        }
      } catch {
        // Another gateway purged or renewed it first.
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation += 1;
    clearTimeout(this.retry);
    this.watcher?.stop();
    this.synced = false;
    const nc = this.nc;
    this.nc = undefined;
    if (nc) await nc.close().catch(() => {});
  }

  /** The bucket, or BanStoreUnavailableError (nothing sent) while the store is not reachable. */
  private writable(): KV {
    if (!this.kv || !this.synced || !this.nc || this.nc.isClosed()) {
      throw new BanStoreUnavailableError(`${this.location} is not reachable`);
    }
    return this.kv;
  }

  /** A write whose failure after sending may or may not have landed: said so. */
  private async write<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/timeout/i.test(message)) throw new BanStoreUnconfirmedError(`${this.location}: no acknowledgement within ${this.timeoutMs} ms (${message})`);
      throw new BanStoreUnavailableError(`${this.location}: ${message}`);
    }
  }

  /** Appends to the audit stream; retried, since the ban itself is already in force. */
  private async record(entry: Omit<AuditEntry, 'seq'>): Promise<void> {
    const js = this.js!;
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await js.publish(this.auditSubject, encoder.encode(JSON.stringify(entry)), { timeout: this.timeoutMs });
        return;
      } catch (error) {
        last = error;
      }
    }
    this.options.onError?.(last, 'audit');
    throw new BanStoreUnconfirmedError(`the change is in force but its audit entry was not stored: ${last instanceof Error ? last.message : String(last)}`);
  }
}

function decodeRecord(value: Uint8Array): BanRecord | undefined {
  try {
    const record: unknown = JSON.parse(decoder.decode(value));
    return isBanRecord(record) ? record : undefined;
  } catch {
    return undefined;
  }
}
