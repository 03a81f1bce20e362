// The embedded mode's ban store: one append-only journal, `<DATA_DIR>/bans.log`. Each line is
// one ban or unban (which makes the journal the audit trail too), prefixed with the CRC-32 of
// its JSON: `<crc32 hex> <json>\n`. Lines are only ever appended and fsynced before the call
// resolves, so a crash in the middle of a write can only leave a torn LAST line, which the next
// load drops (and cuts off the file) while every earlier line, every acknowledged ban, stays.
// Concurrent calls share one write + fsync (group commit): a burst of 1 000 bans is not 1 000
// fsyncs in a row.
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { isBanRecord, type AuditEntry, type BanRecord } from './ban-record';
import { BanStoreUnavailableError, type AuditPage, type BanFeed, type BanStore } from './store';

export const BANS_FILE = 'bans.log';

type Event = Omit<AuditEntry, 'seq'>;

export interface FileBanStoreOptions {
  /** DATA_DIR; created (with parents) on first use. */
  dir: string;
  /** Damaged lines found at load (a torn tail is cut off; other bad lines are skipped). */
  onDamage?: (detail: { line: number; problem: string; truncatedAt?: number }) => void;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export function encodeLine(event: Event): string {
  const json = JSON.stringify(event);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Parses the journal's text: the valid events, and where the valid part ends (bytes). */
export function decodeJournal(text: Buffer): { events: Event[]; goodBytes: number; damaged: Array<{ line: number; problem: string }> } {
  const events: Event[] = [];
  const damaged: Array<{ line: number; problem: string }> = [];
  let offset = 0;
  let goodBytes = 0;
  let lineNo = 0;
  while (offset < text.length) {
    const newline = text.indexOf(10, offset);
    lineNo += 1;
    if (newline < 0) {
      // No newline: the write of this line never finished. Everything before it is intact.
      damaged.push({ line: lineNo, problem: 'torn last line' });
      break;
    }
    const line = text.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    const event = decodeLine(line);
    if (typeof event === 'string') {
      damaged.push({ line: lineNo, problem: event });
      if (offset >= text.length) break; // a bad last line is a torn write: cut it off too
      goodBytes = offset;
      continue;
    }
    events.push(event);
    goodBytes = offset;
  }
  return { events, goodBytes, damaged };
}

function decodeLine(line: string): Event | string {
  const space = line.indexOf(' ');
  if (space !== 8) return 'no checksum';
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return 'checksum mismatch';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  const v = value as Record<string, unknown>;
  if ((v.action === 'ban' && isBanRecord(v)) || (v.action === 'unban' && typeof v.target === 'string' && typeof v.by === 'string' && typeof v.at === 'number')) {
    return { action: v.action, target: v.target as string, by: v.by as string, at: v.at as number, reason: typeof v.reason === 'string' ? v.reason : '', ...(v.action === 'ban' ? { expiresAt: v.expiresAt as number | null } : {}) };
  }
  return 'not a ban event';
}

export class FileBanStore implements BanStore {
  readonly kind = 'file' as const;
  readonly location: string;
  private readonly records = new Map<string, BanRecord>();
  private readonly trail: AuditEntry[] = [];
  private handle: fs.promises.FileHandle | undefined;
  private feed: BanFeed | undefined;
  private queue: Pending[] = [];
  private writing = false;
  private closed = false;
  private broken = false;

  constructor(private readonly options: FileBanStoreOptions) {
    this.location = path.resolve(options.dir, BANS_FILE);
  }

  get connected(): boolean {
    return this.handle !== undefined && !this.closed && !this.broken;
  }

  async open(feed: BanFeed): Promise<void> {
    this.feed = feed;
    await fs.promises.mkdir(this.options.dir, { recursive: true });
    let text: Buffer;
    try {
      text = await fs.promises.readFile(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = Buffer.alloc(0);
    }
    const { events, goodBytes, damaged } = decodeJournal(text);
    for (const damage of damaged) this.options.onDamage?.({ ...damage, ...(goodBytes < text.length ? { truncatedAt: goodBytes } : {}) });
    if (goodBytes < text.length) await fs.promises.truncate(this.location, goodBytes);
    for (const event of events) this.apply(event);
    const created = text.length === 0;
    this.handle = await fs.promises.open(this.location, 'a');
    if (created) await syncDir(this.options.dir);
    feed.reset([...this.records.values()]);
    feed.status(true);
  }

  async ban(record: BanRecord): Promise<void> {
    const event: Event = { action: 'ban', target: record.target, by: record.by, at: record.at, reason: record.reason, expiresAt: record.expiresAt };
    await this.append(event);
    this.feed?.put(record);
  }

  async unban(target: string, audit: { by: string; at: number; reason: string }): Promise<boolean> {
    if (!this.records.has(target)) return false;
    const event: Event = { action: 'unban', target, ...audit };
    await this.append(event);
    this.feed?.remove(target);
    return true;
  }

  async audit({ limit, before }: { limit: number; before?: number }): Promise<AuditPage> {
    const end = before === undefined ? this.trail.length : Math.max(0, Math.min(this.trail.length, before - 1));
    const start = Math.max(0, end - limit);
    const entries = this.trail.slice(start, end).reverse();
    return start > 0 ? { entries, next: start + 1 } : { entries };
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.handle?.close();
    this.handle = undefined;
  }

  private apply(event: Event): void {
    this.trail.push({ seq: this.trail.length + 1, ...event });
    if (event.action === 'ban') {
      this.records.set(event.target, { target: event.target, reason: event.reason, by: event.by, at: event.at, expiresAt: event.expiresAt ?? null });
    } else {
      this.records.delete(event.target);
    }
  }

  /**
   * Queues the line and applies the event to the in-memory view at once, in file order (so an
   * unban right after a ban sees it); resolves when durable. A failed write leaves the file
   * and the view apart: the store then refuses every change until the process restarts and
   * reloads the file (a partial line in the middle would also swallow the next one).
   */
  private append(event: Event): Promise<void> {
    if (this.closed) return Promise.reject(new BanStoreUnavailableError('ban store is closed'));
    if (!this.handle) return Promise.reject(new BanStoreUnavailableError(`${this.location} could not be opened (see the start-up log)`));
    if (this.broken) return Promise.reject(new BanStoreUnavailableError(`${this.location} failed a write; restart the process to reload it`));
    this.apply(event);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: encodeLine(event), resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  /** Writes everything queued as one append + fsync, until the queue stays empty. */
  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0 && this.handle) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.handle.appendFile(batch.map((p) => p.line).join(''));
        await this.handle.sync();
        for (const p of batch) p.resolve();
      } catch (error) {
        this.broken = true;
        this.feed?.status(false);
        const failure = new BanStoreUnavailableError(`could not write ${this.location}: ${(error as Error).message}`);
        for (const p of batch) p.reject(failure);
      }
    }
    for (const p of this.queue.splice(0)) p.reject(new BanStoreUnavailableError('ban store is closed'));
    this.writing = false;
  }
}

/** fsync of the directory, so a new file's entry survives a crash too (not supported everywhere: best effort). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file's own fsync still holds its data.
  }
}
