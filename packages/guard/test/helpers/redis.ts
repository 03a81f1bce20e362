// The one place tests reach the real Redis (127.0.0.1:6379, or REDIS_URL). Every test gets its
// own random key prefix and deletes what it wrote.
import { randomBytes } from 'node:crypto';
import Redis, { type RedisOptions } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomPrefix(): string {
  return `test:guard:${randomBytes(6).toString('hex')}:`;
}

/** A client that is quiet about its own errors (the guard reports them through onDegraded). */
export function connectRedis(options: RedisOptions = {}): Redis {
  const { hostname, port } = new URL(url);
  const redis = new Redis({ host: hostname, port: Number(port || 6379), maxRetriesPerRequest: 1, ...options });
  redis.on('error', () => undefined);
  return redis;
}

/** A client pointed at a closed port: every command fails at once, nothing retries. */
export function unreachableRedis(): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

const closed = new WeakSet<Redis>();

/** quit() when connected, disconnect() otherwise: never waits on a dead link. Idempotent. */
export async function closeRedis(redis: Redis): Promise<void> {
  // A second disconnect() on a dead link would arm another 2 s ioredis timer.
  if (redis.status === 'end' || closed.has(redis)) return;
  closed.add(redis);
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Through a proxy the link may close before QUIT's reply: then the client is at 'end'.
    }
  }
  // Re-read: the await above may have moved it to 'end'.
  if ((redis.status as string) !== 'end') redis.disconnect();
}
