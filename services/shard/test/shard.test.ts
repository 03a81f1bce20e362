import { InProcessBus } from '@shardgate/bus';
import {
  EventKind,
  Packets,
  createSubjects,
  decodeShardBatch,
  decodeShardHeartbeat,
  encodeEnvelope,
} from '@shardgate/protocol';
import type { ClientEvent, ShardHeartbeat } from '@shardgate/protocol';
import { Shard } from '../src/shard';
import { SHARD_DEFAULTS, type ShardConfig } from '../src/config';
import { Received, VERSION, freshMetrics, rejected, sharedMap, silentLogger, type Published } from './helpers';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// Whatever a test started is stopped even when it fails, so that no tick timer outlives it.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A fake gateway on the real in-process bus: sends batches, records what the shard sends back. */
async function setup(overrides: Partial<ShardConfig> = {}) {
  const bus = new InProcessBus();
  const subjects = createSubjects(`t${Math.floor(Math.random() * 1e9)}`);
  const { metrics } = freshMetrics();
  const config: ShardConfig = { ...SHARD_DEFAULTS, serverId: 3, tickMs: 10, heartbeatMs: 50, gatewayTimeoutMs: 300, ...overrides };
  const shard = new Shard({ config, bus, subjects, logger: silentLogger(), metrics, map: sharedMap() });
  cleanups.push(async () => {
    await shard.stop();
    await bus.close();
  });
  const published: Published[] = [];
  const heartbeats: ShardHeartbeat[] = [];
  for (const gateway of ['gw1', 'gw2']) {
    bus.subscribe(subjects.gatewayInbox(gateway), (payload) => published.push({ gateway, batch: decodeShardBatch(payload) }));
  }
  bus.subscribe(subjects.shardHeartbeat, (payload) => heartbeats.push(decodeShardHeartbeat(payload)));
  const send = (events: ClientEvent[], gateway = 'gw1') =>
    bus.publish(subjects.shardInbox('3'), encodeEnvelope({ gateway, events }));
  const open = (instance: string, gateway = 'gw1'): ClientEvent => [EventKind.Open, instance, '10.0.0.1', gateway];
  const message = (instance: string, id: number, data: unknown): ClientEvent => [EventKind.Message, instance, id, data];
  return { bus, subjects, metrics, shard, published, heartbeats, received: new Received(published), send, open, message };
}

