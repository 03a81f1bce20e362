import type Redis from 'ioredis';
import { MAX_NODE_ID } from '@shardgate/protocol';

/**
 * A node id (1..99999) unique in the deployment, from a Redis counter, for processes started
 * without an explicit id. It wraps after 99999 allocations; by then the early nodes are long
 * gone (instance ids also carry the boot time, so reuse does not collide).
 */
export async function allocateNodeId(redis: Redis, key: string): Promise<{ id: number; allocated: boolean }> {
  try {
    const n = await redis.incr(key);
    return { id: ((n - 1) % MAX_NODE_ID) + 1, allocated: true };
  } catch {
    // Redis away at start: a random id keeps the service up; collisions are unlikely, and
    // the instance ids' boot-time sequence keeps them apart even then.
    return { id: 1 + Math.floor(Math.random() * MAX_NODE_ID), allocated: false };
  }
}
