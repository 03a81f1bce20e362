import type Redis from 'ioredis';
import { GuardConfigError, RedisGuard, type RedisGuardOptions } from '@shardgate/guard';
import { unreachableRedis } from './helpers/redis';

describe('redis guard options', () => {
  const redis = unreachableRedis(); // never used: construction does no I/O
  afterAll(() => redis.disconnect());
  const base = (): RedisGuardOptions => ({
    redis,
    prefix: 'sg:',
    gatewayId: 'gw-1',
    limits: { maxConnectionsPerIp: 3, connectIntervalMs: 0 },
  });
  const fieldOf = (options: Partial<RedisGuardOptions>): string | undefined => {
    try {
      new RedisGuard({ ...base(), ...options } as RedisGuardOptions);
    } catch (err) {
      if (err instanceof GuardConfigError) return err.field;
      throw err;
    }
    return undefined;
  };

  test('redis guard options - accepts the defaults', () => {
    expect(fieldOf({})).toBeUndefined();
  });

  test('redis guard options - rejects bad values naming the field', () => {
    expect(fieldOf({ prefix: '' })).toBe('prefix');
    expect(fieldOf({ gatewayId: 'gw 1' })).toBe('gatewayId');
    expect(fieldOf({ leaseMs: 10 })).toBe('leaseMs');
    expect(fieldOf({ commandTimeoutMs: 0 })).toBe('commandTimeoutMs');
    expect(fieldOf({ failureMode: 'sometimes' as never })).toBe('failureMode');
    expect(fieldOf({ limits: { maxConnectionsPerIp: 0, connectIntervalMs: 0 } })).toBe('limits.maxConnectionsPerIp');
    expect(fieldOf({ redis: {} as Redis })).toBe('redis');
  });

  test('redis guard options - rejects an ioredis client with keyPrefix', () => {
    const prefixed = { ...redis, defineCommand: redis.defineCommand, options: { keyPrefix: 'x:' } } as unknown as Redis;
    expect(fieldOf({ redis: prefixed })).toBe('redis');
  });
});
