import { Packets } from '@shardgate/protocol';
import { decodeMapPacket } from '../src/map-codec';
import { createTestWorld, placeAt } from './helpers';

const step = (x: number, y: number) => ({ opcode: 2, playerX: x, playerY: y });

describe('World visibility', () => {
  it('visibility - newcomers near the spawn point see each other', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const spawnOfB = t.received.ofId('0a', Packets.Spawn);
    expect(spawnOfB).toHaveLength(1);
    expect(spawnOfB[0]![1]).toMatchObject({ instance: '0b', type: 0, name: expect.stringMatching(/^Guest\d+$/), movementSpeed: 220 });
    expect(t.received.ofId('0b', Packets.List)).toEqual([[6, 0, { entities: ['0a'] }]]);
    // The client asks for what it lacks; only players in view are answered.
    t.send('0b', Packets.Who, ['0a', '0zz', '0b']);
    t.tick();
    const spawns = t.received.ofId('0b', Packets.Spawn);
    expect(spawns.map((p) => (p[1] as { instance: string }).instance)).toEqual(['0a']);
  });

  it('visibility - List from the client is answered with List again', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    t.send('0a', Packets.List, null);
    t.tick();
    expect(t.received.ofId('0a', Packets.List)).toEqual([
      [6, 0, { entities: [] }],
      [6, 0, { entities: ['0b'] }],
    ]);
  });

  it('visibility - a far player sees nothing and is seen by no one', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0c', placeAt(t.world, 400, 400));
    const a = t.world.players.get('0a')!;
    t.send('0a', Packets.Movement, step(a.x + 1, a.y));
    t.send('0a', Packets.Chat, ['hello']);
    t.send('0c', Packets.Who, ['0a']);
    t.tick();
    expect(t.received.ofId('0c', Packets.List)).toEqual([[6, 0, { entities: [] }]]);
    expect(t.received.packets('0c').filter((p) => [5, 11, 19].includes(p[0] as number))).toEqual([]);
    expect(t.received.ofId('0a', Packets.Spawn)).toEqual([]);
  });

  it('visibility - crossing a region border spawns and despawns both ways, with Map for the new regions', () => {
    const t = createTestWorld();
    t.join('0a', placeAt(t.world, 239, 236)); // region 44 (column 4)
    t.join('0b', placeAt(t.world, 300, 236)); // region 46 (column 6): out of view
    expect(t.received.ofId('0a', Packets.Spawn)).toEqual([]);
    const mapsBefore = t.received.ofId('0a', Packets.Map).length;

    t.clock.advance(250);
    t.send('0a', Packets.Movement, step(240, 236)); // into region 45: column 6 comes into view
    t.tick();
    const maps = t.received.ofId('0a', Packets.Map).slice(mapsBefore);
    expect(maps.map((m) => Object.keys(decodeMapPacket(m))).flat().sort()).toEqual(['36', '46', '56']);
    expect(t.received.ofId('0a', Packets.Spawn).map((p) => (p[1] as { instance: string }).instance)).toEqual(['0b']);
    expect(t.received.ofId('0b', Packets.Spawn)).toEqual([[5, expect.objectContaining({ instance: '0a', x: 240, y: 236 })]]);

    t.clock.advance(250);
    t.send('0a', Packets.Movement, step(239, 236)); // back: column 6 out of view again
    t.tick();
    expect(t.received.ofId('0a', Packets.Despawn)).toEqual([[13, { instance: '0b' }]]);
    expect(t.received.ofId('0b', Packets.Despawn)).toEqual([[13, { instance: '0a' }]]);
    expect(t.received.ofId('0a', Packets.Map)).toHaveLength(mapsBefore + 3); // column 3 was loaded already
  });

  it('visibility - a player who leaves is despawned for those who saw it', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    t.join('0c', placeAt(t.world, 400, 400));
    t.world.handleDisconnect('0b');
    t.tick();
    expect(t.received.ofId('0a', Packets.Despawn)).toEqual([[13, { instance: '0b' }]]);
    expect(t.received.ofId('0c', Packets.Despawn)).toEqual([]);
    t.world.players.get('0a')!.close('timeout');
    t.tick();
    expect(t.received.ofId('0b', Packets.Despawn)).toEqual([]); // gone already
    expect(t.world.regions.membersOf(t.world.map.grid.regionAt(236, 236))).toHaveLength(0);
  });
});

describe('Player chat', () => {
  it('chat - trimmed, escaped, sent to the surrounding regions including the sender', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    t.join('0c', placeAt(t.world, 400, 400));
    t.send('0a', Packets.Chat, ['   hi <b>all</b> & "you"  ']);
    t.tick();
    const name = t.world.players.get('0a')!.name;
    const expected = [[19, { instance: '0a', name, message: 'hi &lt;b&gt;all&lt;/b&gt; &amp; &quot;you&quot;', withBubble: true, colour: '' }]];
    expect(t.received.ofId('0a', Packets.Chat)).toEqual(expected);
    expect(t.received.ofId('0b', Packets.Chat)).toEqual(expected);
    expect(t.received.ofId('0c', Packets.Chat)).toEqual([]);
  });

  it('chat - empty messages are ignored, long ones are capped', () => {
    const t = createTestWorld();
    t.join('0a');
    t.send('0a', Packets.Chat, ['   \t ']);
    t.send('0a', Packets.Chat, ['x'.repeat(1000)]);
    t.tick();
    const chats = t.received.ofId('0a', Packets.Chat);
    expect(chats).toHaveLength(1);
    expect((chats[0]![1] as { message: string }).message).toBe('x'.repeat(256));
  });
});
