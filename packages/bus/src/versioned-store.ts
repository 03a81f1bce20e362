/**
 * A small compare-and-set key-value store: what a value is, at which revision, and a change
 * feed. The contract every implementation keeps (test/versioned-store-contract.ts):
 *
 * - `get` returns the last value written and its revision (null when the key has none).
 * - Revisions only grow. `create` succeeds only when the key has no value; `update` only
 *   when the key is still at `revision`. A lost race returns false, never throws: the caller
 *   reads again and decides again. Both return the new revision on success.
 * - `watch` calls back with the current value first (null when none), then with every later
 *   value in revision order; a watcher may miss intermediate values but never sees an older
 *   revision after a newer one. It keeps watching across a reconnection of the store.
 * - Transient failures (no server) reject with the underlying error; nothing is half-written.
 */
export interface VersionedStore {
  get(key: string): Promise<Versioned | null>;
  create(key: string, value: Uint8Array): Promise<number | false>;
  update(key: string, value: Uint8Array, revision: number): Promise<number | false>;
  watch(key: string, listener: (entry: Versioned | null) => void): Promise<() => void>;
  close(): Promise<void>;
}

export interface Versioned {
  value: Uint8Array;
  revision: number;
}

/**
 * The embedded mode's store (and the contract's reference): a Map in this process.
 * Listeners are called asynchronously, like the networked one's.
 */
export class InProcessVersionedStore implements VersionedStore {
  private readonly values = new Map<string, Versioned>();
  private readonly listeners = new Map<string, Set<(entry: Versioned | null) => void>>();
  private revision = 0;

  async get(key: string): Promise<Versioned | null> {
    return this.values.get(key) ?? null;
  }

  async create(key: string, value: Uint8Array): Promise<number | false> {
    if (this.values.has(key)) return false;
    return this.put(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number | false> {
    if (this.values.get(key)?.revision !== revision) return false;
    return this.put(key, value);
  }

  async watch(key: string, listener: (entry: Versioned | null) => void): Promise<() => void> {
    let set = this.listeners.get(key);
    if (set === undefined) this.listeners.set(key, (set = new Set()));
    const current = this.values.get(key) ?? null;
    set.add(listener);
    queueMicrotask(() => {
      if (set.has(listener)) listener(current);
    });
    return () => set.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private put(key: string, value: Uint8Array): number {
    this.revision += 1;
    const entry = { value: value.slice(), revision: this.revision };
    this.values.set(key, entry);
    for (const listener of this.listeners.get(key) ?? []) setImmediate(() => listener(entry));
    return entry.revision;
  }
}
