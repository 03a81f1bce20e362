// The distributed mode's failure semantics (docs/design.md, "Failure semantics"), end to
// end, each with a bound in seconds. This file starts its OWN redis-server and nats-server
// on free ports and kills/restarts those; it never touches the machine's
// shared Redis (6379) or NATS (4222). Each test starts its own deployment (random prefixes)
// and stops it in afterEach.
//
// Source addresses: this file uses 127.0.20.x to 127.0.26.x, one block per test.
import { nodeIdOf } from '@shardgate/protocol';
import { Deployment, isChatOf, isDespawnOf, isSpawnOf, type Joined, type KaetramClient, type Packet, Players, type PrivateNatsServer, type PrivateRedisServer, sleep, startNatsServer, startRedisServer, waitUntil, wasAdmitted } from '@shardgate/harness';

/** The close reasons the Kaetram client knows (docs/protocol.md). */
const CLOSE_REASONS = ['updated', 'toofast', 'toomany', 'ratelimit', 'banned', 'loggedin', 'invalidlogin', 'invalidpassword', 'timeout', 'lost', 'error', 'worldfull', 'maintenance', 'disallowed', 'disabledregister', 'invalidinput', 'cheating'];

let redis: PrivateRedisServer;
let nats: PrivateNatsServer;
const deployments: Deployment[] = [];
const players = new Players();

async function deploy(options: Omit<Parameters<typeof Deployment.start>[0], 'natsUrl' | 'redisUrl'>): Promise<Deployment> {
  const deployment = await Deployment.start({ redisUrl: redis.url, natsUrl: nats.url, ...options });
  deployments.push(deployment);
  return deployment;
}

beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedisServer(), startNatsServer()]);
}, 20000);

afterEach(async () => {
  players.closeAll();
  // A failed test may have left a server down: bring it back so the next test has one.
  await Promise.all([redis.running ? undefined : redis.restart(), nats.running ? undefined : nats.restart()]);
  await Promise.all(deployments.splice(0).map((d) => d.stop(3000)));
}, 20000);

afterAll(async () => {
  await Promise.all([redis?.stop(), nats?.stop()]);
});

/** Waits until the client was admitted ([0,null]) or closed; true when admitted and still open. */
async function settleAdmission(client: KaetramClient, timeoutMs = 5000): Promise<boolean> {
  await waitUntil('admitted or refused', () => client.closed !== undefined || wasAdmitted(client), timeoutMs, 10);
  return wasAdmitted(client) && !client.closed;
}

