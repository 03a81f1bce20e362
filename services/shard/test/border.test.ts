import { Packets } from '@shardgate/protocol';
import { decodeMapPacket, type MapPacket } from '../src/map-codec';
import { Cluster, perSender } from './cluster';

const regionsOf = (text: string) => Object.keys(decodeMapPacket(JSON.parse(text) as MapPacket));
const step = (x: number, y: number) => ({ opcode: 2, playerX: x, playerY: y });
const stop = (x: number, y: number, orientation: number) => ({ opcode: 3, playerX: x, playerY: y, orientation });

/** mulberry32: the same walk on every run. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOTS = 12;
// The built-in map: 10x10 regions of 48 tiles. Three shards own regions [0,33) [33,66) [66,100):
// the borders run along region row 3 (x = 144 splits it) and row 6 (x = 288).
const START = Array.from({ length: BOTS }, (_, i) => ({ x: 100 + i * 12, y: 100 + (i % 6) * 8 }));

interface Script {
  cluster: Cluster;
  ids: string[];
}

/** Joins, walks across borders, stops, chats, teleports, chats, leaves: one action at a time. */
function runScript(shards: string[], options: { walkSteps?: number } = {}): Script {
  const cluster = new Cluster(shards);
  const ids = START.map((_, i) => `0${String(i + 10)}`);
  const random = prng(7);
  const pos = START.map((p) => ({ ...p }));
  ids.forEach((id, i) => cluster.join(id, pos[i]!));
  const walkSteps = options.walkSteps ?? 150;
  for (let s = 0; s < walkSteps; s++) {
    for (let i = 0; i < BOTS; i++) {
      // Mostly down and right: every bot crosses at least one shard border.
      const dx = random() < 0.55 ? 1 : random() < 0.5 ? 0 : -1;
      const dy = random() < 0.65 ? 1 : random() < 0.5 ? 0 : -1;
      const next = { x: Math.min(470, Math.max(2, pos[i]!.x + dx)), y: Math.min(470, Math.max(2, pos[i]!.y + dy)) };
      pos[i] = next;
      cluster.send(ids[i]!, Packets.Movement, step(next.x, next.y));
      cluster.settle();
    }
    cluster.tick(300);
  }
  for (let i = 0; i < BOTS; i++) {
    cluster.send(ids[i]!, Packets.Movement, stop(pos[i]!.x, pos[i]!.y, i % 4));
    cluster.settle();
  }
  for (let i = 0; i < BOTS; i++) {
    cluster.send(ids[i]!, Packets.Chat, [`hello from ${ids[i]}`]);
    cluster.settle();
  }
  // One teleport each, into another band of the map (another shard, mostly).
  for (let i = 0; i < BOTS; i++) {
    const to = { x: 60 + ((i * 97) % 360), y: 400 - ((i * 131) % 380) };
    expect(cluster.teleport(ids[i]!, to.x, to.y)).toBe(true);
    pos[i] = to;
    cluster.settle();
  }
  for (let i = 0; i < BOTS; i++) {
    cluster.send(ids[i]!, Packets.Chat, [`again from ${ids[i]}`]);
    cluster.settle();
  }
  for (let i = 0; i < BOTS; i += 3) {
    cluster.disconnect(ids[i]!);
    cluster.settle();
  }
  cluster.settle();
  return { cluster, ids };
}

describe('a world on several shards', () => {
  it('border - the same script on 1 shard and on 3 shards: every client receives the same packets per sender, in order', async () => {
    const one = runScript(['a']);
    const three = runScript(['a', 'b', 'c']);
    for (const id of one.ids) {
      const expected = perSender(one.cluster.received.get(id)!, regionsOf);
      const actual = perSender(three.cluster.received.get(id)!, regionsOf);
      expect({ id, packets: actual }).toEqual({ id, packets: expected });
      expect(three.cluster.closes.get(id)).toBe(one.cluster.closes.get(id));
    }
    // The script is only an oracle if players really crossed borders and saw each other across them.
    const chats = one.ids.map((id) => one.cluster.received.get(id)!.filter((t) => t.startsWith(`[${Packets.Chat},`)).length);
    expect(chats.reduce((a, b) => a + b, 0)).toBeGreaterThan(BOTS * 2);
    expect(await three.cluster.total((m) => m.handoffs, { cause: 'walk' })).toBeGreaterThanOrEqual(BOTS);
    expect(await three.cluster.total((m) => m.handoffs, { cause: 'teleport' })).toBeGreaterThan(0);
    expect(await three.cluster.total((m) => m.borderPackets)).toBeGreaterThan(50);
    expect(await three.cluster.total((m) => m.peerRejected)).toBe(0);
    expect(await one.cluster.total((m) => m.handoffs)).toBe(0);
    // Every player is held by exactly one shard, the one his gateway routes to.
    for (const id of three.ids) {
      const holders = [...three.cluster.worlds.entries()].filter(([, w]) => w.players.has(id)).map(([s]) => s);
      if (three.cluster.closes.has(id) || holders.length === 0) continue;
      expect({ id, holders }).toEqual({ id, holders: [three.cluster.route.get(id)] });
    }
  });
});

