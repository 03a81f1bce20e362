// One world served by three shards (SERVER_ID=1 on each), two gateways, the machine's Redis
// and NATS (JetStream KV for the world's members) under a random prefix. A group of players
// walks across the shards' borders together, chatting after each leg: nobody may notice the
// borders (no disconnect, every chat exactly once to everyone), and the shards hand them over
// on the way. Then the world loses a shard to kill -9, and another is stopped with SIGTERM.
//
// Source addresses: this file uses 127.0.12.x.
import { Deployment, Players, SHARED_NATS_URL, SHARED_REDIS_URL, sleep, waitUntil, type Joined, type KaetramClient, type Packet, type ServiceProcess } from '@shardgate/harness';

const VERSION = 'alpha-2.5.1';
const SPEED_MS = 30;
const BOTS = 9;

/**
 * Walks diagonally (or straight) one tile per step towards `to`, as a Kaetram client does,
 * including what it does when the server sends it back (a Teleport of itself: a step refused,
 * say because a loaded machine bunched its steps): it continues from where the server has it.
 */
async function walkTo(client: KaetramClient, instance: string, from: { x: number; y: number }, to: { x: number; y: number }): Promise<{ x: number; y: number }> {
  let { x, y } = from;
  let seen = client.packets.length;
  client.send([11, { opcode: 1, playerX: x, playerY: y, requestX: to.x, requestY: to.y }]);
  while (x !== to.x || y !== to.y) {
    await sleep(SPEED_MS * 2);
    for (; seen < client.packets.length; seen++) {
      const p = client.packets[seen]!;
      const data = p[1] as { instance?: string; x?: number; y?: number } | null;
      if (p[0] === 12 && data?.instance === instance) ({ x, y } = data as { x: number; y: number });
    }
    x += Math.sign(to.x - x);
    y += Math.sign(to.y - y);
    client.send([11, { opcode: 2, playerX: x, playerY: y, timestamp: Date.now() }]);
  }
  client.send([11, { opcode: 3, playerX: x, playerY: y, orientation: 1 }]);
  return { x, y };
}

const chatsOf = (packets: readonly Packet[], message: string) =>
  packets.filter((p) => p[0] === 19 && (p[1] as { message?: string } | null)?.message === message).length;

async function sum(shards: readonly ServiceProcess[], name: string, labels: Record<string, string> = {}): Promise<number> {
  let total = 0;
  for (const s of shards) if (!s.exit) total += await s.metric(name, labels).catch(() => 0);
  return total;
}

/** Waits until every live shard applies the same ownership epoch and they own the whole map between them. */
async function worldSettled(shards: readonly ServiceProcess[], members: number): Promise<number> {
  return waitUntil(
    `${members} shards agreeing on the world`,
    async () => {
      const live = shards.filter((s) => !s.exit);
      const epochs = await Promise.all(live.map((s) => s.metric('shardgate_shard_ownership_epoch')));
      const owned = await Promise.all(live.map((s) => s.metric('shardgate_shard_regions_owned')));
      const agreed = new Set(epochs).size === 1 && owned.filter((n) => n > 0).length === members && owned.reduce((a, b) => a + b, 0) === 100;
      return agreed ? epochs[0]! : 0;
    },
    15_000,
  );
}

let world: Deployment;
const players = new Players();
let bots: Joined[] = [];
let positions: Array<{ x: number; y: number }> = [];
let said = 0;

/** Every bot says one line; returns the lines. */
async function everyoneChats(leg: string): Promise<string[]> {
  const lines = bots.map((_, i) => `${leg} ${i} ${++said}`);
  bots.forEach((b, i) => b.client.send([19, [lines[i]]]));
  return lines;
}

/** Every bot got every line exactly once (its own included). */
async function expectHeardByAll(lines: readonly string[]): Promise<void> {
  await waitUntil('every chat to every bot', () => bots.every((b) => lines.every((l) => chatsOf(b.client.packets, l) >= 1)), 10_000).catch(() => undefined);
  const counts = bots.map((b) => lines.map((l) => chatsOf(b.client.packets, l)));
  expect(counts).toEqual(bots.map(() => lines.map(() => 1)));
}