/** Players that chat a distinct line every `everyMs` until stopped (distinct: the duplicate filter). */
function chatter(bots: Joined[], everyMs = 250): { stop(): void } {
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    for (const bot of bots) if (!bot.client.closed) bot.client.send([19, [`bot ${bot.instance} line ${n}`]]);
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

const chatFromAfter = (from: number, instance: string) => (client: KaetramClient) => client.waitFor(isChatOf(instance), 10000, from);

/** The figures docs/reliability.md quotes: one JSON line each in the test output. */
function figure(scenario: string, values: Record<string, unknown>): void {
  process.stdout.write(`chaos figure ${JSON.stringify({ scenario, ...values })}\n`);
}

function expectNoUnexpectedExit(deployment: Deployment): void {
  expect(deployment.unexpectedExits()).toEqual([]);
}

describe('distributed faults - a gateway killed with kill -9', () => {
  it('has its players despawned for players on the other gateway within 10 s, and its per-IP counts released within GUARD_LEASE_MS + 2 s', async () => {
    const LEASE_MS = 3000;
    const d = await deploy({ label: 'kill-gateway', gateways: 2, shards: 1, gatewayEnv: { CONNECT_INTERVAL_MS: '0', MAX_CONNECTIONS_PER_IP: '2', GUARD_LEASE_MS: String(LEASE_MS) } });
    const [doomed, survivor] = d.gateways;
    const watcher = await players.join(survivor, { world: 1, localAddress: '127.0.20.1' });
    const held = await Promise.all([players.join(doomed, { world: 1, localAddress: '127.0.20.2' }), players.join(doomed, { world: 1, localAddress: '127.0.20.2' })]);
    for (const h of held) await watcher.client.waitFor(isSpawnOf(h.instance), 5000);

    // Held longer than one lease: a live gateway's counts never lapse.
    await sleep(LEASE_MS + 500);
    const before = await players.connect(survivor, { localAddress: '127.0.20.2' });
    expect(await before.waitClosed()).toEqual({ code: 1010, reason: 'toomany' });

    const killedAt = Date.now();
    await d.kill9(doomed);

    const despawned = (async () => {
      for (const h of held) await watcher.client.waitFor(isDespawnOf(h.instance), Math.max(0, killedAt + 10000 - Date.now()));
      return Date.now() - killedAt;
    })();
    const refusals: string[] = [];
    const released = (async () => {
      await waitUntil(
        `a connection from 127.0.20.2 on the surviving gateway to be admitted (refusals so far: ${refusals.length})`,
        async () => {
          const probe = await players.connect(survivor, { localAddress: '127.0.20.2' });
          if (await settleAdmission(probe)) return true;
          refusals.push(`${probe.closed?.code} ${probe.closed?.reason}`);
          return false;
        },
        LEASE_MS + 2000 - (Date.now() - killedAt),
        200,
      );
      return Date.now() - killedAt;
    })();
    const [despawnMs, releaseMs] = await Promise.all([despawned, released]);
    figure('gateway kill -9', { despawnMs, releaseMs });
    expect(despawnMs).toBeLessThanOrEqual(10000);
    expect(releaseMs).toBeLessThanOrEqual(LEASE_MS + 2000);
    // Until released, the refusals were toomany, nothing else.
    expect(refusals.every((r) => r === '1010 toomany')).toBe(true);

    // Both of the dead gateway's slots are free (exactly: a third is toomany again).
    const second = await players.connect(survivor, { localAddress: '127.0.20.2' });
    expect(await settleAdmission(second)).toBe(true);
    const third = await players.connect(survivor, { localAddress: '127.0.20.2' });
    expect(await third.waitClosed()).toEqual({ code: 1010, reason: 'toomany' });

    expect(watcher.client.closed).toBeUndefined();
    expect(await survivor.readyz()).toBe(200);
    expectNoUnexpectedExit(d);
  }, 30000);
});

describe('distributed faults - a shard killed with kill -9', () => {
  it('has its players on both gateways closed with error within SHARD_TIMEOUT_MS + 2 s, all at once; the other shard keeps its players', async () => {
    const SHARD_TIMEOUT_MS = 1500;
    const d = await deploy({ label: 'kill-shard', gateways: 2, shards: 2, gatewayEnv: { CONNECT_INTERVAL_MS: '0', SHARD_TIMEOUT_MS: String(SHARD_TIMEOUT_MS) } });
    const [g1, g2] = d.gateways;
    const [doomed] = d.shards;
    const onDoomed = await Promise.all([
      ...[0, 1, 2].map(() => players.join(g1, { world: 1, localAddress: '127.0.21.1' })),
      ...[0, 1, 2].map(() => players.join(g2, { world: 1, localAddress: '127.0.21.2' })),
    ]);
    const q1 = await players.join(g1, { world: 2, localAddress: '127.0.21.3' });
    const q2 = await players.join(g2, { world: 2, localAddress: '127.0.21.4' });
    expect(onDoomed.map((p) => p.serverId)).toEqual([1, 1, 1, 1, 1, 1]);
    expect([q1.serverId, q2.serverId]).toEqual([2, 2]);

    const killedAt = Date.now();
    await d.kill9(doomed);
    const closes = await Promise.all(onDoomed.map((p) => p.client.waitClosed(Math.max(0, killedAt + SHARD_TIMEOUT_MS + 2000 - Date.now()))));
    for (const closed of closes) expect(closed).toEqual({ code: 1010, reason: 'error' });
    const after = onDoomed.map((p) => p.client.closedAt! - killedAt);
    figure('shard kill -9', { closedAfterMs: [Math.min(...after), Math.max(...after)] });
    expect(Math.max(...after)).toBeLessThanOrEqual(SHARD_TIMEOUT_MS + 2000);
    // At once, not one by one: on each gateway its 3 players within 250 ms of each other.
    for (const group of [after.slice(0, 3), after.slice(3)]) expect(Math.max(...group) - Math.min(...group)).toBeLessThanOrEqual(250);

    // The other shard's players are untouched and still talk across gateways.
    await sleep(300);
    expect(q1.client.closed).toBeUndefined();
    expect(q2.client.closed).toBeUndefined();
    const from = q2.client.packets.length;
    q1.client.send([19, ['still here']]);
    await q2.client.waitFor(isChatOf(q1.instance, 'still here'), 5000, from);
    // Gateways stay ready (a shard remains), and route a player asking for the dead world elsewhere.
    expect(await g1.readyz()).toBe(200);
    expect(await g2.readyz()).toBe(200);
    const rerouted = await players.join(g1, { world: 1, localAddress: '127.0.21.5' });
    expect(rerouted.serverId).toBe(2);

    // A shard started again with the same id is found by its heartbeat and gets its world's players.
    await d.addShard({ SHARD_ID: '1' }, { settle: false });
    const restartedAt = Date.now();
    const back = await waitUntil(
      'both gateways to route world 1 to the restarted shard',
      async () => {
        const [a, b] = await Promise.all([players.join(g1, { world: 1, localAddress: '127.0.21.6' }), players.join(g2, { world: 1, localAddress: '127.0.21.6' })]);
        if (a.serverId === 1 && b.serverId === 1) return [a, b];
        a.client.close();
        b.client.close();
        return undefined;
      },
      5000,
      100,
    );
    expect(Date.now() - restartedAt).toBeLessThanOrEqual(5000);
    await back[0].client.waitFor(isSpawnOf(back[1].instance), 5000);
    expectNoUnexpectedExit(d);
  }, 30000);
});

describe('distributed faults - Redis restarted under traffic', () => {
  it('no process exits; open admits with local limits, closed refuses with maintenance, both counted; admission goes through Redis again after', async () => {
    const d = await deploy({
      label: 'redis-restart',
      gateways: [{ REDIS_FAILURE_MODE: 'open' }, { REDIS_FAILURE_MODE: 'closed' }],
      shards: 1,
      gatewayEnv: { CONNECT_INTERVAL_MS: '0', MAX_CONNECTIONS_PER_IP: '2', GUARD_LEASE_MS: '3000' },
    });
    const [open, closed] = d.gateways;
    const bots = await Promise.all([
      players.join(open, { localAddress: '127.0.22.1' }),
      players.join(open, { localAddress: '127.0.22.2' }),
      players.join(closed, { localAddress: '127.0.22.3' }),
    ]);
    for (const bot of bots) for (const other of bots) if (other !== bot) await bot.client.waitFor(isSpawnOf(other.instance), 5000);
    const talk = chatter(bots);
    try {
      await redis.kill();

      // Fail-open: admitted while Redis is away, with this gateway's own per-IP limit.
      const local = await Promise.all([0, 1].map(() => players.connect(open, { localAddress: '127.0.22.10' })));
      for (const c of local) expect(await settleAdmission(c)).toBe(true);
      const joinedDuringOutage = await players.join(open, { localAddress: '127.0.22.11' });
      expect(joinedDuringOutage.client.closed).toBeUndefined();
      const overLocal = await players.connect(open, { localAddress: '127.0.22.10' });
      expect(await overLocal.waitClosed()).toEqual({ code: 1010, reason: 'toomany' });

      // Fail-closed: refused with maintenance (allow the client a moment to notice the outage).
      const refusedClosed = await waitUntil(
        'the fail-closed gateway to refuse with maintenance',
        async () => {
          const c = await players.connect(closed, { localAddress: '127.0.22.12' });
          await settleAdmission(c);
          if (c.closed) return c.closed;
          c.close();
          return undefined;
        },
        3000,
        100,
      );
      expect(refusedClosed).toEqual({ code: 1010, reason: 'maintenance' });
      expect(await open.metric('shardgate_gateway_guard_degraded_total')).toBeGreaterThan(0);
      expect(await closed.metric('shardgate_gateway_guard_degraded_total')).toBeGreaterThan(0);
      expect(await closed.metric('shardgate_gateway_connections_refused_total', { reason: 'maintenance' })).toBeGreaterThan(0);
      expectNoUnexpectedExit(d);
      await sleep(500);

      await redis.restart(); // empty: every count is gone from the store
      const back = Date.now();

      // The fail-closed gateway admits again once its client is back.
      await waitUntil(
        'the fail-closed gateway to admit again after Redis is back',
        async () => {
          const c = await players.connect(closed, { localAddress: '127.0.22.13' });
          if (await settleAdmission(c)) return true;
          c.close();
          return false;
        },
        10000,
        200,
      );
      // Admission goes through Redis again: two on one gateway make the other refuse toomany.
      let attempt = 0;
      await waitUntil(
        'a per-IP count shared across gateways through Redis',
        async () => {
          attempt += 1;
          const ip = `127.0.22.${30 + attempt}`;
          const two = await Promise.all([0, 1].map(() => players.connect(open, { localAddress: ip })));
          const admitted = await Promise.all(two.map((c) => settleAdmission(c)));
          const third = await players.connect(closed, { localAddress: ip });
          await settleAdmission(third);
          const shared = admitted.every(Boolean) && third.closed?.reason === 'toomany';
          if (!shared) for (const c of [...two, third]) c.close();
          return shared;
        },
        10000,
        300,
      );
      // Counts admitted locally during the outage are written back to the (empty) store.
      await waitUntil(
        'the counts held during the outage to be restored in Redis',
        async () => {
          const c = await players.connect(closed, { localAddress: '127.0.22.10' });
          await settleAdmission(c);
          if (c.closed?.reason === 'toomany') return true;
          c.close();
          return false;
        },
        5000,
        300,
      );
      const restoredMs = Date.now() - back;
      figure('redis restart', { restoredMs });
      expect(restoredMs).toBeLessThanOrEqual(10000);

      // Traffic carried on: every bot still connected and hearing the others.
      const from = new Map(bots.map((b) => [b, b.client.packets.length]));
      for (const bot of bots) {
        expect(bot.client.closed).toBeUndefined();
        for (const other of bots) await chatFromAfter(from.get(bot)!, other.instance)(bot.client);
      }
      expectNoUnexpectedExit(d);
    } finally {
      talk.stop();
    }
  }, 45000);
});

describe('distributed faults - gateway ids after Redis lost its data', () => {
  it('gives a gateway started after a Redis restart an id no live gateway uses, so a kill -9 of it still despawns its players', async () => {
    const d = await deploy({ label: 'redis-ids', gateways: 1, shards: 1, gatewayEnv: { CONNECT_INTERVAL_MS: '0' } });
    const [first] = d.gateways;
    const watcher = await players.join(first, { world: 1, localAddress: '127.0.26.1' });
    await redis.kill();
    await redis.restart(); // empty, as a Redis without persistence comes back
    const late = await d.addGateway();
    const victim = await players.join(late, { world: 1, localAddress: '127.0.26.2' });
    await watcher.client.waitFor(isSpawnOf(victim.instance), 5000);
    // Instance ids carry the gateway's node id (also its name on the bus): it must differ
    // between live gateways. Checked after the kill, so that a failure also shows what a
    // shared id costs.
    const nodeIds = { first: nodeIdOf(watcher.instance), late: nodeIdOf(victim.instance) };

    const killedAt = Date.now();
    await d.kill9(late);
    const despawned = await watcher.client.waitFor(isDespawnOf(victim.instance), 10000).then(
      () => Date.now() - killedAt <= 10000,
      () => false,
    );
    expect({ distinctNodeIds: nodeIds.first !== nodeIds.late, despawnedWithin10s: despawned, nodeIds }).toEqual({ distinctNodeIds: true, despawnedWithin10s: true, nodeIds });
    expect(watcher.client.closed).toBeUndefined();
    expectNoUnexpectedExit(d);
  }, 30000);
});

describe('distributed faults - NATS restarted under traffic', () => {
  it('no process exits; gateways are not ready while NATS is away (6 s) and ready again after; new players then join and hear each other within 15 s', async () => {
    const d = await deploy({ label: 'nats-restart', gateways: 2, shards: 2, gatewayEnv: { CONNECT_INTERVAL_MS: '0' } });
    const [g1, g2] = d.gateways;
    const bots = await Promise.all([players.join(g1, { world: 1, localAddress: '127.0.23.1' }), players.join(g2, { world: 1, localAddress: '127.0.23.2' }), players.join(g2, { world: 2, localAddress: '127.0.23.3' })]);
    const talk = chatter(bots);
    try {
      await sleep(500);
      await nats.kill();
      const readiness = await waitUntil('both gateways to report not ready', async () => (await g1.readyz()) === 503 && (await g2.readyz()) === 503, 5000);
      expect(readiness).toBe(true);
      // Away longer than SHARD_TIMEOUT_MS (3 s) and GATEWAY_TIMEOUT_MS (5 s), the defaults: every
      // process gives up on the others, and must find them again afterwards.
      await sleep(6000);
      expectNoUnexpectedExit(d);
      for (const m of d.members) expect(m.service.exit).toBeUndefined();

      // Meanwhile their publishes (chat, heartbeats) wait in the bus's reconnect buffer, and
      // /metrics shows it: held messages and bytes under the 8 MiB bound, nothing dropped.
      for (const [service, member] of [['gateway', g1], ['shard', d.shards[0]!]] as const) {
        const bus = (name: string) => member.metric(`shardgate_${service}_bus_${name}`);
        const held = { service, messages: await bus('buffered_messages'), bytes: await bus('buffered_bytes'), bound: await bus('buffer_limit_bytes'), dropped: await bus('dropped_messages_total') };
        expect({ ...held, some: held.messages > 0 && held.bytes > 0 }).toEqual({ ...held, some: true, bound: 8 * 1024 * 1024, dropped: 0 });
      }

      await nats.restart();
      const back = Date.now();
      await waitUntil('every gateway and shard to be ready again', async () => (await Promise.all(d.members.map((m) => m.service.readyz()))).every((s) => s === 200), 15000, 100);
      // Sent on reconnect: the buffer is empty again, and the reconnection counted.
      for (const [service, member] of [['gateway', g1], ['shard', d.shards[0]!]] as const) {
        const after = { service, held: await member.metric(`shardgate_${service}_bus_buffered_messages`), reconnected: (await member.metric(`shardgate_${service}_bus_reconnects_total`)) >= 1 };
        expect(after).toEqual({ service, held: 0, reconnected: true });
      }

      // New players join on both gateways and hear each other, within 15 s of NATS coming back.
      const failures: string[] = [];
      await waitUntil(
        `two new players to join and hear each other (failed attempts: ${failures.length})`,
        async () => {
          const one = await players.join(g1, { world: 1, localAddress: '127.0.23.10' });
          const two = await players.join(g2, { world: 1, localAddress: '127.0.23.11' });
          try {
            await one.client.waitFor(isSpawnOf(two.instance), 3000);
            two.client.send([19, ['after the outage']]);
            await one.client.waitFor(isChatOf(two.instance, 'after the outage'), 3000);
            one.client.send([19, ['heard you']]);
            await two.client.waitFor(isChatOf(one.instance, 'heard you'), 3000);
            return true;
          } catch (error) {
            failures.push((error as Error).message.slice(0, 200));
            one.client.close();
            two.client.close();
            return false;
          }
        },
        Math.max(0, back + 15000 - Date.now()),
        200,
      );
      expect(Date.now() - back).toBeLessThanOrEqual(15000);
      figure('nats restart', { newPlayersHearEachOtherMs: Date.now() - back });

      // Players from before the outage were either kept (and still play: they hear their own
      // chat) or closed with a Kaetram reason; none is left connected but deaf.
      talk.stop();
      const fates: string[] = [];
      await Promise.all(
        bots.map(async (bot, i) => {
          if (!bot.client.closed) {
            const from = bot.client.packets.length;
            bot.client.send([19, [`still playing ${i}`]]);
            await bot.client.waitFor(isChatOf(bot.instance, `still playing ${i}`), 5000, from).catch(() => undefined);
          }
          if (bot.client.closed) fates.push(`closed ${bot.client.closed.code} ${bot.client.closed.reason}`);
          else fates.push(bot.client.packets.some(isChatOf(bot.instance, `still playing ${i}`)) ? 'kept' : 'open but deaf');
        }),
      );
      const acceptable = (fate: string) => fate === 'kept' || (fate.startsWith('closed 1010 ') && CLOSE_REASONS.includes(fate.slice('closed 1010 '.length)));
      expect(fates.filter((fate) => !acceptable(fate))).toEqual([]);
      expectNoUnexpectedExit(d);
    } finally {
      talk.stop();
    }
  }, 45000);
});

describe('distributed faults - SIGTERM', () => {
  it('a gateway turns not ready at once, refuses newcomers, delivers what was queued, closes its players with maintenance in paced batches, exits 0', async () => {
    const DRAIN = { DRAIN_BATCH: '2', DRAIN_INTERVAL_MS: '200', DRAIN_TIMEOUT_MS: '5000' };
    const d = await deploy({ label: 'sigterm-gateway', gateways: 2, shards: 1, gatewayEnv: { CONNECT_INTERVAL_MS: '0', ...DRAIN } });
    const [draining, other] = d.gateways;
    const six = await Promise.all(Array.from({ length: 6 }, () => players.join(draining, { localAddress: '127.0.24.1' })));
    const watcher = await players.join(other, { localAddress: '127.0.24.2' });
    for (const p of six) await watcher.client.waitFor(isSpawnOf(p.instance), 5000);

    // Something queued for the draining gateway's players right before the signal.
    watcher.client.send([19, ['last words']]);
    await watcher.client.waitFor(isChatOf(watcher.instance, 'last words'), 5000);
    const signalledAt = Date.now();
    d.sigterm(draining);

    const statuses: number[] = [];
    await waitUntil(
      'readiness to turn 503',
      async () => {
        const status = await draining.readyz();
        statuses.push(status);
        return status === 503;
      },
      500,
      10,
    );
    expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]); // answered all along
    expect(Date.now() - signalledAt).toBeLessThanOrEqual(500);

    // A newcomer is refused: connection refused, or closed with maintenance, never admitted.
    const newcomer = await players.connect(draining, { localAddress: '127.0.24.3' }).catch((error: Error) => error);
    if (!(newcomer instanceof Error)) {
      expect(await newcomer.waitClosed()).toEqual({ code: 1010, reason: 'maintenance' });
      expect(wasAdmitted(newcomer)).toBe(false);
    }

    const closes = await Promise.all(six.map((p) => p.client.waitClosed(5000 + 1000)));
    for (const closed of closes) expect(closed).toEqual({ code: 1010, reason: 'maintenance' });
    for (const p of six) expect(p.client.packets.some(isChatOf(watcher.instance, 'last words'))).toBe(true);
    const times = six.map((p) => p.client.closedAt! - signalledAt).sort((a, b) => a - b);
    // Batches of 2 every 200 ms: 3 batches over >= 400 ms (20 ms for the clients' clocks).
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(380);
    for (let i = 0; i + 2 < times.length; i++) expect(times[i + 2] - times[i]).toBeGreaterThanOrEqual(100);

    expect((await draining.waitExit(Math.max(0, signalledAt + 5000 + 1000 - Date.now()))).code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThanOrEqual(6000);
    figure('gateway SIGTERM', { exitedAfterMs: Date.now() - signalledAt });
    // The shard despawned them for the player on the other gateway, which stays.
    for (const p of six) await watcher.client.waitFor(isDespawnOf(p.instance), 5000);
    expect(watcher.client.closed).toBeUndefined();
    expect(await other.readyz()).toBe(200);
    expectNoUnexpectedExit(d);
  }, 30000);

  it('a gateway exits 0 within DRAIN_TIMEOUT_MS even when its batches would take longer, closing the rest with maintenance', async () => {
    const d = await deploy({ label: 'sigterm-gateway-timeout', gateways: 1, shards: 1, gatewayEnv: { CONNECT_INTERVAL_MS: '0', DRAIN_BATCH: '1', DRAIN_INTERVAL_MS: '1000', DRAIN_TIMEOUT_MS: '1500' } });
    const [gateway] = d.gateways;
    const four = await Promise.all(Array.from({ length: 4 }, () => players.join(gateway, { localAddress: '127.0.24.10' })));
    const signalledAt = Date.now();
    d.sigterm(gateway);
    const closes = await Promise.all(four.map((p) => p.client.waitClosed(1500 + 1000)));
    for (const closed of closes) expect(closed).toEqual({ code: 1010, reason: 'maintenance' });
    expect((await gateway.waitExit(Math.max(0, signalledAt + 1500 + 1000 - Date.now()))).code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThanOrEqual(1500 + 1000);
    expectNoUnexpectedExit(d);
  }, 20000);

  it('a shard tells its players, closes them with maintenance and exits 0; the other shard keeps its players', async () => {
    const d = await deploy({ label: 'sigterm-shard', gateways: 1, shards: 2, gatewayEnv: { CONNECT_INTERVAL_MS: '0', SHARD_TIMEOUT_MS: '1500' } });
    const [gateway] = d.gateways;
    const [stopping] = d.shards;
    const onStopping = await Promise.all([0, 1].map(() => players.join(gateway, { world: 1, localAddress: '127.0.25.1' })));
    const kept = await players.join(gateway, { world: 2, localAddress: '127.0.25.2' });

    const signalledAt = Date.now();
    d.sigterm(stopping);
    for (const p of onStopping) {
      expect(await p.client.waitClosed(5000)).toEqual({ code: 1010, reason: 'maintenance' });
      const notice = p.client.packets.find((packet: Packet) => packet[0] === 25);
      expect(notice).toBeDefined();
      expect(notice![1]).toBe(2);
      expect(typeof (notice![2] as { message: unknown }).message).toBe('string');
    }
    expect((await stopping.waitExit(5000)).code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThanOrEqual(5000);

    expect(kept.client.closed).toBeUndefined();
    expect(await gateway.readyz()).toBe(200);
    // A player asking for the stopped world now goes to the one that is left.
    const rerouted = await waitUntil(
      'a player asking for world 1 to be routed to shard 2',
      async () => {
        const c = await players.connect(gateway, { world: 1, localAddress: '127.0.25.3' });
        // Sent to the stopped shard while the gateway still knew it: no answer; give up on it.
        const giveUp = setTimeout(() => c.close(), 1500);
        try {
          return (await c.joinAsGuest()).handshake.serverId;
        } catch {
          c.close();
          return undefined;
        } finally {
          clearTimeout(giveUp);
        }
      },
      5000,
      100,
    );
    expect(rerouted).toBe(2);
    expect(kept.client.closed).toBeUndefined();
    expectNoUnexpectedExit(d);
  }, 30000);
});
