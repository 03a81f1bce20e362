import { randomBytes } from 'node:crypto';
import { InProcessVersionedStore, NatsVersionedStore, type VersionedStore } from '@shardgate/bus';
import type { OwnershipTable } from '@shardgate/protocol';
import { WorldMembership, decodeMembers, encodeMembers } from '../src/world-membership';
import { silentLogger } from './helpers';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function describeMembership(name: string, open: () => Promise<VersionedStore>, done: () => Promise<void>) {
  describe(`world membership (${name})`, () => {
    let store: VersionedStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(done);

    it('membership - five shards joining at once all get in; every shard ends on the same table; epochs only grow', async () => {
      const world = 1 + Math.floor(Math.random() * 90_000);
      const seen = new Map<string, OwnershipTable[]>();
      const members = ['s1', 's2', 's3', 's4', 's5'].map(
        (self) =>
          new WorldMembership({ store, world, self, regions: 100, logger: silentLogger(), onTable: (t) => (seen.get(self) ?? seen.set(self, []).get(self)!).push(t) }),
      );
      await Promise.all(members.map((m) => m.start()));
      await until('every shard on the 5-shard table', () => [...seen.values()].every((ts) => ts.at(-1)?.shards.length === 5) && seen.size === 5);
      const last = [...seen.values()].map((ts) => ts.at(-1)!);
      expect(new Set(last.map((t) => t.epoch)).size).toBe(1);
      expect(last[0]!.shards).toEqual(['s1', 's2', 's3', 's4', 's5']);
      for (const tables of seen.values()) {
        const epochs = tables.map((t) => t.epoch);
        expect([...epochs].sort((a, b) => a - b)).toEqual(epochs);
        expect(new Set(epochs).size).toBe(epochs.length);
      }
      // One leaves, one is removed as dead: both reach everyone.
      await members[4]!.leave();
      await members[0]!.remove(['s2']);
      await until('s1 sees 3 shards', () => seen.get('s1')!.at(-1)!.shards.join() === 's1,s3,s4');
      await until('s3 sees 3 shards', () => seen.get('s3')!.at(-1)!.shards.join() === 's1,s3,s4');
      for (const m of members) m.stop();
    });

    it('membership - an unreadable value in the store is reported and replaced, not trusted', async () => {
      const world = 1 + Math.floor(Math.random() * 90_000);
      await store.create(`world.${world}`, new TextEncoder().encode('{"epoch":"x"}'));
      const m = new WorldMembership({ store, world, self: 'a', regions: 10, logger: silentLogger(), onTable: () => undefined });
      const table = await m.start();
      expect(table.shards).toEqual(['a']);
      m.stop();
    });
  });
}

describe('members codec', () => {
  it('members - round trip, and refusal of bad values', () => {
    expect(decodeMembers(encodeMembers({ epoch: 3, shards: ['a', 'b'] }))).toEqual({ epoch: 3, shards: ['a', 'b'] });
    for (const bad of ['nope', '{"epoch":-1,"shards":[]}', '{"epoch":1,"shards":["a b"]}', '{"epoch":1}']) {
      expect(() => decodeMembers(new TextEncoder().encode(bad))).toThrow(/world members/);
    }
  });
});

describeMembership('in-process', async () => new InProcessVersionedStore(), async () => undefined);

let kv: NatsVersionedStore;
const bucket = `sgtest_${randomBytes(5).toString('hex')}`;
describeMembership(
  'JetStream KV',
  async () => (kv = await NatsVersionedStore.connect([NATS_URL], bucket, 'membership-test')),
  async () => {
    await kv.destroy();
  },
);
