// A world's shards come and go under players who keep playing: scale 1 -> 3, a rolling restart
// of all three (SIGTERM one, start its replacement, next), then scale 3 -> 1. Two gateways,
// the machine's Redis and NATS (JetStream KV for the world's members) under a random prefix.
// Throughout, every bot chats and paces: no one may be disconnected, and every line must
// reach every bot exactly once, whichever shards held the speaker and the listener.
//
// Source addresses: this file uses 127.0.14.x.
import { Deployment, Players, SHARED_NATS_URL, SHARED_REDIS_URL, sleep, waitUntil, type KaetramClient, type Packet, type ServiceProcess } from '@shardgate/harness';

const VERSION = 'alpha-2.5.1';
const BOTS = 12;
const SPEED_MS = 60;

const linesIn = (packets: readonly Packet[]) => {
  const counts = new Map<string, number>();
  for (const p of packets) {
    if (p[0] !== 19) continue;
    const message = (p[1] as { message?: string } | null)?.message;
    if (message?.startsWith('life ')) counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return counts;
};

async function membersAgree(shards: readonly ServiceProcess[], members: number): Promise<void> {
  await waitUntil(
    `${members} shards agreeing on the world`,
    async () => {
      const live = shards.filter((s) => !s.exit);
      if (live.length !== members) return false;
      const epochs = await Promise.all(live.map((s) => s.metric('shardgate_shard_ownership_epoch')));
      const owned = await Promise.all(live.map((s) => s.metric('shardgate_shard_regions_owned')));
      return new Set(epochs).size === 1 && owned.every((n) => n > 0) && owned.reduce((a, b) => a + b, 0) === 100;
    },
    20_000,
  );
}

let world: Deployment;
const players = new Players();
const bots: Array<{ client: KaetramClient; instance: string; x: number; y: number }> = [];
const said: string[] = [];
let running = true;

/** Each bot says a line every ~400 ms and paces one tile to and fro (within the spawn region). */
async function live(bot: (typeof bots)[number], index: number): Promise<void> {
  let n = 0;
  let east = true;
  while (running) {
    const line = `life ${index} ${++n}`;
    said.push(line);
    bot.client.send([19, [line]]);
    await sleep(200);
    const x = east ? bot.x + 1 : bot.x;
    east = !east;
    bot.client.send([11, { opcode: 2, playerX: x, playerY: bot.y, timestamp: Date.now() }]);
    bot.client.send([11, { opcode: 3, playerX: x, playerY: bot.y, orientation: 3 }]);
    await sleep(200);
  }
}

beforeAll(async () => {
  world = await Deployment.start({
    label: 'shared-world-life',
    redisUrl: SHARED_REDIS_URL,
    natsUrl: SHARED_NATS_URL,
    gateways: 2,
    shards: [{ SERVER_ID: '1', SHARD_ID: '1' }],
    env: { GAME_VERSION: VERSION, SHARD_TIMEOUT_MS: '2000' },
    gatewayEnv: { CONNECT_INTERVAL_MS: '0' },
    shardEnv: { MOVEMENT_SPEED_MS: String(SPEED_MS), DRAIN_TIMEOUT_MS: '8000' },
  });
  await membersAgree(world.shards, 1);
  for (let i = 0; i < BOTS; i++) {
    const client = await players.connect(world.gateways[i % 2]!, { world: 1, localAddress: `127.0.14.${i + 1}` });
    const joined = await client.joinAsGuest(VERSION);
    bots.push({ client, instance: joined.instance, x: joined.welcome.x as number, y: joined.welcome.y as number });
  }
}, 60_000);

afterAll(async () => {
  running = false;
  players.closeAll();
  await world?.stop();
});

describe('a world whose shards come and go under players', () => {
  it('shared world - scale 1 -> 3, a rolling restart of all three, scale 3 -> 1: no disconnect, every line to everyone once', async () => {
    const activity = bots.map((b, i) => live(b, i));
    await sleep(1000);
    // Scale out.
    await world.addShard({ SERVER_ID: '1', SHARD_ID: '2' });
    await world.addShard({ SERVER_ID: '1', SHARD_ID: '3' });
    await membersAgree(world.shards, 3);
    await sleep(1000);
    // Rolling restart: each shard stopped (its players handed over), then its replacement started.
    let next = 4;
    for (const old of world.shards.filter((s) => !s.exit)) {
      world.sigterm(old);
      expect((await old.waitExit(15_000)).code).toBe(0);
      await membersAgree(world.shards, 2);
      await world.addShard({ SERVER_ID: '1', SHARD_ID: String(next++) });
      await membersAgree(world.shards, 3);
      await sleep(500);
    }
    // Scale in to one.
    for (const old of world.shards.filter((s) => !s.exit).slice(0, 2)) {
      world.sigterm(old);
      expect((await old.waitExit(15_000)).code).toBe(0);
    }
    await membersAgree(world.shards, 1);
    await sleep(1000);
    running = false;
    await Promise.all(activity);
    await sleep(1500);

    expect(bots.filter((b) => b.client.closed !== undefined).map((b) => `${b.instance} ${JSON.stringify(b.client.closed)}`)).toEqual([]);
    const handoffs = await Promise.all(world.shards.map((s) => (s.exit ? 0 : s.metric('shardgate_shard_handoffs_received_total'))));
    expect(world.shards.filter((s) => !s.exit)).toHaveLength(1);
    // Every line, to every bot, exactly once.
    const wrong: string[] = [];
    for (const bot of bots) {
      const got = linesIn(bot.client.packets);
      for (const line of said) if (got.get(line) !== 1) wrong.push(`${bot.instance}: ${line} x${got.get(line) ?? 0}`);
    }
    expect({ lines: said.length, wrong: wrong.slice(0, 20), wrongCount: wrong.length }).toEqual({ lines: said.length, wrong: [], wrongCount: 0 });
    expect(said.length).toBeGreaterThan(BOTS * 10);
    // The players did move: the last shard took over the drained shards' players.
    expect(handoffs.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    process.stdout.write(`shared world lifecycle figure ${JSON.stringify({ lines: said.length, bots: BOTS, handoffsToLastShard: handoffs })}\n`);
  }, 180_000);
});
