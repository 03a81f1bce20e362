import fc from 'fast-check';
import { ShardRegistry } from '../src/shard-registry';
import { Clock, heartbeat } from './helpers';

/** Stalls are off unless a test asks (these tests move the clock in big steps). */
function registry(timeoutMs = 3000, clock = new Clock(), stallMs = Number.POSITIVE_INFINITY) {
  return { registry: new ShardRegistry(timeoutMs, clock.now, stallMs), clock };
}

/** What the gateway's sweep does with a judgement: the lost shards' ids (or why none was made). */
function sweep(r: ShardRegistry, busConnected = true): string[] | string {
  const j = r.judge(busConnected);
  return j.kind === 'judged' ? j.lost.map((l) => l.peer) : j.kind;
}

/** Picks and reserves like the gateway does for each admitted player; undefined = worldfull. */
function admit(registry: ShardRegistry, preferred?: string): string | undefined {
  const info = registry.pick(preferred);
  if (info) registry.reserve(info.shard);
  return info?.shard;
}

describe('shard registry', () => {
  describe('pick', () => {
    test('shard registry - pick is undefined when no shard is known', () => {
      const { registry: r } = registry();
      expect(r.pick()).toBeUndefined();
      expect(r.pick('s1')).toBeUndefined();
    });

    test('shard registry - pick prefers the asked-for shard when it has room, even if more loaded', () => {
      const { registry: r } = registry();
      r.update(heartbeat('busy', { players: 90, capacity: 100 }));
      r.update(heartbeat('quiet', { players: 1, capacity: 100 }));
      expect(r.pick('busy')?.shard).toBe('busy');
      expect(r.pick('quiet')?.shard).toBe('quiet');
    });

    test('shard registry - pick without a preference takes the least loaded accepting shard', () => {
      const { registry: r } = registry();
      r.update(heartbeat('a', { players: 50 }));
      r.update(heartbeat('b', { players: 10 }));
      r.update(heartbeat('c', { players: 30 }));
      expect(r.pick()?.shard).toBe('b');
    });

    test('shard registry - a full asked-for shard falls back to the least loaded one with room', () => {
      const { registry: r } = registry();
      r.update(heartbeat('full', { players: 100, capacity: 100 }));
      r.update(heartbeat('a', { players: 40 }));
      r.update(heartbeat('b', { players: 20 }));
      expect(r.pick('full')?.shard).toBe('b');
    });

    test('shard registry - a non-accepting asked-for shard falls back to another', () => {
      const { registry: r } = registry();
      r.update(heartbeat('draining', { players: 0, accepting: false }));
      r.update(heartbeat('a', { players: 40 }));
      expect(r.pick('draining')?.shard).toBe('a');
    });

    test('shard registry - an unknown asked-for shard falls back to the least loaded', () => {
      const { registry: r } = registry();
      r.update(heartbeat('a', { players: 40 }));
      r.update(heartbeat('b', { players: 5 }));
      expect(r.pick('nope')?.shard).toBe('b');
    });

    test('shard registry - never picks a non-accepting or a full shard, even the least loaded', () => {
      const { registry: r } = registry();
      r.update(heartbeat('closed', { players: 0, accepting: false }));
      r.update(heartbeat('full', { players: 10, capacity: 10 }));
      expect(r.pick()).toBeUndefined();
      expect(r.pick('closed')).toBeUndefined();
      expect(r.pick('full')).toBeUndefined();
      r.update(heartbeat('open', { players: 99, capacity: 100 }));
      expect(r.pick()?.shard).toBe('open');
    });

    test('shard registry - a shard with capacity 0 or over capacity is never picked', () => {
      const { registry: r } = registry();
      r.update(heartbeat('zero', { players: 0, capacity: 0 }));
      r.update(heartbeat('over', { players: 12, capacity: 10 }));
      expect(r.pick()).toBeUndefined();
      expect(r.pick('zero')).toBeUndefined();
    });

    test('shard registry - pick never returns a shard without room (property)', () => {
      const shard = fc.record({
        players: fc.nat(20),
        capacity: fc.nat(20),
        accepting: fc.boolean(),
        reserved: fc.nat(5),
      });
      fc.assert(
        fc.property(fc.array(shard, { maxLength: 6 }), fc.option(fc.nat(7), { nil: undefined }), (shards, want) => {
          const { registry: r } = registry();
          shards.forEach((s, i) => {
            r.update(heartbeat(`s${i}`, s));
            for (let k = 0; k < s.reserved; k += 1) r.reserve(`s${i}`);
          });
          const load = (s: (typeof shards)[number]) => s.players + s.reserved;
          const withRoom = shards.map((s, i) => ({ s, id: `s${i}` })).filter(({ s }) => s.accepting && load(s) < s.capacity);
          const picked = r.pick(want === undefined ? undefined : `s${want}`);
          if (withRoom.length === 0) {
            expect(picked).toBeUndefined();
            return;
          }
          expect(picked).toBeDefined();
          const chosen = withRoom.find(({ id }) => id === picked!.shard);
          expect(chosen).toBeDefined();
          const preferred = withRoom.find(({ id }) => id === `s${want}`);
          if (preferred) expect(picked!.shard).toBe(preferred.id);
          else expect(load(chosen!.s)).toBe(Math.min(...withRoom.map(({ s }) => load(s))));
        }),
      );
    });
  });

  describe('gameVersion', () => {
    test('shard registry - the version a client should send is that of the shard it would be routed to', () => {
      const { registry: r } = registry();
      expect(r.gameVersion()).toBeUndefined();
      r.update(heartbeat('1', { players: 5, gameVersion: 'old-1' }));
      r.update(heartbeat('2', { players: 1, gameVersion: 'new-2' }));
      expect(r.gameVersion()).toBe('new-2'); // the least loaded
      expect(r.gameVersion('1')).toBe('old-1'); // the world asked for
      r.update(heartbeat('2', { players: 1, accepting: false, gameVersion: 'new-2' }));
      expect(r.gameVersion()).toBe('old-1');
      r.update(heartbeat('1', { players: 5, accepting: false }));
      expect(r.gameVersion()).toBe('new-2'); // nobody accepts: any shard that says
    });
  });

  describe('reserve', () => {
    test('shard registry - a burst between heartbeats cannot overfill a shard (capacity 3, 5 players)', () => {
      const { registry: r } = registry();
      r.update(heartbeat('s1', { players: 0, capacity: 3 }));
      const placed = Array.from({ length: 5 }, () => admit(r));
      expect(placed).toEqual(['s1', 's1', 's1', undefined, undefined]);
      expect(r.list()[0]?.pending).toBe(3);
    });

    test('shard registry - reservations count toward the load, spreading a burst across shards', () => {
      const { registry: r } = registry();
      r.update(heartbeat('a', { players: 0, capacity: 10 }));
      r.update(heartbeat('b', { players: 2, capacity: 10 }));
      const placed = Array.from({ length: 6 }, () => admit(r));
      const count = (id: string) => placed.filter((s) => s === id).length;
      // Each player goes to the lower load (ties to the first known shard): both end at a load of 4.
      expect(count('a')).toBe(4);
      expect(count('b')).toBe(2);
    });

    test('shard registry - a burst asking for one shard fills it and then spills over', () => {
      const { registry: r } = registry();
      r.update(heartbeat('wanted', { players: 1, capacity: 3 }));
      r.update(heartbeat('other', { players: 50, capacity: 100 }));
      const placed = Array.from({ length: 4 }, () => admit(r, 'wanted'));
      expect(placed).toEqual(['wanted', 'wanted', 'other', 'other']);
    });

    test('shard registry - reserve on an unknown shard is harmless', () => {
      const { registry: r } = registry();
      expect(() => r.reserve('ghost')).not.toThrow();
      expect(r.size).toBe(0);
    });

    test('shard registry - a heartbeat resets pending to what the shard reports', () => {
      const { registry: r } = registry();
      r.update(heartbeat('s1', { players: 0, capacity: 3 }));
      admit(r);
      admit(r);
      admit(r);
      expect(r.pick()).toBeUndefined();
      // The shard now counts the three players itself, and one of them already left.
      r.update(heartbeat('s1', { players: 2, capacity: 3 }));
      expect(r.list()[0]?.pending).toBe(0);
      expect(admit(r)).toBe('s1');
      expect(admit(r)).toBeUndefined();
    });

    test('shard registry - however picks and heartbeats interleave, reservations never exceed the room a heartbeat reported', () => {
      const step = fc.oneof(
        fc.constant({ kind: 'admit' as const }),
        fc.record({ kind: fc.constant('beat' as const), players: fc.nat(6), accepting: fc.boolean() }),
      );
      fc.assert(
        fc.property(fc.nat(6), fc.array(step, { maxLength: 40 }), (capacity, steps) => {
          const { registry: r } = registry();
          r.update(heartbeat('s1', { players: 0, capacity }));
          let reported = { players: 0, accepting: true };
          let since = 0;
          for (const s of steps) {
            if (s.kind === 'beat') {
              reported = { players: s.players, accepting: s.accepting };
              r.update(heartbeat('s1', { players: s.players, capacity, accepting: s.accepting }));
              since = 0;
            } else if (admit(r) !== undefined) {
              since += 1;
              expect(reported.accepting).toBe(true);
              expect(reported.players + since).toBeLessThanOrEqual(capacity);
            }
          }
        }),
      );
    });
  });

  describe('sweep', () => {
    test('shard registry - sweep forgets and returns only shards silent past the timeout', () => {
      const { registry: r, clock } = registry(3000);
      r.update(heartbeat('old'));
      clock.advance(2000);
      r.update(heartbeat('fresh'));
      clock.advance(1000);
      // old is silent exactly 3000 ms: not past the timeout yet.
      expect(sweep(r)).toEqual([]);
      clock.advance(1);
      expect(sweep(r)).toEqual(['old']);
      expect(r.list().map((s) => s.shard)).toEqual(['fresh']);
      expect(r.size).toBe(1);
      // Reported once: a second sweep does not report it again.
      expect(sweep(r)).toEqual([]);
    });

    test('shard registry - a batch from a shard keeps it alive like a heartbeat; an unknown shard is not added', () => {
      const { registry: r, clock } = registry(3000);
      r.update(heartbeat('s1', { players: 7 }));
      clock.advance(2500);
      r.seen('s1');
      r.seen('stranger');
      clock.advance(2500);
      expect(sweep(r)).toEqual([]);
      expect(r.list().map((s) => [s.shard, s.players])).toEqual([['s1', 7]]);
      clock.advance(501);
      expect(sweep(r)).toEqual(['s1']);
    });

    test('shard registry - a heartbeat keeps a shard alive', () => {
      const { registry: r, clock } = registry(3000);
      r.update(heartbeat('s1'));
      for (let i = 0; i < 10; i += 1) {
        clock.advance(2500);
        r.update(heartbeat('s1'));
        expect(sweep(r)).toEqual([]);
      }
      expect(r.size).toBe(1);
    });

    test('shard registry - sweep returns every lost shard and a swept shard is no longer picked', () => {
      const { registry: r, clock } = registry(1000);
      r.update(heartbeat('a', { players: 0 }));
      r.update(heartbeat('b', { players: 1 }));
      clock.advance(500);
      r.update(heartbeat('c', { players: 99 }));
      clock.advance(501);
      expect((sweep(r) as string[]).sort()).toEqual(['a', 'b']);
      expect(r.pick('a')?.shard).toBe('c');
    });

    test('shard registry - no shard is lost while the bus is down, nor on the sweep right after the gateway stalled', () => {
      const { registry: r, clock } = registry(1000, new Clock(), 2000);
      r.update(heartbeat('s1'));
      sweep(r);
      clock.advance(1500);
      expect(sweep(r, false)).toBe('unheard');
      clock.advance(1000);
      expect(sweep(r, false)).toBe('unheard');
      // Stalled: 2.5 s since the last sweep. s1 looks silent 3.5 s, but gets a fresh timeout.
      clock.advance(2500);
      expect(sweep(r)).toBe('stalled');
      expect(r.pick()?.shard).toBe('s1');
      clock.advance(1000);
      expect(sweep(r)).toEqual([]);
      clock.advance(1);
      expect(sweep(r)).toEqual(['s1']);
    });

    test('shard registry - a swept shard that beats again is known again', () => {
      const { registry: r, clock } = registry(1000);
      r.update(heartbeat('s1'));
      clock.advance(1001);
      expect(sweep(r)).toEqual(['s1']);
      expect(r.pick()).toBeUndefined();
      r.update(heartbeat('s1'));
      expect(r.pick()?.shard).toBe('s1');
    });
  });

  test('shard registry - update records what the heartbeat said and when', () => {
    const { registry: r, clock } = registry();
    r.update(heartbeat('s1', { serverId: 7, players: 3, capacity: 9, accepting: true }));
    expect(r.list()).toEqual([
      { shard: 's1', serverId: 7, players: 3, capacity: 9, accepting: true, pending: 0 },
    ]);
    expect(r.lastSeenAt('s1')).toBe(clock.t);
  });

  test('shard registry - forget removes a shard at once', () => {
    const { registry: r } = registry();
    r.update(heartbeat('s1'));
    r.forget('s1');
    expect(r.size).toBe(0);
    expect(r.pick('s1')).toBeUndefined();
  });
});
