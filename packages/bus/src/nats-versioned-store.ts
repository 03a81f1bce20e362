import { connect, type KV, type KvEntry, type NatsConnection } from 'nats';
import type { Versioned, VersionedStore } from './versioned-store';

// JetStream's answer when create() finds a value or update() a newer revision.
const CONFLICT = /wrong last sequence|key exists/i;

/**
 * VersionedStore on a NATS JetStream key-value bucket (created on first use, one value kept
 * per key). Revisions are the stream's sequence numbers; create/update are JetStream's own
 * compare-and-set. The bucket lives with the NATS server (file storage, replicated in a
 * cluster when `replicas` > 1), so it outlasts every shardgate process.
 */
export class NatsVersionedStore implements VersionedStore {
  private constructor(
    private readonly kv: KV,
    private readonly owned: NatsConnection | null,
  ) {}

  /** On a connection opened elsewhere (the caller closes it). */
  static async open(nc: NatsConnection, bucket: string, replicas = 1): Promise<NatsVersionedStore> {
    const kv = await nc.jetstream().views.kv(bucket, { history: 1, replicas });
    return new NatsVersionedStore(kv, null);
  }

  /** On a connection of its own (reconnecting forever), closed by close(). */
  static async connect(servers: string[], bucket: string, name: string, replicas = 1): Promise<NatsVersionedStore> {
    const nc = await connect({ servers, name, maxReconnectAttempts: -1, waitOnFirstConnect: true });
    try {
      const kv = await nc.jetstream().views.kv(bucket, { history: 1, replicas });
      return new NatsVersionedStore(kv, nc);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  async get(key: string): Promise<Versioned | null> {
    return toVersioned(await this.kv.get(key));
  }

  async create(key: string, value: Uint8Array): Promise<number | false> {
    try {
      return await this.kv.create(key, value);
    } catch (err) {
      if (CONFLICT.test(String((err as Error).message))) return false;
      throw err;
    }
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number | false> {
    try {
      return await this.kv.update(key, value, revision);
    } catch (err) {
      if (CONFLICT.test(String((err as Error).message))) return false;
      throw err;
    }
  }

  async watch(key: string, listener: (entry: Versioned | null) => void): Promise<() => void> {
    // The current value first (null included), then the watch: it starts with the latest
    // value, so a change made between the two is not lost, and revisions seen are skipped.
    const current = await this.get(key);
    let last = current?.revision ?? 0;
    listener(current);
    const iterator = await this.kv.watch({ key });
    void (async () => {
      for await (const entry of iterator) {
        if (entry.revision <= last) continue;
        last = entry.revision;
        listener(toVersioned(entry));
      }
    })();
    return () => iterator.stop();
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  /** Deletes a bucket if it exists (a test deployment's, on a shared NATS); false when NATS did not answer. */
  static async destroyBucket(servers: string[], bucket: string, timeoutMs = 2000): Promise<boolean> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers, name: 'shardgate-kv-destroy', timeout: timeoutMs, maxReconnectAttempts: 0 });
      const jsm = await nc.jetstreamManager({ timeout: timeoutMs });
      await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
      return true;
    } catch {
      return false;
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }

  /** Deletes the bucket and everything in it (tests), then closes. */
  async destroy(): Promise<void> {
    await this.kv.destroy();
    await this.close();
  }
}

function toVersioned(entry: KvEntry | null): Versioned | null {
  if (entry === null || entry.operation !== 'PUT') return null;
  return { value: entry.value, revision: entry.revision };
}