async function leg(name: string, delta: { x: number; y: number }): Promise<void> {
  positions = await Promise.all(bots.map((b, i) => walkTo(b.client, b.instance, positions[i]!, { x: positions[i]!.x + delta.x, y: positions[i]!.y + delta.y })));
  await sleep(500);
  if (process.env.DEBUG_SHARED_WORLD) {
    const per = await Promise.all(world.shards.map(async (s) => [await s.metric('shardgate_shard_players').catch(() => -1), await s.metric('shardgate_shard_handoffs_total', { cause: 'walk' }).catch(() => -1), await s.metric('shardgate_shard_packets_rejected_total', { reason: 'movement' }).catch(() => -1)]));
    process.stderr.write(`${name}: ${JSON.stringify(per)} ${JSON.stringify(positions)}\n`);
  }
  await expectHeardByAll(await everyoneChats(name));
}

beforeAll(async () => {
  world = await Deployment.start({
    label: 'shared-world',
    redisUrl: SHARED_REDIS_URL,
    natsUrl: SHARED_NATS_URL,
    gateways: 2,
    shards: [1, 2, 3].map((i) => ({ SERVER_ID: '1', SHARD_ID: String(i) })),
    env: { GAME_VERSION: VERSION, SHARD_TIMEOUT_MS: '1500' },
    gatewayEnv: { CONNECT_INTERVAL_MS: '0' },
    shardEnv: { MOVEMENT_SPEED_MS: String(SPEED_MS), DRAIN_TIMEOUT_MS: '8000' },
  });
  await worldSettled(world.shards, 3);
  for (let i = 0; i < BOTS; i++) {
    const client = await players.connect(world.gateways[i % 2]!, { world: 1, localAddress: `127.0.12.${i + 1}` });
    const joined = await client.joinAsGuest(VERSION);
    bots.push({ client, instance: joined.instance, serverId: joined.handshake.serverId, welcome: joined.welcome, x: joined.welcome.x as number, y: joined.welcome.y as number });
  }
  positions = bots.map((b) => ({ x: b.x, y: b.y }));
}, 60_000);

afterAll(async () => {
  players.closeAll();
  await world?.stop();
});

