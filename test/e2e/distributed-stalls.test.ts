// A process that stalls (CPU starved, throttled, stopped by a debugger) must not punish its
// players for its own silence. When a stalled gateway resumes, its 1 s sweep timer runs before
// the heartbeats waiting in its socket are read: every shard looks silent, and the gateway used
// to close all of its players with `error`. Seen in the benchmarks on 2 busy cores (issue 5).
// Here the gateway is stopped with SIGSTOP for longer than SHARD_TIMEOUT_MS, then resumed.
//
// Source addresses: this file uses 127.0.91.x.
import { Deployment, isChatOf, Players, SHARED_NATS_URL, SHARED_REDIS_URL, sleep } from '@shardgate/harness';

let deployment: Deployment;
const players = new Players();

beforeAll(async () => {
  deployment = await Deployment.start({
    label: 'stalls',
    natsUrl: SHARED_NATS_URL,
    redisUrl: SHARED_REDIS_URL,
    gateways: 1,
    shards: 1,
    gatewayEnv: { SHARD_TIMEOUT_MS: '1000' },
    // The shard is right to judge a stopped gateway silent; not what this test is about.
    shardEnv: { GATEWAY_TIMEOUT_MS: '60000' },
  });
}, 30000);

afterAll(async () => {
  players.closeAll();
  await deployment?.stop(3000);
});

it('stalls - a gateway stopped for 2.5 s (SHARD_TIMEOUT_MS 1 s) keeps its players when it resumes', async () => {
  const [gateway] = deployment.gateways;
  const player = await players.join(gateway!, { localAddress: '127.0.91.1' });
  gateway!.child.kill('SIGSTOP');
  try {
    await sleep(2500);
  } finally {
    gateway!.child.kill('SIGCONT');
  }
  await sleep(1500); // a few sweeps after the resume
  expect(player.client.closed).toBeUndefined();
  const from = player.client.packets.length;
  player.client.send([19, ['still here']]);
  await player.client.waitFor(isChatOf(player.instance, 'still here'), 5000, from);
  expect(gateway!.logs.some((l) => l.msg === 'event loop stalled: shards get a fresh heartbeat timeout')).toBe(true);
  expect(deployment.errors()).toEqual([]);
}, 30000);
