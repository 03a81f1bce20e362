// Redis away: fail-open decides with local limits, fail-closed says maintenance, nothing
// throws, nothing hangs, and what happened meanwhile reaches Redis when it is back.
import type Redis from 'ioredis';
import {
  GuardStoreError,
  GuardTimeoutError,
  RedisGuard,
  type GuardLimits,
  type RedisGuardOptions,
} from '@shardgate/guard';
import { closeRedis, connectRedis, deleteKeys, randomPrefix, unreachableRedis } from './helpers/redis';
import { startBlackHole, startTcpProxy } from './helpers/tcp-proxy';
import { eventually } from './helpers/time';

const limits: GuardLimits = { maxConnectionsPerIp: 2, connectIntervalMs: 0 };
const IP = '10.0.0.1';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let admin: Redis;
let prefix: string;
let clients: Redis[];
let guards: RedisGuard[];
let degraded: Array<[string, Error]>;

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  admin = connectRedis();
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await closeRedis(admin);
});
beforeEach(() => {
  prefix = randomPrefix();
  clients = [];
  guards = [];
  degraded = [];
});
afterEach(async () => {
  await Promise.all(guards.map((guard) => guard.close()));
  await Promise.all(clients.map(closeRedis));
  await deleteKeys(admin, prefix);
  // Let any late rejection surface before checking.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

function guardOn(redis: Redis, extra: Partial<RedisGuardOptions> = {}): RedisGuard {
  clients.push(redis);
  const guard = new RedisGuard({
    redis,
    prefix,
    gatewayId: `gw-${guards.length}`,
    limits,
    leaseMs: 300,
    onDegraded: (op, err) => degraded.push([op, err]),
    ...extra,
  });
  guards.push(guard);
  return guard;
}

test('redis guard - fail-open decides with local limits when Redis is unreachable', async () => {
  const guard = guardOn(unreachableRedis());
  await expect(guard.start()).resolves.toBeUndefined();
  expect(await guard.admit(IP)).toEqual({ admitted: true });
  expect(await guard.admit(IP)).toEqual({ admitted: true });
  expect(await guard.admit(IP)).toEqual({ admitted: false, reason: 'toomany' });
  await expect(guard.release(IP)).resolves.toBeUndefined();
  expect(await guard.connections(IP)).toBe(1);
  expect(degraded.some(([op, err]) => op === 'admit' && err instanceof GuardStoreError)).toBe(true);
  expect(degraded.some(([op]) => op === 'release')).toBe(true);
});

test('redis guard - while Redis is unreachable bans apply locally and ban() says it failed', async () => {
  const guard = guardOn(unreachableRedis());
  await expect(guard.ban('10.6.6.6')).rejects.toBeInstanceOf(GuardStoreError);
  expect(await guard.admit('10.6.6.6')).toEqual({ admitted: false, reason: 'banned' });
  expect(await guard.isBanned('10.6.6.6')).toBe(true);
  expect(await guard.bans()).toEqual(['10.6.6.6']);
  await expect(guard.unban('10.6.6.6')).rejects.toBeInstanceOf(GuardStoreError);
  expect(await guard.admit('10.6.6.6')).toEqual({ admitted: true });
});

test('redis guard - fail-closed refuses with maintenance when Redis is unreachable', async () => {
  const guard = guardOn(unreachableRedis(), { failureMode: 'closed' });
  expect(await guard.admit(IP)).toEqual({ admitted: false, reason: 'maintenance' });
  expect(await guard.admit(IP)).toEqual({ admitted: false, reason: 'maintenance' });
  await expect(guard.release(IP)).resolves.toBeUndefined();
  expect(degraded.filter(([op]) => op === 'admit')).toHaveLength(2);
});

test('redis guard - a Redis that never answers costs at most commandTimeoutMs', async () => {
  const hole = await startBlackHole();
  try {
    const redis = connectRedis({ port: hole.port, enableReadyCheck: false, maxRetriesPerRequest: null });
    const guard = guardOn(redis, { commandTimeoutMs: 150 });
    const started = Date.now();
    expect(await guard.admit(IP)).toEqual({ admitted: true });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(degraded.find(([op]) => op === 'admit')?.[1]).toBeInstanceOf(GuardTimeoutError);
    const closedGuard = guardOn(redis, { commandTimeoutMs: 150, failureMode: 'closed', gatewayId: 'gw-closed' });
    expect(await closedGuard.admit(IP)).toEqual({ admitted: false, reason: 'maintenance' });
    await Promise.all(guards.map((guard) => guard.close()));
    redis.disconnect(); // rejects the commands still waiting; the guard must swallow them
  } finally {
    await hole.close();
  }
});

test('redis guard - a throwing onDegraded callback does not break admission', async () => {
  const guard = guardOn(unreachableRedis(), {
    onDegraded: () => {
      throw new Error('metrics are broken too');
    },
  });
  expect(await guard.admit(IP)).toEqual({ admitted: true });
});

test('redis guard - what happened during an outage reaches Redis when it is back', async () => {
  const proxy = await startTcpProxy(6379);
  try {
    const viaProxy = connectRedis({
      port: proxy.port,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    const guard = guardOn(viaProxy, { limits: { maxConnectionsPerIp: 5, connectIntervalMs: 0 } });
    const other = guardOn(connectRedis(), { gatewayId: 'gw-other', leaseMs: 5000 });
    // Without an offline queue, commands sent before the link is ready fail: wait for it.
    expect(await eventually(async () => viaProxy.status === 'ready', 2000, 5)).toBe(true);
    await guard.start();
    await guard.admit(IP);
    await guard.admit(IP);
    expect(await other.connections(IP)).toBe(2);

    await proxy.cut();
    expect(await eventually(async () => viaProxy.status !== 'ready', 2000, 5)).toBe(true);
    await guard.release(IP); // 1 held, Redis still says 2
    expect(await guard.admit(IP)).toEqual({ admitted: true }); // decided locally: 2 held
    expect(await guard.admit(IP)).toEqual({ admitted: true }); // 3 held
    expect(guard.pendingReconciles).toBe(1);

    await proxy.restore();
    expect(await eventually(async () => (await other.connections(IP)) === 3, 5000)).toBe(true);
    expect(await eventually(async () => guard.pendingReconciles === 0, 3000)).toBe(true);
    expect(await guard.admit(IP)).toEqual({ admitted: true }); // and Redis decides again
    expect(await other.connections(IP)).toBe(4);
  } finally {
    await Promise.all(guards.map((guard) => guard.close()));
    await Promise.all(clients.map(closeRedis));
    await proxy.close();
  }
});

test('redis guard - fail-open knows the bans made on other gateways before the outage', async () => {
  const proxy = await startTcpProxy(6379);
  try {
    const viaProxy = connectRedis({ port: proxy.port, enableOfflineQueue: false, retryStrategy: () => 50 });
    expect(await eventually(async () => viaProxy.status === 'ready', 2000, 5)).toBe(true);
    const guard = guardOn(viaProxy);
    const other = guardOn(connectRedis(), { gatewayId: 'gw-other' });
    await guard.start();
    await other.ban('10.6.6.6');
    await guard.start(); // one renew round: it refreshes the local ban list
    await proxy.cut();
    expect(await eventually(async () => viaProxy.status !== 'ready', 2000, 5)).toBe(true);
    expect(await guard.admit('10.6.6.6')).toEqual({ admitted: false, reason: 'banned' });
    expect(degraded.some(([op]) => op === 'admit')).toBe(true);
    // Back up before teardown: a client still dialling a dead port holds a 2 s ioredis timer.
    await proxy.restore();
    expect(await eventually(async () => viaProxy.status === 'ready', 3000, 5)).toBe(true);
  } finally {
    await Promise.all(guards.map((guard) => guard.close()));
    await Promise.all(clients.map(closeRedis));
    await proxy.close();
  }
});