describe('one world on three shards', () => {
  it('shared world - players walking across borders together never notice them: no disconnect, every chat once to everyone', async () => {
    const before = await sum(world.shards, 'shardgate_shard_handoffs_total', { cause: 'walk' });
    // From the spawn region (shard 2's) down-right into shard 3's, back, up into shard 1's, back.
    await leg('start', { x: 0, y: 0 });
    await leg('into-3', { x: 60, y: 60 });
    await leg('back-2', { x: -60, y: -60 });
    await leg('into-1', { x: 0, y: -100 });
    await leg('back-2-again', { x: 0, y: 100 });
    const handoffs = (await sum(world.shards, 'shardgate_shard_handoffs_total', { cause: 'walk' })) - before;
    expect(handoffs).toBeGreaterThanOrEqual(BOTS * 4);
    expect(bots.filter((b) => b.client.closed !== undefined).map((b) => b.instance)).toEqual([]);
    expect(await sum(world.shards, 'shardgate_shard_players')).toBe(BOTS);
    expect(await sum(world.shards, 'shardgate_shard_peer_rejected_total')).toBe(0);
    expect(await sum(world.gateways, 'shardgate_gateway_handoffs_followed_total', { outcome: 'refused' })).toBe(0);
    // Steps refused (sent back) happen when a loaded machine bunches a client's steps; they
    // must stay rare, not one per border crossing (services/shard/test/border.test.ts proves
    // held steps replay at their pace).
    const refused = await sum(world.shards, 'shardgate_shard_packets_rejected_total', { reason: 'movement' });
    expect(refused).toBeLessThan(BOTS * 4);
  }, 120_000);

  it('shared world - 1 000 hand-offs: bots stepping back and forth over a border while chatting; nothing lost, nothing twice, nobody dropped', async () => {
    // To the border between shard 1 (region 32, x < 144) and shard 2 (region 33), side by side.
    const spots = bots.map((_, i) => ({ x: 144, y: 150 + 2 * i }));
    positions = await Promise.all(bots.map((b, i) => walkTo(b.client, b.instance, positions[i]!, spots[i]!)));
    await sleep(500);
    const before = await sum(world.shards, 'shardgate_shard_handoffs_total', { cause: 'walk' });
    const ROUNDS = Math.ceil(1000 / (2 * BOTS));
    const lines: string[] = [];
    await Promise.all(
      bots.map(async (b, i) => {
        let at = positions[i]!;
        for (let r = 0; r < ROUNDS; r++) {
          at = await walkTo(b.client, b.instance, at, { x: 143, y: at.y });
          at = await walkTo(b.client, b.instance, at, { x: 144, y: at.y });
          if (r % 8 === 0) {
            const line = `oscillate ${i} ${r}`;
            lines.push(line);
            b.client.send([19, [line]]);
          }
        }
        positions[i] = at;
      }),
    );
    await sleep(500);
    const handoffs = (await sum(world.shards, 'shardgate_shard_handoffs_total', { cause: 'walk' })) - before;
    expect(handoffs).toBeGreaterThanOrEqual(1000);
    await expectHeardByAll(lines);
    expect(bots.filter((b) => b.client.closed !== undefined).map((b) => b.instance)).toEqual([]);
    expect(await sum(world.shards, 'shardgate_shard_players')).toBe(BOTS);
    expect(await sum(world.shards, 'shardgate_shard_peer_rejected_total')).toBe(0);
    expect(await sum(world.shards, 'shardgate_shard_fence_waiting')).toBe(0);
    // Every gateway routes each bot to the shard that holds it: a chat now still reaches everyone.
    await leg('after-oscillation', { x: 0, y: 0 });
    // Hand-off duration (old shard sends -> new shard adopts), from the shards' histograms.
    const buckets = new Map<number, number>();
    for (const shard of world.shards.filter((s) => !s.exit)) {
      for (const line of (await shard.metrics()).split('\n')) {
        const m = /^shardgate_shard_handoff_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)/.exec(line);
        const le = m?.[1] === '+Inf' ? Infinity : Number(m?.[1]);
        if (m) buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
      }
    }
    const total = buckets.get(Infinity) ?? 0;
    const quantile = (q: number) => [...buckets.entries()].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= q * total)?.[0];
    process.stdout.write(`hand-off figure ${JSON.stringify({ handoffs: total, p50AtMostS: quantile(0.5), p99AtMostS: quantile(0.99) })}\n`);
    expect(total).toBeGreaterThanOrEqual(1000);
    // Issue 11's bound: a hand-off's p99 within 2 ticks (TICK_MS 50). Measured here at <= 10 ms.
    expect(quantile(0.99)).toBeLessThanOrEqual(0.1);
  }, 180_000);

  it('shared world - SIGTERM on a shard with players hands them over: exit 0, nobody disconnected, chat goes on', async () => {
    // The bots stand in shard 2's regions (the spawn): stop shard 2.
    const target = world.shards[1]!;
    expect(await target.metric('shardgate_shard_players')).toBeGreaterThan(0);
    world.sigterm(target);
    expect((await target.waitExit(15_000)).code).toBe(0);
    await worldSettled(world.shards, 2);
    expect(bots.filter((b) => b.client.closed !== undefined).map((b) => b.instance)).toEqual([]);
    expect(await sum(world.shards, 'shardgate_shard_players')).toBe(BOTS);
    await leg('after-drain', { x: 3, y: 3 });
  }, 60_000);

  it('shared world - a shard joining under load takes its share without a disconnect; kill -9 of one: the survivors own its regions within SHARD_TIMEOUT_MS', async () => {
    await world.addShard({ SERVER_ID: '1', SHARD_ID: '4' });
    await worldSettled(world.shards, 3);
    await leg('after-scale-out', { x: 2, y: 2 });
    expect(bots.filter((b) => b.client.closed !== undefined).map((b) => b.instance)).toEqual([]);
    // Kill a shard none of the bots is on: they must not notice.
    const live = world.shards.filter((s) => !s.exit);
    const counts = await Promise.all(live.map((s) => s.metric('shardgate_shard_players')));
    const victim = live[counts.findIndex((n) => n === 0)]!;
    await world.kill9(victim);
    const killedAt = Date.now();
    await worldSettled(world.shards, 2);
    // SHARD_TIMEOUT_MS (1500) plus a tick and the table's round trip through JetStream.
    expect(Date.now() - killedAt).toBeLessThan(1500 + 2500);
    await leg('after-crash', { x: -3, y: -3 });
    expect(bots.filter((b) => b.client.closed !== undefined).map((b) => b.instance)).toEqual([]);
    expect(await sum(world.shards, 'shardgate_shard_players')).toBe(BOTS);
  }, 60_000);
});
