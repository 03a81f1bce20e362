// The behaviour every Guard must have, written once and run against each implementation
// (memory-guard.test.ts, redis-guard.test.ts). Real time, short intervals: the Redis guard
// uses the server's clock, so no clock can be injected into it.
import { GuardClosedError, type Admission, type Guard, type GuardLimits } from '@shardgate/guard';
import { sleep } from './helpers/time';

export interface GuardContractFixture {
  /** A guard on a store no other test uses. */
  guard(limits: GuardLimits): Promise<Guard>;
  /** `count` guards sharing one store, as that many gateways; only for shared stores. */
  gateways?(limits: GuardLimits, count: number): Promise<Guard[]>;
  /** Closes what the fixture made and deletes what it stored. */
  cleanup(): Promise<void>;
}

const ADMITTED: Admission = { admitted: true };
const refused = (reason: string) => ({ admitted: false, reason });
const open = (maxConnectionsPerIp: number): GuardLimits => ({ maxConnectionsPerIp, connectIntervalMs: 0 });

async function admitTimes(guard: Guard, ip: string, times: number): Promise<Admission[]> {
  const results: Admission[] = [];
  for (let i = 0; i < times; i += 1) results.push(await guard.admit(ip));
  return results;
}

export interface GuardContractOptions {
  /** The store is shared between guard instances (gateways): run the cross-gateway cases too. */
  sharedStore?: boolean;
}

