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

/** Picks and reserves like the gateway does for each admitted connection; undefined = worldfull. */
function admit(registry: ShardRegistry, preferred?: string): string | undefined {
  const info = registry.pick(preferred);
  if (info) registry.reserve(info.shard);
  return info?.shard;
}

/** A connection that also logs in (the gateway counts its Login toward the shard's room). */
function join(registry: ShardRegistry, preferred?: string): string | undefined {
  const shard = admit(registry, preferred);
  if (shard !== undefined) registry.loggingIn(shard);
  return shard;
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
        logins: fc.nat(5),
      });
      fc.assert(
        fc.property(fc.array(shard, { maxLength: 6 }), fc.option(fc.nat(7), { nil: undefined }), (shards, want) => {
          const { registry: r } = registry();
          shards.forEach((s, i) => {
            r.update(heartbeat(`s${i}`, s));
            for (let k = 0; k < s.reserved; k += 1) r.reserve(`s${i}`);
            for (let k = 0; k < s.logins; k += 1) r.loggingIn(`s${i}`);
          });
          const load = (s: (typeof shards)[number]) => s.players + Math.max(s.reserved, s.logins);
          // Room: the heartbeat's players (slots taken at Login) plus logins since; connections only weigh the choice.
          const withRoom = shards.map((s, i) => ({ s, id: `s${i}` })).filter(({ s }) => s.accepting && s.players + s.logins < s.capacity);
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
      r.update(heartbeat('2', { serverId: 2, players: 1, gameVersion: 'new-2' }));
      expect(r.gameVersion()).toBe('new-2'); // the least loaded
      expect(r.gameVersion('1')).toBe('old-1'); // the world asked for
      r.update(heartbeat('2', { serverId: 2, players: 1, accepting: false, gameVersion: 'new-2' }));
      expect(r.gameVersion()).toBe('old-1');
      r.update(heartbeat('1', { players: 5, accepting: false }));
      expect(r.gameVersion()).toBe('new-2'); // nobody accepts: any shard that says
    });
  });

  describe('reserve', () => {
    test('shard registry - connections sent between heartbeats take no room: a burst of silent sockets is never refused (capacity 3, 5 connections)', () => {
      const { registry: r } = registry();
      r.update(heartbeat('s1', { players: 0, capacity: 3 }));
      const placed = Array.from({ length: 5 }, () => admit(r));
      // The shard gives a slot at Login and refuses the Login past its capacity.
      expect(placed).toEqual(['s1', 's1', 's1', 's1', 's1']);
      expect(r.list()[0]).toMatchObject({ opened: 5, pending: 0 });
    });

    test('shard registry - logins between heartbeats take room: a burst of players cannot be routed past capacity (capacity 3, 5 players)', () => {
      const { registry: r } = registry();
      r.update(heartbeat('s1', { players: 0, capacity: 3 }));
      expect(Array.from({ length: 5 }, () => join(r))).toEqual(['s1', 's1', 's1', undefined, undefined]);
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

    test('shard registry - a burst of players asking for one shard fills it and then spills over', () => {
      const { registry: r } = registry();
      r.update(heartbeat('wanted', { players: 1, capacity: 3 }));
      r.update(heartbeat('other', { players: 50, capacity: 100 }));
      expect(Array.from({ length: 4 }, () => join(r, 'wanted'))).toEqual(['wanted', 'wanted', 'other', 'other']);
    });

    test('shard registry - reserve on an unknown shard is harmless', () => {
      const { registry: r } = registry();
      expect(() => r.reserve('ghost')).not.toThrow();
      expect(() => r.loggingIn('ghost')).not.toThrow();
      expect(r.size).toBe(0);
    });

    test('shard registry - a heartbeat resets what was sent since to what the shard reports', () => {
      const { registry: r } = registry();
      r.update(heartbeat('s1', { players: 0, capacity: 3 }));
      join(r);
      join(r);
      join(r);
      expect(admit(r)).toBeUndefined();
      expect(r.list()[0]).toMatchObject({ pending: 3, opened: 3 });
      // The shard now counts the three players itself, and one of them already left.
      r.update(heartbeat('s1', { players: 2, capacity: 3 }));
      expect(r.list()[0]).toMatchObject({ pending: 0, opened: 0 });
      expect(join(r)).toBe('s1');
      expect(join(r)).toBeUndefined();
    });

    test('shard registry - however connections, logins and heartbeats interleave, logins never exceed the room a heartbeat reported, and connections alone never fill it', () => {
      const step = fc.oneof(
        fc.constant({ kind: 'connect' as const }),
        fc.constant({ kind: 'join' as const }),
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
            } else if (s.kind === 'connect') {
              expect(admit(r) !== undefined).toBe(reported.accepting && reported.players + since < capacity);
            } else if (join(r) !== undefined) {
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

  // When it was heard is seen through judge() (the sweep tests above).
  test('shard registry - update records what the heartbeat said', () => {
    const { registry: r } = registry();
    r.update(heartbeat('s1', { serverId: 7, players: 3, capacity: 9, accepting: true }));
    expect(r.list()).toEqual([
      { shard: 's1', serverId: 7, players: 3, capacity: 9, accepting: true, pending: 0, opened: 0, spawn: false },
    ]);
  });
});

describe('shard registry with worlds of several shards', () => {
  test('worlds - ?world=<id> names a world: its spawn owner takes the new player, whatever its load', () => {
    const { registry: r } = registry();
    r.update(heartbeat('a1', { serverId: 1, players: 50, spawn: true }));
    r.update(heartbeat('a2', { serverId: 1, players: 5 }));
    r.update(heartbeat('b1', { serverId: 2, players: 0, spawn: true }));
    expect(r.pick('1')?.shard).toBe('a1');
    expect(r.pick('2')?.shard).toBe('b1');
  });

  test('worlds - a full spawn owner: the least loaded shard of the world takes him (and hands him over at login)', () => {
    const { registry: r } = registry();
    r.update(heartbeat('a1', { serverId: 1, players: 100, capacity: 100, spawn: true }));
    r.update(heartbeat('a2', { serverId: 1, players: 30 }));
    r.update(heartbeat('a3', { serverId: 1, players: 10 }));
    expect(r.pick('1')?.shard).toBe('a3');
  });

  test('worlds - without a world, the least loaded world by share of capacity, then its spawn owner', () => {
    const { registry: r } = registry();
    r.update(heartbeat('a1', { serverId: 1, players: 60, capacity: 100, spawn: true }));
    r.update(heartbeat('a2', { serverId: 1, players: 60, capacity: 100 }));
    r.update(heartbeat('b1', { serverId: 2, players: 30, capacity: 100 }));
    r.update(heartbeat('b2', { serverId: 2, players: 10, capacity: 100, spawn: true }));
    expect(r.pick()?.shard).toBe('b2');
    // A shard id still works as before.
    expect(r.pick('a2')?.shard).toBe('a2');
  });
});

describe('shard registry and restarts', () => {
  test('restart - a heartbeat from a new process under a known id says so (its old players are lost)', () => {
    const { registry: r } = registry();
    expect(r.update(heartbeat('s1', { boot: 'aaa' }))).toBe(false);
    expect(r.update(heartbeat('s1', { boot: 'aaa', players: 3 }))).toBe(false);
    expect(r.update(heartbeat('s1', { boot: 'bbb' }))).toBe(true);
    expect(r.update(heartbeat('s1', { boot: 'bbb' }))).toBe(false);
    // Shards that do not say their boot are never judged restarted.
    expect(r.update(heartbeat('s2'))).toBe(false);
    expect(r.update(heartbeat('s2'))).toBe(false);
  });
});