describe('changes of ownership', () => {
  it('drain - a shard leaving the world hands every player to the owners of his region; they keep playing', async () => {
    const cluster = new Cluster(['a', 'b', 'c']);
    const ids = ['0p1', '0p2', '0p3'];
    ids.forEach((id, i) => cluster.join(id, { x: 230 + i, y: 232 })); // region 44: b's
    expect(ids.map((id) => cluster.holder(id))).toEqual(['b', 'b', 'b']);
    const next = cluster.table.next(['a', 'c']);
    cluster.table = next;
    for (const world of cluster.worlds.values()) world.applyTable(next);
    cluster.world('b').drain();
    cluster.settle();
    expect(ids.map((id) => cluster.holder(id))).toEqual(['a', 'a', 'a']);
    expect(ids.map((id) => cluster.route.get(id))).toEqual(['a', 'a', 'a']);
    expect(cluster.world('b').held).toBe(0);
    expect(cluster.world('b').unfenced).toBe(0);
    expect(await cluster.total((m) => m.handoffs, { cause: 'drain' })).toBe(3);
    cluster.send('0p1', Packets.Chat, ['still here']);
    cluster.settle();
    for (const id of ids) expect(cluster.received.get(id)!.filter((t) => t.includes('still here'))).toHaveLength(1);
  });
});

