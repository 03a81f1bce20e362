import { GuardConfigError, MemoryGuard, type GuardLimits } from '@shardgate/guard';
import { describeGuardContract } from './guard-contract';
import { manualClock } from './helpers/time';

describeGuardContract('memory guard', () => ({
  guard: async (limits) => new MemoryGuard({ limits }),
  cleanup: async () => undefined,
}));

describe('memory guard', () => {
  const limits: GuardLimits = { maxConnectionsPerIp: 2, connectIntervalMs: 1000 };

  test('memory guard - the interval ends exactly connectIntervalMs after the last admission', async () => {
    const clock = manualClock();
    const guard = new MemoryGuard({ limits, now: clock.now });
    expect(await guard.admit('10.0.0.1')).toEqual({ admitted: true });
    clock.advance(999);
    expect(await guard.admit('10.0.0.1')).toEqual({ admitted: false, reason: 'toofast' });
    clock.advance(1);
    expect(await guard.admit('10.0.0.1')).toEqual({ admitted: true });
  });

  test('memory guard - forgets an IP once it holds nothing and its interval passed', async () => {
    const clock = manualClock();
    const guard = new MemoryGuard({ limits, now: clock.now });
    await guard.admit('10.0.0.1');
    await guard.admit('10.0.0.2');
    await guard.release('10.0.0.1');
    expect(guard.trackedIps).toBe(2); // 10.0.0.1 is still inside its interval
    clock.advance(1000);
    await guard.admit('10.0.0.3'); // any call sweeps
    expect(guard.trackedIps).toBe(2); // 10.0.0.2 (held) and 10.0.0.3
    // Forgetting lost nothing: the forgotten IP is admitted as new.
    expect(await guard.admit('10.0.0.1')).toEqual({ admitted: true });
  });

  test('memory guard - memory stays bounded under a stream of distinct IPs', async () => {
    const clock = manualClock();
    const guard = new MemoryGuard({ limits: { maxConnectionsPerIp: 1, connectIntervalMs: 50 }, now: clock.now });
    for (let i = 0; i < 10_000; i += 1) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      await guard.admit(ip);
      await guard.release(ip);
      clock.advance(1);
    }
    expect(guard.trackedIps).toBeLessThanOrEqual(51);
  });

  test('memory guard - with interval 0 an IP is forgotten on its last release', async () => {
    const guard = new MemoryGuard({ limits: { maxConnectionsPerIp: 2, connectIntervalMs: 0 } });
    await guard.admit('10.0.0.1');
    await guard.release('10.0.0.1');
    expect(guard.trackedIps).toBe(0);
  });

  test('memory guard - rejects invalid limits naming the field', () => {
    const bad = (l: Partial<GuardLimits>) => () => new MemoryGuard({ limits: { ...limits, ...l } });
    expect(bad({ maxConnectionsPerIp: 0 })).toThrow(GuardConfigError);
    expect(bad({ maxConnectionsPerIp: 1.5 })).toThrow(/limits\.maxConnectionsPerIp/);
    expect(bad({ connectIntervalMs: -1 })).toThrow(/limits\.connectIntervalMs/);
  });
});