describe('Shard over the in-process bus', () => {
  it('shard - heartbeat at start, Connected on the tick, handshake at once, a player in the world', async () => {
    const s = await setup();
    await s.shard.start();
    expect(s.shard.ready).toBe(true);
    await waitFor(() => s.heartbeats.length > 0, 'first heartbeat');
    expect(s.heartbeats[0]).toEqual({ shard: '3', players: 0, capacity: 1000, accepting: true, serverId: 3, spawn: true, gameVersion: '0.5.5-beta', boot: expect.stringMatching(/^[0-9a-f]{12}$/) });

    s.send([s.open('0100001')]);
    await waitFor(() => s.received.packets('0100001').length === 1, 'Connected');
    expect(s.received.packets('0100001')).toEqual([[0, null]]);
    expect(s.shard.players).toBe(1);

    s.send([s.message('0100001', Packets.Handshake, { gVer: VERSION })]);
    await waitFor(() => s.received.ofId('0100001', Packets.Handshake).length === 1, 'handshake');
    expect(s.received.ofId('0100001', Packets.Handshake)[0]![1]).toMatchObject({ type: 'client', instance: '0100001', serverId: 3 });

    s.send([s.message('0100001', Packets.Login, { opcode: 2 }), s.message('0100001', Packets.Ready, { regionsLoaded: 0, userAgent: 'jest' })]);
    await waitFor(() => s.received.ofId('0100001', Packets.List).length === 1, 'List');
    expect(s.received.packets('0100001').map((p) => p[0])).toEqual([0, 1, 3, 4, 6]);
    await waitFor(() => s.heartbeats.at(-1)!.players === 1, 'heartbeat counting the player');
  });

  it('shard - a connection takes a slot at Login: past MAX_PLAYERS the Login gets worldfull, and then an open does at once', async () => {
    const s = await setup({ maxPlayers: 1 });
    await s.shard.start();
    const hello = (instance: string) => [s.message(instance, Packets.Handshake, { gVer: VERSION })];
    // Two connections and a silent third: none of them takes a slot yet.
    s.send([s.open('0100001'), s.open('0100002'), s.open('0100003'), ...hello('0100001'), ...hello('0100002')]);
    await waitFor(() => s.received.ofId('0100002', Packets.Handshake).length === 1, 'both handshakes');
    expect(s.shard.players).toBe(3);
    await waitFor(() => s.heartbeats.length > 0, 'a heartbeat');
    expect(s.heartbeats.at(-1)!.players).toBe(0);
    s.send([s.message('0100002', Packets.Login, { opcode: 2 }), s.message('0100001', Packets.Login, { opcode: 2 })]);
    await waitFor(() => s.received.closeOf('0100001') !== undefined, 'the refused login');
    expect(s.received.ofId('0100002', Packets.Welcome)).toHaveLength(1);
    expect(s.received.closeOf('0100001')).toBe('worldfull');
    await waitFor(() => s.heartbeats.at(-1)!.players === 1, 'heartbeat counting the slot');
    // The world is full of players: a new connection is refused at once.
    s.send([s.open('0100004')]);
    await waitFor(() => s.received.closeOf('0100004') !== undefined, 'refusal');
    expect(s.received.closeOf('0100004')).toBe('worldfull');
    // The player leaves: the slot is free for the silent connection, should it log in.
    s.send([[EventKind.Close, '0100002', 'gone'], ...hello('0100003'), s.message('0100003', Packets.Login, { opcode: 2 })]);
    await waitFor(() => s.received.ofId('0100003', Packets.Welcome).length === 1, 'the slot taken again');
    expect(s.received.closeOf('0100003')).toBeUndefined();
  });

  it('shard - bad envelopes and events are counted, never thrown', async () => {
    const s = await setup();
    await s.shard.start();
    s.bus.publish(s.subjects.shardInbox('3'), new Uint8Array([0xc1, 0x00]));
    s.bus.publish(s.subjects.shardInbox('3'), encodeEnvelope({ gateway: 'bad.gateway', events: [] }));
    s.send([[9, 'x'] as unknown as ClientEvent, [EventKind.Open, '0100001', 5, 'gw1'] as unknown as ClientEvent, s.open('0100002')]);
    s.bus.publish(s.subjects.gatewayHeartbeat, new Uint8Array([1, 2, 3]));
    await waitFor(() => s.received.packets('0100002').length === 1, 'the good open');
    expect(await rejected(s.metrics, 'envelope')).toBe(5);
  });

  it("shard - a silent gateway's players are despawned, a live one's are kept", async () => {
    const s = await setup({ gatewayTimeoutMs: 200 });
    await s.shard.start();
    const join = (instance: string, gateway: string) =>
      s.send(
        [
          s.open(instance, gateway),
          s.message(instance, Packets.Handshake, { gVer: VERSION }),
          s.message(instance, Packets.Login, { opcode: 2 }),
          s.message(instance, Packets.Ready, null),
        ],
        gateway,
      );
    // Both gateways beat until both players are in; then gw1 falls silent.
    const beating = new Set(['gw1', 'gw2']);
    const alive = setInterval(() => {
      for (const gateway of beating) s.bus.publish(s.subjects.gatewayHeartbeat, encodeEnvelope({ gateway, connections: 1 }));
    }, 50);
    join('0100001', 'gw1');
    join('0200001', 'gw2');
    try {
      await waitFor(() => s.received.ofId('0100001', Packets.Spawn).length === 1, 'both in the world');
      beating.delete('gw1');
      await waitFor(() => s.received.closeOf('0100001') !== undefined, 'gw1 players despawned', 3000);
      expect(s.shard.players).toBe(1);
      expect(s.received.ofId('0200001', Packets.Despawn)).toEqual([[13, { instance: '0100001' }]]);
      expect(s.received.closeOf('0100001')).toBe('lost');
      expect(s.shard.world.players.has('0200001')).toBe(true);
    } finally {
      clearInterval(alive);
    }
  });

  it('shard - its own stall does not despawn the players of gateways that kept beating', async () => {
    const s = await setup({ gatewayTimeoutMs: 300 });
    await s.shard.start();
    const alive = setInterval(() => s.bus.publish(s.subjects.gatewayHeartbeat, encodeEnvelope({ gateway: 'gw1', connections: 1 })), 50);
    s.send([
      s.open('0100001', 'gw1'),
      s.message('0100001', Packets.Handshake, { gVer: VERSION }),
      s.message('0100001', Packets.Login, { opcode: 2 }),
      s.message('0100001', Packets.Ready, null),
    ], 'gw1');
    try {
      await waitFor(() => s.received.ofId('0100001', Packets.Welcome).length === 1, 'in the world');
      // Blocked for 4x the gateway timeout: after it, the tick's timer runs before the
      // heartbeats waiting in the bus are read, and the gateway only looks silent.
      const until = performance.now() + 1200;
      while (performance.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(s.received.closeOf('0100001')).toBeUndefined();
      expect(s.shard.world.players.has('0100001')).toBe(true);
    } finally {
      clearInterval(alive);
    }
  });

  it('shard - stop notifies the players, closes them with maintenance and announces accepting false', async () => {
    const s = await setup();
    await s.shard.start();
    s.send([
      s.open('0100001'),
      s.message('0100001', Packets.Handshake, { gVer: VERSION }),
      s.message('0100001', Packets.Login, { opcode: 2 }),
      s.message('0100001', Packets.Ready, null),
      s.open('0100002'),
    ]);
    await waitFor(() => s.received.ofId('0100001', Packets.List).length === 1, 'player in the world');
    await s.shard.stop({ notify: 'Back soon.' });
    expect(s.shard.ready).toBe(false);
    await waitFor(() => s.received.closeOf('0100002') !== undefined, 'closes delivered');
    expect(s.received.ofId('0100001', Packets.Notification)).toEqual([[25, 2, { message: 'Back soon.', colour: '', source: '' }]]);
    expect(s.received.closeOf('0100001')).toBe('maintenance');
    expect(s.received.closeOf('0100002')).toBe('maintenance');
    expect(s.received.ofId('0100002', Packets.Notification)).toEqual([]); // not in the world yet
    expect(s.heartbeats.at(-1)).toMatchObject({ accepting: false, players: 0 });
    const count = s.published.length;
    s.send([s.open('0100003')]); // unsubscribed: nobody answers
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.published).toHaveLength(count);
  });
});
