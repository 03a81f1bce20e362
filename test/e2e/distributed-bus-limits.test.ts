// Messages bigger than the bus carries. NATS refuses a message over its max_payload (1 MiB by
// default) and the publish is lost whole: a tick's batch for a gateway used to be one message,
// so a burst (many joins, Map packets, a late tick) lost every packet of that tick for every
// player of the gateway (issue 5, docs/benchmarks.md). Here a private nats-server with a
// 64 KiB max_payload (a Map packet of 9 regions is ~55 KB) makes every burst that big, so both directions must be cut into messages
// that fit, in order, with nothing lost.
//
// Source addresses: this file uses 127.0.90.x.
import { decodeMap, Deployment, isChatOf, isSpawnOf, type Joined, type KaetramClient, Players, type PrivateNatsServer, SHARED_REDIS_URL, sleep, startNatsServer, waitUntil } from '@shardgate/harness';

const MAX_PAYLOAD = 64 * 1024;

let nats: PrivateNatsServer;
let deployment: Deployment;
const players = new Players();

beforeAll(async () => {
  nats = await startNatsServer({ maxPayload: MAX_PAYLOAD });
  deployment = await Deployment.start({
    label: 'bus-limits',
    natsUrl: nats.url,
    redisUrl: SHARED_REDIS_URL,
    gateways: 1,
    shards: 1,
    gatewayEnv: { CONNECT_INTERVAL_MS: '0', MAX_CONNECTIONS_PER_IP: '50' },
  });
}, 30000);

afterAll(async () => {
  players.closeAll();
  await deployment?.stop(3000);
  await nats?.stop();
});

const mapPackets = (client: KaetramClient) => client.packets.filter((p) => p[0] === 4);

it('bus limits - 24 players joining in the same ticks all get in, with their whole map, each seeing the others', async () => {
  const [gateway] = deployment.gateways;
  // One player's first frame (Map ~55 KB, then Spawns) is already more than one bus message.
  const joined: Joined[] = await Promise.all(Array.from({ length: 24 }, (_, i) => players.join(gateway!, { localAddress: `127.0.90.${i + 1}` })));
  expect(new Set(joined.map((j) => j.instance)).size).toBe(24);
  for (const { client, instance } of joined) {
    // Every region around the spawn arrives (9 at most, fewer at the map's edge).
    await waitUntil(`${instance}'s map`, () => mapPackets(client).reduce((n, p) => n + Object.keys(decodeMap(p).regions).length, 0) >= 4, 10000);
    for (const other of joined) if (other.instance !== instance) await client.waitFor(isSpawnOf(other.instance), 10000);
  }
  // The shard cut its ticks into many messages, none past the limit (the histogram's 64 KiB bucket), and
  // nothing was refused (a refused publish is logged at error level).
  const [shard] = deployment.shards;
  const batches = await shard!.metric('shardgate_shard_gateway_batch_bytes_count');
  const fitting = await shard!.metric('shardgate_shard_gateway_batch_bytes_bucket', { le: '65536' });
  expect(batches).toBeGreaterThan(1);
  expect(fitting).toBe(batches);
  expect(deployment.errors()).toEqual([]);
}, 60000);

it('bus limits - 120 KB of chat read in one turn reaches the shard in pieces, every line echoed in order', async () => {
  const [gateway] = deployment.gateways;
  const talkers = await Promise.all(Array.from({ length: 10 }, (_, i) => players.join(gateway!, { localAddress: `127.0.90.${101 + i}` })));
  await sleep(200);
  const from = talkers.map((t) => t.client.packets.length);
  // 10 players send 12 frames of 1 KB each at once: the gateway reads them in about one
  // event-loop turn, and that turn's events for the shard (~120 KB) are more than one bus message.
  const lines = (t: number) => Array.from({ length: 12 }, (_, i) => `${t}-${String(i).padStart(2, '0')} ${'w'.repeat(995)}`);
  talkers.forEach((t, n) => {
    for (const line of lines(n)) t.client.send([19, [line]]);
  });
  for (const [n, t] of talkers.entries()) {
    const mine = () => t.client.packets.slice(from[n]).filter(isChatOf(t.instance));
    await waitUntil(`${t.instance}'s echoes`, () => mine().length >= 12, 10000);
    expect(mine().map((p) => (p[1] as { message: string }).message.split(' ')[0])).toEqual(lines(n).map((line) => line.split(' ')[0]));
  }
  expect(deployment.errors()).toEqual([]);
}, 30000);
