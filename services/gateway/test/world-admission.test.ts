import { MemoryGuard, type Admission, type Guard, type GuardLimits } from '@shardgate/guard';
import { CloseReasons, isCloseReason } from '@shardgate/protocol';
import { WorldAdmission } from '../src/world-admission';
import { Clock } from './helpers';

function memory(limits: GuardLimits = { maxConnectionsPerIp: 2, connectIntervalMs: 1000 }) {
  const clock = new Clock();
  const guard = new MemoryGuard({ limits, now: clock.now });
  return { guard, admission: new WorldAdmission(guard), clock };
}

/** A guard that answers every admit with one fixed admission (what a store-backed guard may say). */
function fixedGuard(answer: Admission): Guard & { released: string[] } {
  const released: string[] = [];
  return {
    released,
    admit: async () => answer,
    release: async (ip) => {
      released.push(ip);
    },
    ban: async () => undefined,
    unban: async () => undefined,
    isBanned: async () => false,
    bans: async () => [],
    connections: async () => 0,
    close: async () => undefined,
  };
}

describe('world admission', () => {
  test('world admission - admits with null and counts the connection', async () => {
    const { guard, admission } = memory();
    expect(await admission.admit('10.0.0.1')).toBeNull();
    expect(await guard.connections('10.0.0.1')).toBe(1);
  });

  test("world admission - a banned IP is refused with Kaetram's 'banned'", async () => {
    const { guard, admission } = memory();
    await guard.ban('10.0.0.1');
    expect(await admission.admit('10.0.0.1')).toBe(CloseReasons.Banned);
    expect(await admission.admit('10.0.0.2')).toBeNull();
  });

  test("world admission - a second connection within the interval is refused with 'toofast'", async () => {
    const { admission, clock } = memory({ maxConnectionsPerIp: 5, connectIntervalMs: 1000 });
    expect(await admission.admit('10.0.0.1')).toBeNull();
    clock.advance(999);
    expect(await admission.admit('10.0.0.1')).toBe(CloseReasons.TooFast);
    clock.advance(1);
    expect(await admission.admit('10.0.0.1')).toBeNull();
  });

  test("world admission - one connection over maxConnectionsPerIp is refused with 'toomany'", async () => {
    const { admission } = memory({ maxConnectionsPerIp: 2, connectIntervalMs: 0 });
    expect(await admission.admit('10.0.0.1')).toBeNull();
    expect(await admission.admit('10.0.0.1')).toBeNull();
    expect(await admission.admit('10.0.0.1')).toBe(CloseReasons.TooMany);
    // Another IP has its own count.
    expect(await admission.admit('10.0.0.2')).toBeNull();
  });

  test('world admission - release gives a slot back', async () => {
    const { guard, admission } = memory({ maxConnectionsPerIp: 1, connectIntervalMs: 0 });
    expect(await admission.admit('10.0.0.1')).toBeNull();
    expect(await admission.admit('10.0.0.1')).toBe('toomany');
    await admission.release('10.0.0.1');
    expect(await guard.connections('10.0.0.1')).toBe(0);
    expect(await admission.admit('10.0.0.1')).toBeNull();
  });

  test("world admission - a guard's 'maintenance' (store away, fail-closed) is refused with 'maintenance'", async () => {
    const admission = new WorldAdmission(fixedGuard({ admitted: false, reason: 'maintenance' }));
    expect(await admission.admit('10.0.0.1')).toBe(CloseReasons.Maintenance);
  });

  test('world admission - every guard refusal becomes a close reason the Kaetram client knows', async () => {
    for (const reason of ['banned', 'toofast', 'toomany', 'maintenance'] as const) {
      const refusal = await new WorldAdmission(fixedGuard({ admitted: false, reason })).admit('10.0.0.1');
      expect(refusal).toBe(reason);
      expect(isCloseReason(refusal)).toBe(true);
    }
  });

  test('world admission - release is passed to the guard for the same IP', async () => {
    const guard = fixedGuard({ admitted: true });
    const admission = new WorldAdmission(guard);
    expect(await admission.admit('10.0.0.9')).toBeNull();
    await admission.release('10.0.0.9');
    expect(guard.released).toEqual(['10.0.0.9']);
  });

  test('world admission - a guard that fails rejects admit (the gateway then refuses with error)', async () => {
    const guard = fixedGuard({ admitted: true });
    guard.admit = async () => {
      throw new Error('store exploded');
    };
    await expect(new WorldAdmission(guard).admit('10.0.0.1')).rejects.toThrow('store exploded');
  });
});
