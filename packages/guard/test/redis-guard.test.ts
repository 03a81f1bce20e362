// The Guard contract against the real Redis, including three gateways on one store.
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { RedisGuard, type GuardLimits } from '@shardgate/guard';
import { describeGuardContract } from './guard-contract';
import { closeRedis, connectRedis, deleteKeys, randomPrefix } from './helpers/redis';

let admin: Redis;
beforeAll(() => {
  admin = connectRedis();
});
afterAll(async () => {
  await closeRedis(admin);
});

describeGuardContract(
  'redis guard',
  () => {
    const prefix = randomPrefix();
    const clients: Redis[] = [];
    const guards: RedisGuard[] = [];
    const make = async (limits: GuardLimits, gatewayId: string): Promise<RedisGuard> => {
      const redis = connectRedis(); // one client per gateway, as in production
      clients.push(redis);
      const guard = new RedisGuard({ redis, prefix, gatewayId, limits, leaseMs: 2000 });
      guards.push(guard);
      await guard.start();
      return guard;
    };
    const id = () => `gw-${randomBytes(3).toString('hex')}`;
    return {
      guard: (limits) => make(limits, id()),
      gateways: (limits, count) => Promise.all(Array.from({ length: count }, () => make(limits, id()))),
      cleanup: async () => {
        await Promise.all(guards.map((guard) => guard.close()));
        await Promise.all(clients.map(closeRedis));
        await deleteKeys(admin, prefix);
      },
    };
  },
  { sharedStore: true },
);
