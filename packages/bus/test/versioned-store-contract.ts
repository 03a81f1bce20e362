// The behaviour every VersionedStore keeps, run against the in-process one and JetStream KV.
import { randomBytes } from 'node:crypto';
import type { Versioned, VersionedStore } from '../src/index';
import { waitFor } from './wait';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (v: Versioned | null) => (v === null ? null : new TextDecoder().decode(v.value));

export function describeVersionedStoreContract(name: string, open: () => Promise<VersionedStore>, close: () => Promise<void> = async () => undefined): void {
  describe(`${name} versioned store contract`, () => {
    let store: VersionedStore;
    let key: string;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
      await close();
    });
    beforeEach(() => {
      key = `k${randomBytes(5).toString('hex')}`;
    });

    it('versioned store - an unwritten key has no value; create writes once', async () => {
      expect(await store.get(key)).toBeNull();
      const revision = await store.create(key, bytes('one'));
      expect(revision).toBeGreaterThan(0);
      expect(await store.create(key, bytes('two'))).toBe(false);
      const got = await store.get(key);
      expect(text(got)).toBe('one');
      expect(got!.revision).toBe(revision);
    });

    it('versioned store - update needs the current revision; a lost race returns false and changes nothing', async () => {
      const r1 = (await store.create(key, bytes('a'))) as number;
      const r2 = await store.update(key, bytes('b'), r1);
      expect(r2).toBeGreaterThan(r1);
      expect(await store.update(key, bytes('c'), r1)).toBe(false);
      expect(text(await store.get(key))).toBe('b');
      expect(await store.update(`${key}x`, bytes('d'), 1)).toBe(false);
    });

    it('versioned store - of two concurrent updates from one revision, exactly one wins', async () => {
      const r1 = (await store.create(key, bytes('0'))) as number;
      const results = await Promise.all([store.update(key, bytes('x'), r1), store.update(key, bytes('y'), r1), store.update(key, bytes('z'), r1)]);
      expect(results.filter((r) => r !== false)).toHaveLength(1);
    });

    it('versioned store - watch gives the current value (null first when none), then every change in order', async () => {
      const seen: Array<string | null> = [];
      const revisions: number[] = [];
      const stop = await store.watch(key, (v) => {
        seen.push(text(v));
        if (v) revisions.push(v.revision);
      });
      await waitFor(() => seen.length === 1, 'the first value', 2000);
      expect(seen).toEqual([null]);
      let r = (await store.create(key, bytes('1'))) as number;
      r = (await store.update(key, bytes('2'), r)) as number;
      await store.update(key, bytes('3'), r);
      await waitFor(() => seen.at(-1) === '3', 'the third change', 2000);
      expect(seen.filter((s) => s !== null)).toEqual(['1', '2', '3']);
      expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
      stop();
      const r4 = (await store.get(key))!.revision;
      await store.update(key, bytes('4'), r4);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen.at(-1)).toBe('3');
    });

    it('versioned store - a watcher that starts late gets the current value first', async () => {
      await store.create(key, bytes('now'));
      const seen: Array<string | null> = [];
      const stop = await store.watch(key, (v) => seen.push(text(v)));
      await waitFor(() => seen.length >= 1, 'the current value', 2000);
      expect(seen[0]).toBe('now');
      stop();
    });
  });
}
