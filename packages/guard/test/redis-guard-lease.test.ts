// Leases: a dead gateway's counts go away, a live one's never do, and nothing idle stays.
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { GuardLeaseConflictError, RedisGuard, type GuardLimits, type RedisGuardOptions } from '@shardgate/guard';
import { closeRedis, connectRedis, deleteKeys, keysUnder, randomPrefix } from './helpers/redis';
import { eventually, sleep } from './helpers/time';

const LEASE_MS = 300;
const limits: GuardLimits = { maxConnectionsPerIp: 2, connectIntervalMs: 0 };
const IP = '10.0.0.1';

let admin: Redis;
let prefix: string;
let clients: Redis[];
let guards: RedisGuard[];

beforeAll(() => {
  admin = connectRedis();
});
afterAll(async () => {
  await closeRedis(admin);
});
beforeEach(() => {
  prefix = randomPrefix();
  clients = [];
  guards = [];
});
afterEach(async () => {
  await Promise.all(guards.map((guard) => guard.close()));
  await Promise.all(clients.map(closeRedis));
  await deleteKeys(admin, prefix);
});

/** A gateway with its own client, as a separate process would have. */
async function gateway(extra: Partial<RedisGuardOptions> = {}): Promise<{ guard: RedisGuard; redis: Redis; id: string }> {
  const redis = connectRedis();
  const id = extra.gatewayId ?? `gw-${randomBytes(3).toString('hex')}`;
  const guard = new RedisGuard({ redis, prefix, gatewayId: id, limits, leaseMs: LEASE_MS, ...extra });
  clients.push(redis);
  guards.push(guard);
  await guard.start();
  return { guard, redis, id };
}

test('redis guard - a killed gateway has its counts ignored within leaseMs and then deleted', async () => {
  const three = { limits: { maxConnectionsPerIp: 3, connectIntervalMs: 0 } };
  const dead = await gateway(three);
  const live = await gateway(three);
  await dead.guard.admit(IP);
  await dead.guard.admit(IP);
  // The live gateway holds a connection from the same IP: its renewals keep the conns hash
  // alive (2 * leaseMs at a time), so only the dead gateway's lease running out can drop its
  // counts. Without it the hash's own TTL would free them, lease or no lease.
  expect(await live.guard.admit(IP)).toEqual({ admitted: true });
  expect(await live.guard.admit(IP)).toEqual({ admitted: false, reason: 'toomany' });

  // kill -9: the socket drops, nothing is released, no more renewals reach Redis.
  dead.redis.disconnect();
  const killedAt = Date.now();
  expect(await eventually(async () => (await live.guard.connections(IP)) === 1, 3000, 10)).toBe(true);
  expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 500);

  expect(await live.guard.admit(IP)).toEqual({ admitted: true });
  expect(await live.guard.admit(IP)).toEqual({ admitted: true });
  // The admit script pruned the dead gateway's field; the hash lives on for the live gateway.
  expect(await admin.hget(`${prefix}ip:${IP}:conns`, dead.id)).toBeNull();
  expect(await admin.hget(`${prefix}ip:${IP}:conns`, live.id)).toBe('3');
});

test('redis guard - a live gateway keeps its counts however long the IP stays idle', async () => {
  const holder = await gateway();
  const other = await gateway();
  await holder.guard.admit(IP);
  await holder.guard.admit(IP);
  await sleep(LEASE_MS * 5); // past the lease and past the conns hash TTL (2 * leaseMs)
  expect(await other.guard.connections(IP)).toBe(2);
  expect(await other.guard.admit(IP)).toEqual({ admitted: false, reason: 'toomany' });
  const ttl = await admin.pttl(`${prefix}ip:${IP}:conns`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(2 * LEASE_MS);
});

test('redis guard - every key but the ban set expires by itself', async () => {
  const { guard, id } = await gateway({ limits: { maxConnectionsPerIp: 3, connectIntervalMs: 5000 } });
  await guard.admit(IP);
  await guard.admit('2001:db8::1');
  await guard.release('2001:db8::1');
  await guard.ban('10.6.6.6');
  const keys = await keysUnder(admin, prefix);
  expect(keys).toEqual(
    [
      `${prefix}bans`,
      `${prefix}gw:${id}:lease`,
      `${prefix}ip:2001:db8::1:last`,
      `${prefix}ip:${IP}:conns`,
      `${prefix}ip:${IP}:last`,
    ].sort(),
  );
  for (const key of keys) {
    const ttl = await admin.pttl(key);
    if (key === `${prefix}bans`) expect(ttl).toBe(-1);
    else expect(ttl).toBeGreaterThan(0);
  }
});

test('redis guard - close() makes other gateways stop counting its connections at once', async () => {
  const leaving = await gateway();
  const other = await gateway();
  await leaving.guard.admit(IP);
  await leaving.guard.admit(IP);
  await leaving.guard.close();
  expect(await other.guard.connections(IP)).toBe(0);
  expect(await other.guard.admit(IP)).toEqual({ admitted: true });
});

test('redis guard - a gateway whose lease lapsed writes its counts back', async () => {
  const holder = await gateway();
  const other = await gateway();
  await holder.guard.admit(IP);
  await holder.guard.admit(IP);
  // What an outage longer than leaseMs leaves behind: lease gone, fields pruned by others.
  await admin.del(`${prefix}gw:${holder.id}:lease`, `${prefix}ip:${IP}:conns`);
  expect(await other.guard.connections(IP)).toBe(0);
  expect(await eventually(async () => (await other.guard.connections(IP)) === 2, 3000)).toBe(true);
  // The write-back's own bookkeeping settles just after Redis applied it: wait for it too.
  expect(await eventually(async () => holder.guard.pendingReconciles === 0, 3000)).toBe(true);
});

test('redis guard - a field lost while the lease held is written back too', async () => {
  const holder = await gateway();
  const other = await gateway();
  await holder.guard.admit(IP);
  await admin.hdel(`${prefix}ip:${IP}:conns`, holder.id);
  expect(await eventually(async () => (await other.guard.connections(IP)) === 1, 3000)).toBe(true);
});

test('redis guard - reports two live processes sharing one gatewayId', async () => {
  const conflicts: Error[] = [];
  const onDegraded = (op: string, err: Error) => {
    if (op === 'lease') conflicts.push(err);
  };
  await gateway({ gatewayId: 'gw-twin', onDegraded });
  await gateway({ gatewayId: 'gw-twin', onDegraded });
  expect(await eventually(async () => conflicts.length > 0, 3000)).toBe(true);
  expect(conflicts[0]).toBeInstanceOf(GuardLeaseConflictError);
});