export function describeGuardContract(
  name: string,
  makeFixture: () => GuardContractFixture,
  options: GuardContractOptions = {},
): void {
  describe(`${name} contract`, () => {
    let fixture: GuardContractFixture;
    beforeEach(() => {
      fixture = makeFixture();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    test(`${name} - admits up to the maximum, then refuses with toomany`, async () => {
      const guard = await fixture.guard(open(3));
      expect(await admitTimes(guard, '10.0.0.1', 4)).toEqual([ADMITTED, ADMITTED, ADMITTED, refused('toomany')]);
      expect(await guard.admit('10.0.0.2')).toEqual(ADMITTED); // the limit is per IP
    });

    test(`${name} - release frees a slot`, async () => {
      const guard = await fixture.guard(open(2));
      await admitTimes(guard, '10.0.0.1', 2);
      expect(await guard.admit('10.0.0.1')).toEqual(refused('toomany'));
      await guard.release('10.0.0.1');
      expect(await guard.connections('10.0.0.1')).toBe(1);
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
    });

    test(`${name} - release never goes below zero`, async () => {
      const guard = await fixture.guard(open(2));
      await guard.release('10.0.0.1');
      await guard.release('10.0.0.1');
      expect(await guard.connections('10.0.0.1')).toBe(0);
      await guard.admit('10.0.0.1');
      await guard.release('10.0.0.1');
      await guard.release('10.0.0.1');
      expect(await guard.connections('10.0.0.1')).toBe(0);
      // Extra releases bought no extra slots.
      expect(await admitTimes(guard, '10.0.0.1', 3)).toEqual([ADMITTED, ADMITTED, refused('toomany')]);
    });

    test(`${name} - refuses with toofast inside the interval and admits after it`, async () => {
      const guard = await fixture.guard({ maxConnectionsPerIp: 10, connectIntervalMs: 100 });
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
      expect(await guard.admit('10.0.0.1')).toEqual(refused('toofast'));
      expect(await guard.admit('10.0.0.2')).toEqual(ADMITTED); // the interval is per IP
      await sleep(150);
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
    });

    test(`${name} - refused attempts do not restart the interval`, async () => {
      const guard = await fixture.guard({ maxConnectionsPerIp: 10, connectIntervalMs: 300 });
      const start = Date.now();
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
      await sleep(50);
      expect(await guard.admit('10.0.0.1')).toEqual(refused('toofast'));
      // 320 ms after the admission but only ~270 ms after the refused attempt.
      await sleep(Math.max(0, start + 320 - Date.now()));
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
    });

    test(`${name} - interval 0 turns the connect interval off`, async () => {
      const guard = await fixture.guard(open(5));
      expect(await admitTimes(guard, '10.0.0.1', 5)).toEqual(Array(5).fill(ADMITTED));
    });

    test(`${name} - banned comes before toofast and toomany`, async () => {
      const guard = await fixture.guard({ maxConnectionsPerIp: 1, connectIntervalMs: 60_000 });
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
      expect(await guard.admit('10.0.0.1')).toEqual(refused('toofast'));
      await guard.ban('10.0.0.1');
      expect(await guard.admit('10.0.0.1')).toEqual(refused('banned'));
      expect(await guard.admit('10.0.0.2')).toEqual(ADMITTED);
    });

    test(`${name} - toofast comes before toomany`, async () => {
      const guard = await fixture.guard({ maxConnectionsPerIp: 1, connectIntervalMs: 60_000 });
      await guard.admit('10.0.0.1');
      expect(await guard.admit('10.0.0.1')).toEqual(refused('toofast'));
    });

    test(`${name} - unban admits the IP again`, async () => {
      const guard = await fixture.guard(open(5));
      await guard.ban('10.0.0.1');
      expect(await guard.isBanned('10.0.0.1')).toBe(true);
      expect(await guard.admit('10.0.0.1')).toEqual(refused('banned'));
      await guard.unban('10.0.0.1');
      expect(await guard.isBanned('10.0.0.1')).toBe(false);
      expect(await guard.admit('10.0.0.1')).toEqual(ADMITTED);
    });

    test(`${name} - bans() lists every banned IP; ban and unban are idempotent`, async () => {
      const guard = await fixture.guard(open(5));
      expect(await guard.bans()).toEqual([]);
      await guard.ban('10.0.0.2');
      await guard.ban('10.0.0.1');
      await guard.ban('10.0.0.1');
      await guard.ban('2001:db8::1');
      expect((await guard.bans()).sort()).toEqual(['10.0.0.1', '10.0.0.2', '2001:db8::1']);
      await guard.unban('10.0.0.2');
      await guard.unban('10.0.0.2');
      await guard.unban('10.9.9.9');
      expect((await guard.bans()).sort()).toEqual(['10.0.0.1', '2001:db8::1']);
      expect(await guard.isBanned('10.0.0.3')).toBe(false);
    });

    test(`${name} - connections() counts admitted minus released, per IP`, async () => {
      const guard = await fixture.guard(open(5));
      expect(await guard.connections('10.0.0.1')).toBe(0);
      await admitTimes(guard, '10.0.0.1', 3);
      await admitTimes(guard, '2001:db8::1', 2);
      await guard.release('10.0.0.1');
      expect(await guard.connections('10.0.0.1')).toBe(2);
      expect(await guard.connections('2001:db8::1')).toBe(2);
    });

    test(`${name} - 200 concurrent admits from one IP never admit more than the maximum`, async () => {
      const guard = await fixture.guard(open(5));
      const results = await Promise.all(Array.from({ length: 200 }, () => guard.admit('10.0.0.1')));
      expect(results.filter((r) => r.admitted)).toHaveLength(5);
      expect(results.filter((r) => !r.admitted).every((r) => !r.admitted && r.reason === 'toomany')).toBe(true);
      expect(await guard.connections('10.0.0.1')).toBe(5);
    });

    test(`${name} - after close() admit rejects with GuardClosedError and release does nothing`, async () => {
      const guard = await fixture.guard(open(5));
      await guard.admit('10.0.0.1');
      await guard.close();
      await guard.close();
      await expect(guard.admit('10.0.0.1')).rejects.toBeInstanceOf(GuardClosedError);
      await expect(guard.release('10.0.0.1')).resolves.toBeUndefined();
    });

    if (!options.sharedStore) return;
    describe('with several gateways on one store', () => {
      const several = (count: number, limits: GuardLimits): Promise<Guard[]> => {
        if (fixture.gateways === undefined) throw new Error('sharedStore fixtures must implement gateways()');
        return fixture.gateways(limits, count);
      };

      test(`${name} - 200 concurrent admits over 3 gateways never admit more than the maximum`, async () => {
        const gateways = await several(3, open(5));
        const attempts = Array.from({ length: 200 }, (_, i) => gateways[i % 3]);
        const results = await Promise.all(attempts.map((guard) => guard.admit('10.0.0.1')));
        expect(results.filter((r) => r.admitted)).toHaveLength(5);
        for (const guard of gateways) expect(await guard.connections('10.0.0.1')).toBe(5);
        // Each gateway gives back exactly what it admitted.
        await Promise.all(results.map((r, i) => (r.admitted ? attempts[i].release('10.0.0.1') : undefined)));
        expect(await gateways[0].connections('10.0.0.1')).toBe(0);
      });

      test(`${name} - bans, intervals and counts are shared by every gateway`, async () => {
        const [a, b, c] = await several(3, { maxConnectionsPerIp: 2, connectIntervalMs: 60_000 });
        expect(await a.admit('10.0.0.1')).toEqual(ADMITTED);
        expect(await b.admit('10.0.0.1')).toEqual(refused('toofast'));
        await b.ban('10.0.0.2');
        expect(await c.isBanned('10.0.0.2')).toBe(true);
        expect(await a.admit('10.0.0.2')).toEqual(refused('banned'));
        expect(await c.connections('10.0.0.1')).toBe(1);
      });
    });
  });
}
