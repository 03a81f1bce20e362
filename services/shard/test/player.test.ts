import { Packets } from '@shardgate/protocol';
import { SPAWN_RADIUS } from '../src/world';
import { VERSION, createTestWorld, rejected } from './helpers';

describe('Player lifecycle', () => {
  it('lifecycle - a new connection gets [0,null] on the next tick', () => {
    const t = createTestWorld();
    t.connect('01');
    expect(t.published).toHaveLength(0);
    t.tick();
    expect(t.received.packets('01')).toEqual([[0, null]]);
    expect(t.published[0]!.gateway).toBe('gw1');
  });

  it('lifecycle - the handshake is answered at once, outside the tick', () => {
    const t = createTestWorld();
    t.connect('01');
    t.tick();
    t.send('01', Packets.Handshake, { gVer: VERSION });
    expect(t.published).toHaveLength(2); // no tick in between
    expect(t.received.packets('01')[1]).toEqual([1, { type: 'client', instance: '01', serverId: 7, serverTime: t.clock.t - 1_000_000 }]);
  });

  it('lifecycle - Connected stays first when the handshake comes before the tick', () => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: VERSION });
    t.tick();
    expect(t.received.packets('01').map((p) => p[0])).toEqual([0, 1]);
  });

  it('lifecycle - a wrong game version is closed with updated', () => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: 'alpha-1.0.0' });
    t.tick();
    expect(t.received.closeOf('01')).toBe('updated');
    expect(t.world.players.has('01')).toBe(false);
  });

  // Exact match only: not "at least", not "same prefix", not "same major".
  it.each(['0.5.6-beta', '0.5.10-beta', '1.0.0-beta', '0.5.5-alpha', 'zeta', 'alpha-2.5.1', '0.5.5-beta.1', '0.5.5', '0.5.5-BETA'])(
    `lifecycle - game version %s (newer, unrelated, longer or shorter than ${VERSION}) is closed with updated`,
    (gVer) => {
      const t = createTestWorld();
      t.connect('01');
      t.send('01', Packets.Handshake, { gVer });
      t.tick();
      expect(t.received.closeOf('01')).toBe('updated');
      expect(t.received.ofId('01', Packets.Handshake)).toEqual([]);
    },
  );

  it('lifecycle - a second handshake is ignored', async () => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: VERSION });
    t.send('01', Packets.Handshake, { gVer: 'other' });
    t.tick();
    expect(t.received.ofId('01', Packets.Handshake)).toHaveLength(1);
    expect(t.received.closeOf('01')).toBeUndefined();
    expect(await rejected(t.metrics, 'state')).toBe(1);
  });

  it('lifecycle - a login before the handshake is closed with lost', () => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Login, { opcode: 2 });
    t.tick();
    expect(t.received.closeOf('01')).toBe('lost');
  });

  it('lifecycle - a guest login gets Welcome with Kaetram player data near the spawn point', () => {
    const t = createTestWorld({ random: Math.random });
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: VERSION });
    t.send('01', Packets.Login, { opcode: 2 });
    t.tick();
    const [welcome] = t.received.ofId('01', Packets.Welcome);
    const data = welcome![1] as Record<string, unknown>;
    expect(data).toMatchObject({
      instance: '01',
      type: 0,
      key: 'clotharmor',
      level: 1,
      hitPoints: 69,
      maxHitPoints: 69,
      mana: 44,
      maxMana: 44,
      movementSpeed: 220,
      orientation: 1,
      attackRange: 1,
      rank: 0,
    });
    expect(data.name).toMatch(/^Guest\d+$/);
    const { spawn } = t.world.map;
    expect(Math.abs((data.x as number) - spawn.x)).toBeLessThanOrEqual(SPAWN_RADIUS);
    expect(Math.abs((data.y as number) - spawn.y)).toBeLessThanOrEqual(SPAWN_RADIUS);
    expect(t.world.map.walkable(data.x as number, data.y as number)).toBe(true);
  });

  it.each([
    [0, 'invalidlogin'],
    [1, 'disabledregister'],
  ])('lifecycle - login opcode %i is closed with %s (no account store)', (opcode, reason) => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: VERSION });
    t.send('01', Packets.Login, { opcode, username: 'bob', password: 'secret' });
    t.tick();
    expect(t.received.closeOf('01')).toBe(reason);
  });

  it('lifecycle - no Ready within READY_TIMEOUT_MS is closed with error (Kaetram Player.intro)', () => {
    const t = createTestWorld({ readyTimeoutMs: 7000 });
    t.connect('01');
    t.connect('02');
    t.send('01', Packets.Handshake, { gVer: VERSION });
    t.send('02', Packets.Handshake, { gVer: VERSION });
    t.send('01', Packets.Login, { opcode: 2 });
    t.send('02', Packets.Login, { opcode: 2 });
    t.clock.advance(6999);
    t.send('02', Packets.Ready, { regionsLoaded: 0, userAgent: 'jest' });
    t.tick();
    expect(t.received.closeOf('01')).toBeUndefined();
    t.clock.advance(1);
    t.tick();
    expect(t.received.closeOf('01')).toBe('error');
    expect(t.received.closeOf('02')).toBeUndefined();
    expect(t.world.players.get('02')!.state).toBe('ready');
  });

  it('lifecycle - Ready puts the player in the world: Map, then List', () => {
    const t = createTestWorld();
    t.join('01');
    const ids = t.received.packets('01').map((p) => p[0]);
    expect(ids).toEqual([0, 1, 3, 4, 6]);
    expect(t.received.ofId('01', Packets.List)[0]).toEqual([6, 0, { entities: [] }]);
  });

  it('lifecycle - packets in the wrong state are dropped and counted, never crash', async () => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: VERSION });
    t.send('01', Packets.Movement, { opcode: 2, playerX: 1, playerY: 1 });
    t.send('01', Packets.Chat, ['hi']);
    t.send('01', Packets.Who, ['02']);
    t.send('01', Packets.List, null);
    t.send('01', Packets.Ready, null);
    t.tick();
    expect(await rejected(t.metrics, 'state')).toBe(5);
    expect(t.received.closeOf('01')).toBeUndefined();
    expect(t.received.packets('01').map((p) => p[0])).toEqual([0, 1]);
  });

  it('lifecycle - bad data and unknown instances are counted', async () => {
    const t = createTestWorld();
    t.connect('01');
    t.send('01', Packets.Handshake, { gVer: 42 });
    t.send('01', 99, {});
    t.send('nobody', Packets.Handshake, { gVer: VERSION });
    expect(await rejected(t.metrics, 'data')).toBe(2);
    expect(await rejected(t.metrics, 'player')).toBe(1);
  });

  it('lifecycle - a handler that throws is logged and counted, the shard goes on', async () => {
    const t = createTestWorld();
    t.join('01');
    const player = t.world.players.get('01')!;
    player.handle = () => {
      throw new Error('boom');
    };
    expect(() => t.send('01', Packets.List, null)).not.toThrow();
    expect(await rejected(t.metrics, 'error')).toBe(1);
  });

  it('lifecycle - a close from the gateway removes the player and its queue', () => {
    const t = createTestWorld();
    t.join('01');
    t.world.network.send('01', [0, null]);
    t.world.handleDisconnect('01');
    t.tick();
    expect(t.world.players.size).toBe(0);
    expect(t.world.network.has('01')).toBe(false);
    expect(t.received.packets('01').map((p) => p[0])).toEqual([0, 1, 3, 4, 6]); // nothing after
  });

  it('network - /ping sends [18,0,null]; the pong is answered with the latency, rate-limited', () => {
    const t = createTestWorld();
    t.join('01');
    t.send('01', Packets.Chat, ['/ping']);
    t.send('01', Packets.Chat, ['/ping']); // too soon: ignored
    t.tick();
    expect(t.received.ofId('01', Packets.Network)).toEqual([[18, 0, null]]);
    t.clock.advance(42);
    t.send('01', Packets.Network, [1]);
    t.send('01', Packets.Network, [1]); // unsolicited now: accepted, nothing sent
    t.tick();
    expect(t.received.ofId('01', Packets.Notification)).toEqual([[25, 2, { message: 'Latency of 42ms', colour: 'red', source: '' }]]);
    expect(t.world.players.get('01')!.latencyMs).toBe(42);
    expect(t.received.ofId('01', Packets.Chat)).toEqual([]); // commands are never chat
  });
});
