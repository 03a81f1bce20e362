// What players in a NEIGHBOURING region get: every relay that goes to "the surrounding
// regions" must cross a region border, and every one that leaves someone out must leave out
// exactly that one. Players are placed on known tiles (not by the random spawn), so a test
// never passes because two players happened to share a region. Assertions are on the packets
// each connection received.
import { Packets } from '@shardgate/protocol';
import { createTestWorld, placeAt, type TestWorld } from './helpers';

// The built-in map: regions of 48x48 tiles, 10 per row. Both tiles of A are walkable.
const A = { x: 239, y: 236 }; // region 44 (row 4, column 4): the actor
const B = { x: 240, y: 236 }; // region 45, beside A's: a watcher across the border
const D = { x: 240, y: 240 }; // region 55, diagonal to A's: a watcher across a corner
const C = { x: 300, y: 236 }; // region 46: in view of B, out of view of A

/** A, B, D and C in their regions, all in the world; nothing received yet counts. */
function borderWorld(): { t: TestWorld; since: Map<string, number> } {
  const t = createTestWorld();
  t.join('0a', placeAt(t.world, A.x, A.y));
  t.join('0b', placeAt(t.world, B.x, B.y));
  t.join('0d', placeAt(t.world, D.x, D.y));
  t.join('0c', placeAt(t.world, C.x, C.y));
  const since = new Map(['0a', '0b', '0c', '0d'].map((i) => [i, t.received.packets(i).length]));
  return { t, since };
}

/** Packets of `id` that `instance` got after the world was set up. */
function got(t: TestWorld, since: Map<string, number>, instance: string, id: number): unknown[][] {
  return t.received.packets(instance).slice(since.get(instance)).filter((p) => p[0] === id);
}

describe('region borders', () => {
  it('region borders - the set-up: B and D see A across the border, C does not', () => {
    const t = createTestWorld();
    t.join('0a', placeAt(t.world, A.x, A.y));
    t.join('0b', placeAt(t.world, B.x, B.y));
    t.join('0d', placeAt(t.world, D.x, D.y));
    t.join('0c', placeAt(t.world, C.x, C.y));
    // Who is in view: the List a newcomer got, and the Spawns of those who came after.
    const sees = (instance: string) =>
      [
        ...t.received.ofId(instance, Packets.List).flatMap((p) => (p[2] as { entities: string[] }).entities),
        ...t.received.ofId(instance, Packets.Spawn).map((p) => (p[1] as { instance: string }).instance),
      ].sort();
    expect(sees('0a')).toEqual(['0b', '0d']);
    expect(sees('0b')).toEqual(['0a', '0c', '0d']);
    expect(sees('0c')).toEqual(['0b', '0d']);
  });

  it('region borders - a Stop is relayed (as Kaetram does, as the final Move) to the players in the neighbouring regions, never the mover', () => {
    const { t, since } = borderWorld();
    t.send('0a', Packets.Movement, { opcode: 3, playerX: A.x, playerY: A.y, orientation: 1 });
    t.tick();
    const stop = [11, 4, { instance: '0a', x: A.x, y: A.y, forced: false }];
    expect(got(t, since, '0b', Packets.Movement)).toEqual([stop]);
    expect(got(t, since, '0d', Packets.Movement)).toEqual([stop]);
    expect(got(t, since, '0a', Packets.Movement)).toEqual([]);
    expect(got(t, since, '0c', Packets.Movement)).toEqual([]);
  });

  it('region borders - a step is relayed as Move to the neighbouring regions, never to the mover', () => {
    const { t, since } = borderWorld();
    t.clock.advance(250);
    t.send('0a', Packets.Movement, { opcode: 2, playerX: A.x, playerY: A.y - 1 });
    t.tick();
    const move = [11, 4, { instance: '0a', x: A.x, y: A.y - 1, forced: false }];
    expect(got(t, since, '0b', Packets.Movement)).toEqual([move]);
    expect(got(t, since, '0d', Packets.Movement)).toEqual([move]);
    expect(got(t, since, '0a', Packets.Movement)).toEqual([]);
  });

  it('region borders - chat reaches the sender and the neighbouring regions, and no further', () => {
    const { t, since } = borderWorld();
    t.send('0a', Packets.Chat, ['over the border']);
    t.tick();
    const heard = (instance: string) => got(t, since, instance, Packets.Chat).map((p) => (p[1] as { message: string }).message);
    expect(heard('0a')).toEqual(['over the border']);
    expect(heard('0b')).toEqual(['over the border']);
    expect(heard('0d')).toEqual(['over the border']);
    expect(heard('0c')).toEqual([]);
  });

  it('region borders - a player who leaves is despawned for the watchers in the neighbouring regions', () => {
    const { t, since } = borderWorld();
    t.disconnect('0a');
    t.tick();
    expect(got(t, since, '0b', Packets.Despawn)).toEqual([[13, { instance: '0a' }]]);
    expect(got(t, since, '0d', Packets.Despawn)).toEqual([[13, { instance: '0a' }]]);
    expect(got(t, since, '0c', Packets.Despawn)).toEqual([]);
  });
});
