// A shard that crashes and is back at once under the same SHARD_ID (a supervisor restarting
// it, compose's `restart: unless-stopped`) is a new process that knows none of the old one's
// players. Its heartbeats say so (`boot`): the gateways close those players with `error` at
// once instead of routing them, forever, to a shard that drops their packets.
//
// Source addresses: this file uses 127.0.13.x.
import { Deployment, Players, SHARED_NATS_URL, SHARED_REDIS_URL } from '@shardgate/harness';

let world: Deployment | undefined;
const players = new Players();

afterAll(async () => {
  players.closeAll();
  await world?.stop();
});

describe('distributed - a shard back at once under its old id', () => {
  it('shard restart - its previous players are closed with error within a heartbeat, new ones join it', async () => {
    world = await Deployment.start({ label: 'shard-restart', redisUrl: SHARED_REDIS_URL, natsUrl: SHARED_NATS_URL, gateways: 1, shards: 1, gatewayEnv: { CONNECT_INTERVAL_MS: '0' }, env: { SHARD_TIMEOUT_MS: '5000' } });
    const old = await players.join(world.gateways[0]!, { localAddress: '127.0.13.1' });
    await world.kill9(world.shards[0]!);
    const restartedAt = Date.now();
    await world.addShard({ SHARD_ID: '1' });
    const closed = await old.client.waitClosed(4000);
    expect(closed).toEqual({ code: 1010, reason: 'error' });
    // Well before SHARD_TIMEOUT_MS (5 s) could have judged the old process gone.
    expect(Date.now() - restartedAt).toBeLessThan(4000);
    const fresh = await players.join(world.gateways[0]!, { localAddress: '127.0.13.2' });
    expect(fresh.instance).not.toBe(old.instance);
  }, 60_000);
});
