// JetStreamBanStore against the machine's NATS with JetStream (127.0.0.1:4222), each test in
// its own random bucket, deleted afterwards.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { BanStoreUnavailableError, JetStreamBanStore, type BanFeed, type BanRecord } from '@shardgate/bans';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

function recorder(): BanFeed & { list: Map<string, BanRecord>; resets: number; statuses: boolean[] } {
  const feed = {
    list: new Map<string, BanRecord>(),
    resets: 0,
    statuses: [] as boolean[],
    reset(records: BanRecord[]) {
      feed.resets += 1;
      feed.list.clear();
      for (const r of records) feed.list.set(r.target, r);
    },
    put(record: BanRecord) {
      feed.list.set(record.target, record);
    },
    remove(target: string) {
      feed.list.delete(target);
    },
    status(connected: boolean) {
      feed.statuses.push(connected);
    },
  };
  return feed;
}

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ban = (target: string, extra: Partial<BanRecord> = {}): BanRecord => ({ target, reason: 'r', by: 'alice', at: Date.now(), expiresAt: null, ...extra });

describe('JetStreamBanStore', () => {
  const bucket = `test_${randomBytes(4).toString('hex')}_bans`;
  const stores: JetStreamBanStore[] = [];
  const open = async (feed: BanFeed) => {
    const store = new JetStreamBanStore({ servers: [NATS], bucket });
    stores.push(store);
    await store.open(feed);
    return store;
  };

  afterAll(async () => {
    for (const store of stores) await store.close();
    expect(await JetStreamBanStore.destroy([NATS], bucket)).toBe(true);
  });

  it('feeds every store the whole list, then each change as it happens; the audit trail pages newest first', async () => {
    const feedA = recorder();
    const a = await open(feedA);
    expect(feedA.resets).toBe(1);
    expect(feedA.statuses).toEqual([true]);
    await a.ban(ban('203.0.113.7'));
    await a.ban(ban('2001:db8::/64', { by: 'bob', expiresAt: Date.now() + 60_000 }));

    const feedB = recorder();
    const b = await open(feedB);
    expect([...feedB.list.keys()].sort()).toEqual(['2001:db8::/64', '203.0.113.7']);
    expect(feedB.list.get('2001:db8::/64')).toMatchObject({ by: 'bob' });

    const started = Date.now();
    expect(await a.unban('2001:db8::/64', { by: 'carol', at: Date.now(), reason: 'appeal' })).toBe(true);
    await until('the unban reaches store B', () => !feedB.list.has('2001:db8::/64'));
    await b.ban(ban('198.51.100.0/24', { by: 'dave' }));
    await until('the ban reaches store A', () => feedA.list.has('198.51.100.0/24'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await a.unban('192.0.2.1', { by: 'carol', at: Date.now(), reason: '' })).toBe(false);

    const first = await b.audit({ limit: 3 });
    expect(first.entries.map((e) => [e.action, e.target, e.by])).toEqual([
      ['ban', '198.51.100.0/24', 'dave'],
      ['unban', '2001:db8::/64', 'carol'],
      ['ban', '2001:db8::/64', 'bob'],
    ]);
    expect(first.next).toBeDefined();
    const second = await b.audit({ limit: 3, before: first.next! });
    expect(second.entries.map((e) => e.target)).toEqual(['203.0.113.7']);
    expect(second.next).toBeUndefined();
  });

  it('resyncs after a reconnect: bans and unbans made while it was cut off arrive, deletes included', async () => {
    // Store B reaches NATS through a proxy the test can cut; store A directly.
    const proxy = await cuttableProxy(new URL(NATS).port ? Number(new URL(NATS).port) : 4222);
    try {
      const feedA = recorder();
      const a = await open(feedA);
      await a.ban(ban('192.0.2.1'));
      const feedB = recorder();
      const b = new JetStreamBanStore({ servers: [`nats://127.0.0.1:${proxy.port}`], bucket });
      stores.push(b);
      await b.open(feedB);
      expect(feedB.list.has('192.0.2.1')).toBe(true);

      proxy.cut();
      await until('store B notices it is cut off', () => feedB.statuses.at(-1) === false, 15_000);
      await expect(b.ban(ban('192.0.2.99'))).rejects.toThrow(BanStoreUnavailableError);
      await a.ban(ban('192.0.2.2'));
      await a.unban('192.0.2.1', { by: 'carol', at: Date.now(), reason: '' });
      expect(feedB.list.has('192.0.2.2')).toBe(false);

      proxy.restore();
      await until('store B resyncs', () => feedB.statuses.at(-1) === true && feedB.list.has('192.0.2.2') && !feedB.list.has('192.0.2.1'), 15_000);
      expect(feedB.resets).toBeGreaterThanOrEqual(2);
      expect(feedB.list.has('192.0.2.99')).toBe(false);
    } finally {
      proxy.close();
    }
  }, 40_000);

  it('purges a lapsed ban once, and leaves a renewed one alone', async () => {
    const feed = recorder();
    const store = await open(feed);
    await store.ban(ban('203.0.113.40', { expiresAt: Date.now() - 1 }));
    await store.ban(ban('203.0.113.41', { expiresAt: Date.now() + 60_000 }));
    await store.purgeExpired([ban('203.0.113.40'), ban('203.0.113.41')]);
    await until('the lapsed ban is deleted everywhere', () => !feed.list.has('203.0.113.40'));
    expect(feed.list.has('203.0.113.41')).toBe(true);
  });

  it('refuses changes before sending anything once closed or unreachable', async () => {
    const store = new JetStreamBanStore({ servers: ['nats://127.0.0.1:1'], bucket, openTimeoutMs: 300 });
    stores.push(store);
    await expect(store.open(recorder())).rejects.toThrow(BanStoreUnavailableError);
    await expect(store.ban(ban('203.0.113.50'))).rejects.toThrow(/not reachable/);
  });
});

/** A TCP proxy to NATS whose connections the test can cut (and refuse) and then allow again. */
async function cuttableProxy(targetPort: number): Promise<{ port: number; cut(): void; restore(): void; close(): void }> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close() {
      open = false;
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