describe('scale out and bad peers', () => {
  it('scale out - a shard joining takes its share: players standing there are handed over, nobody notices', async () => {
    const cluster = new Cluster(['a']);
    const ids = ['0q1', '0q2', '0q3', '0q4'];
    const spots = [
      { x: 60, y: 60 },
      { x: 400, y: 400 },
      { x: 402, y: 400 },
      { x: 236, y: 236 },
    ];
    ids.forEach((id, i) => cluster.join(id, spots[i]!));
    // A shard 'b' joins: it owns the second half of the regions (50..99).
    const next = cluster.table.next(['a', 'b']);
    cluster.addShard('b');
    cluster.table = next;
    for (const world of cluster.worlds.values()) world.applyTable(next);
    cluster.settle();
    expect(ids.map((id) => cluster.holder(id))).toEqual(['a', 'b', 'b', 'a']);
    expect(ids.map((id) => cluster.route.get(id))).toEqual(['a', 'b', 'b', 'a']);
    expect(await cluster.total((m) => m.handoffs, { cause: 'rebalance' })).toBe(2);
    // They still see each other and talk, across the new border too.
    const before = cluster.received.get('0q3')!.length;
    cluster.send('0q2', Packets.Chat, ['after the split']);
    cluster.settle();
    const got = cluster.received.get('0q3')!.slice(before);
    expect(got.filter((t) => t.includes('after the split'))).toHaveLength(1);
    expect(got.filter((t) => t.startsWith(`[${Packets.Despawn},`) || t.startsWith(`[${Packets.Spawn},`))).toEqual([]);
  });

  it('held steps - a walker crossing while his gateway is slow to fence is not sent back', async () => {
    const cluster = new Cluster(['a', 'b', 'c']);
    cluster.join('0w1', { x: 150, y: 142 }); // region 23: a's; region 33 (y >= 144, x >= 144) is b's
    cluster.fenceDelay = true; // the gateway's fence waits until released
    let y = 142;
    for (let i = 0; i < 6; i++) {
      cluster.clock.advance(260);
      y += 1;
      cluster.send('0w1', Packets.Movement, step(150, y));
      cluster.tick(0);
    }
    cluster.fenceDelay = false;
    cluster.settle();
    expect(cluster.holder('0w1')).toBe('b');
    expect(await cluster.total((m) => m.packetsRejected, { reason: 'movement' })).toBe(0);
    expect(cluster.world('b').players.get('0w1')!.y).toBe(148);
  });

  it('ping-pong - stepping back and forth over a border faster than the fences come: no step lost, reordered or refused', async () => {
    const cluster = new Cluster(['a', 'b', 'c']);
    cluster.join('0k1', { x: 143, y: 160 }); // region 32 (a's); x = 144 is region 33 (b's)
    cluster.fenceDelay = true;
    let x = 143;
    for (let i = 0; i < 9; i++) {
      cluster.clock.advance(260);
      x = x === 143 ? 144 : 143;
      cluster.send('0k1', Packets.Movement, step(x, 160));
      cluster.tick(0);
    }
    cluster.fenceDelay = false;
    cluster.settle(200); // each held step back and forth is a hand-off of its own, a few ticks each
    expect(x).toBe(144);
    expect(cluster.holder('0k1')).toBe('b');
    expect(cluster.route.get('0k1')).toBe('b');
    expect(cluster.world('b').players.get('0k1')!.x).toBe(144);
    expect(await cluster.total((m) => m.packetsRejected, { reason: 'movement' })).toBe(0);
    expect(await cluster.total((m) => m.peerRejected)).toBe(0);
    for (const world of cluster.worlds.values()) expect([world.border.fenceWaiting, world.unfenced]).toEqual([0, 0]);
  });

  it("on his way - what the new shard's players say while a player is being handed to it reaches him once", async () => {
    const cluster = new Cluster(['a', 'b', 'c']);
    cluster.join('0m1', { x: 143, y: 160 }); // a's region 32, at the border with b's 33
    cluster.join('0m2', { x: 150, y: 160 }); // b's region 33, in sight
    cluster.join('0m3', { x: 140, y: 150 }); // a's, in sight of both
    cluster.peerDelay = true; // the hand-off is on its way
    cluster.clock.advance(260);
    cluster.send('0m1', Packets.Movement, step(144, 160));
    cluster.send('0m2', Packets.Chat, ['while you travel']);
    cluster.send('0m3', Packets.Chat, ['from the old side']);
    cluster.peerDelay = false;
    cluster.settle();
    expect(cluster.holder('0m1')).toBe('b');
    const heard = (id: string, text: string) => cluster.received.get(id)!.filter((t) => t.includes(text)).length;
    expect(['0m1', '0m2', '0m3'].map((id) => [heard(id, 'while you travel'), heard(id, 'from the old side')])).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });

  it('stale hand-off - a player handed over under an old table is taken all the same (refusing him would lose him)', async () => {
    const cluster = new Cluster(['a', 'b']);
    cluster.join('0s1', { x: 400, y: 400 }); // b's
    const record = cluster.world('b').players.get('0s1')!.toRecord();
    const a = cluster.world('a');
    a.receivePeer({ from: 'b', epoch: cluster.table.epoch - 3, ops: [['a', [0], '[19,"old news"]', null, 1], ['h', { ...record, instance: '0s9' }, 'gw1', [], -1, 'drain', 0, 0]] });
    expect(a.players.has('0s9')).toBe(true);
    expect(await cluster.total((m) => m.peerRejected, { reason: 'stale' })).toBe(1);
  });

  it('bad peers - malformed hand-offs, strangers, stale epochs and unknown players are refused, counted, and change nothing', async () => {
    const cluster = new Cluster(['a', 'b']);
    cluster.join('0z1', { x: 60, y: 60 });
    const a = cluster.world('a');
    const before = a.players.size;
    const epoch = cluster.table.epoch;
    a.receivePeer({ from: 'b', epoch, ops: [['h', { instance: '0zz' }, 'gw1', [], -1, 'walk', Date.now(), 0]] });
    a.receivePeer({ from: 'zz', epoch, ops: [['a', [0], '[19,"x"]', null, 1]] });
    a.receivePeer({ from: 'b', epoch: epoch - 5, ops: [['a', [0], '[19,"x"]', null, 1]] });
    a.receivePeer({ from: 'b', epoch, ops: [['e', '0nobody', 19, ['hi'], 0], ['f', '0nobody'], ['c', '0nobody']] });
    // A record off the map, and one for a player this shard already holds.
    const record = a.players.get('0z1')!.toRecord();
    a.receivePeer({ from: 'b', epoch, ops: [['h', { ...record, instance: '0z2', x: 99999 }, 'gw1', [], -1, 'walk', Date.now(), 0]] });
    a.receivePeer({ from: 'b', epoch, ops: [['h', record, 'gw1', [], -1, 'walk', Date.now(), 0]] });
    const count = (reason: string) => cluster.total((m) => m.peerRejected, { reason });
    expect([await count('malformed'), await count('stranger'), await count('stale'), await count('unknown'), await count('duplicate')]).toEqual([2, 1, 1, 3, 1]);
    expect(a.players.size).toBe(before);
    cluster.settle();
    expect(cluster.closes.size).toBe(0);
  });
});
