// The distributed mode end to end: 2 gateways and 2 shards started as a user starts them
// (`services/{gateway,shard}/dist/bin.js`), over the machine's shared Redis (127.0.0.1:6379)
// and NATS (127.0.0.1:4222), under random BUS_PREFIX / REDIS_PREFIX so parallel runs never
// meet. Nothing here stops, flushes or restarts the shared servers (that is
// distributed-faults.test.ts, with private ones).
//
// Source addresses: this file uses 127.0.7.x to 127.0.9.x, one per test, so that per-IP
// limits of different tests never interfere.
import { nodeIdOf } from '@shardgate/protocol';
import { Deployment, GATEWAY_BIN, httpRequest, isChatOf, isDespawnOf, isMoveOf, isSpawnOf, type KaetramClient, Players, ServiceProcess, SHARD_BIN, SHARED_NATS_URL, SHARED_REDIS_URL, sleep, waitUntil, walkX, wasAdmitted } from '@shardgate/harness';

const STEP_MS = 25;
const MAX_PER_IP = 5;

let main: Deployment;
let slow: Deployment; // CONNECT_INTERVAL_MS=2000, for toofast across gateways
let small: Deployment; // shards of MAX_PLAYERS=1, for routing around full shards
const players = new Players();

beforeAll(async () => {
  [main, slow, small] = await Promise.all([
    Deployment.start({
      label: 'world',
      redisUrl: SHARED_REDIS_URL,
      natsUrl: SHARED_NATS_URL,
      gateways: 2,
      shards: 2,
      gatewayEnv: { CONNECT_INTERVAL_MS: '0', MAX_CONNECTIONS_PER_IP: String(MAX_PER_IP) },
      shardEnv: { MOVEMENT_SPEED_MS: String(STEP_MS) },
    }),
    Deployment.start({
      label: 'world-toofast',
      redisUrl: SHARED_REDIS_URL,
      natsUrl: SHARED_NATS_URL,
      gateways: 2,
      shards: 1,
      gatewayEnv: { CONNECT_INTERVAL_MS: '2000' },
    }),
    Deployment.start({
      label: 'world-small',
      redisUrl: SHARED_REDIS_URL,
      natsUrl: SHARED_NATS_URL,
      gateways: 1,
      shards: 2,
      gatewayEnv: { CONNECT_INTERVAL_MS: '0' },
      shardEnv: { MAX_PLAYERS: '1' },
    }),
  ]);
}, 30000);

afterEach(() => {
  players.closeAll();
});

afterAll(async () => {
  players.closeAll();
  const all = [main, slow, small].filter(Boolean);
  const unexpected = all.flatMap((d) => d.unexpectedExits());
  await Promise.all(all.map((d) => d.stop()));
  expect(unexpected).toEqual([]);
  expect(all.flatMap((d) => d.stray())).toEqual([]);
}, 20000);

describe('distributed - starting the services', () => {
  it('refuses bad values: exit 1 with one fatal JSON line naming every variable at fault', async () => {
    const [gateway, shard] = await Promise.all([
      ServiceProcess.start(GATEWAY_BIN, { NATS_URL: '', REDIS_URL: 'http://127.0.0.1:6379', REDIS_FAILURE_MODE: 'maybe', GUARD_LEASE_MS: 'soon' }, { waitReady: false }),
      ServiceProcess.start(SHARD_BIN, { NATS_URL: SHARED_NATS_URL, SHARD_ID: '0', MAX_PLAYERS: 'many' }, { waitReady: false }),
    ]);
    expect((await gateway.waitExit()).code).toBe(1);
    expect((await shard.waitExit()).code).toBe(1);
    const gatewayFatal = gateway.logs.filter((l) => l.level === 'fatal');
    expect(gatewayFatal).toHaveLength(1);
    for (const name of ['NATS_URL', 'REDIS_URL', 'REDIS_FAILURE_MODE', 'GUARD_LEASE_MS']) expect(gatewayFatal[0].msg).toContain(name);
    const shardFatal = shard.logs.filter((l) => l.level === 'fatal');
    expect(shardFatal).toHaveLength(1);
    expect(shardFatal[0].msg).toMatch(/SHARD_ID|SERVER_ID/);
    expect(shardFatal[0].msg).toContain('MAX_PLAYERS');
    expect([...gateway.stray, ...shard.stray]).toEqual([]);
  });

  it('serves /healthz, /readyz and /metrics on every process', async () => {
    for (const service of [...main.gateways, ...main.shards]) {
      expect((await httpRequest(`http://127.0.0.1:${service.adminPort}/healthz`)).status).toBe(200);
      expect(await service.readyz()).toBe(200);
    }
    for (const gateway of main.gateways) {
      const text = await gateway.metrics();
      expect(text).toMatch(/^shardgate_gateway_connections(\{[^}]*\})? \d+/m);
      expect(text).toContain('shardgate_gateway_connections_accepted_total');
    }
  });
});

describe('distributed - routing', () => {
  it('sends ?world=<id> to that shard on either gateway (handshake serverId), with deployment-unique instance ids', async () => {
    const seen: Array<{ gateway: number; world: number; serverId: number; instance: string }> = [];
    await Promise.all(
      [0, 1].flatMap((g) =>
        [1, 2].map(async (world) => {
          const joined = await players.join(main.gateways[g], { world, localAddress: '127.0.7.1' });
          seen.push({ gateway: g, world, serverId: joined.serverId, instance: joined.instance });
        }),
      ),
    );
    expect(seen).toHaveLength(4);
    for (const s of seen) {
      expect(s.serverId).toBe(s.world);
      expect(s.instance).toMatch(/^0\d+$/);
    }
    // Instance ids are unique across the deployment: each gateway mints with its own node id.
    expect(new Set(seen.map((s) => s.instance)).size).toBe(4);
    const nodeOf = (g: number) => new Set(seen.filter((s) => s.gateway === g).map((s) => nodeIdOf(s.instance)));
    expect(nodeOf(0).size).toBe(1);
    expect(nodeOf(1).size).toBe(1);
    expect([...nodeOf(0)][0]).not.toBe([...nodeOf(1)][0]);
  });

  it('keeps deployments apart on one NATS by BUS_PREFIX: a world only another deployment has is not routed to', async () => {
    // `slow` has only shard 1; `main`, on the same NATS and Redis, has a shard 2.
    const joined = await players.join(slow.gateways[0], { world: 2, localAddress: '127.0.9.5' });
    expect(joined.serverId).toBe(1);
  });

  it('sends a player asking for a full shard to one with room, and refuses with worldfull when none has room', async () => {
    const [gateway] = small.gateways;
    const first = await players.join(gateway, { world: 1, localAddress: '127.0.7.10' });
    expect(first.serverId).toBe(1);
    const second = await players.join(gateway, { world: 1, localAddress: '127.0.7.10' });
    expect(second.serverId).toBe(2);
    const third = await players.connect(gateway, { world: 1, localAddress: '127.0.7.10' });
    expect(await third.waitClosed()).toEqual({ code: 1010, reason: 'worldfull' });
    expect(wasAdmitted(third)).toBe(false);
    expect(first.client.closed).toBeUndefined();
    expect(second.client.closed).toBeUndefined();
  });

  it('without ?world sends players to the least loaded shard: both shards get some', async () => {
    // Let the shards' heartbeats report the previous test's players gone.
    await sleep(3 * main.heartbeatMs);
    const serverIds: number[] = [];
    for (let i = 0; i < 4; i++) {
      const joined = await players.join(main.gateways[i % 2], { localAddress: '127.0.7.2' });
      serverIds.push(joined.serverId);
    }
    expect(serverIds.every((id) => id === 1 || id === 2)).toBe(true);
    expect(serverIds.filter((id) => id === 1).length).toBeGreaterThanOrEqual(1);
    expect(serverIds.filter((id) => id === 2).length).toBeGreaterThanOrEqual(1);
    // The shards agree: each holds the players routed to it.
    await waitUntil(
      'each shard to count its players',
      async () => (await main.shards[0].metric('shardgate_shard_players')) === serverIds.filter((id) => id === 1).length && (await main.shards[1].metric('shardgate_shard_players')) === serverIds.filter((id) => id === 2).length,
      3000,
    );
  });
});

describe('distributed - players on different gateways in one world', () => {
  it('see each other spawn, move and chat; a player far away on the same shard sees none of it', async () => {
    // The far player (on gateway 2) walks three regions east, out of everyone's 3x3 view.
    const far = await players.join(main.gateways[1], { world: 1, localAddress: '127.0.7.3' });
    expect(far.serverId).toBe(1);
    await walkX(far.client, { x: far.x, y: far.y }, 150, STEP_MS);
    await sleep(200);
    expect(far.client.packets.some((p) => p[0] === 12)).toBe(false); // never teleported back
    expect(far.client.closed).toBeUndefined();
    const farFrom = far.client.packets.length;

    const a = await players.join(main.gateways[0], { world: 1, localAddress: '127.0.7.4' });
    const b = await players.join(main.gateways[1], { world: 1, localAddress: '127.0.7.5' });
    expect([a.serverId, b.serverId]).toEqual([1, 1]);
    expect(nodeIdOf(a.instance)).not.toBe(nodeIdOf(b.instance));
    // Each learns of the other across gateways (a pushed Spawn, or List -> Who -> Spawn).
    await a.client.waitFor(isSpawnOf(b.instance), 5000);
    await b.client.waitFor(isSpawnOf(a.instance), 5000);

    const aFrom = a.client.packets.length;
    const walked = await walkX(b.client, { x: b.x, y: b.y }, 2, STEP_MS);
    const move = await a.client.waitFor(isMoveOf(b.instance), 5000, aFrom);
    expect(move[2]).toMatchObject({ instance: b.instance, y: b.y });
    await a.client.waitFor((p) => isMoveOf(b.instance)(p) && (p[2] as { x: number }).x === walked.x, 5000, aFrom);

    a.client.send([19, ['hello across gateways']]);
    const heard = await b.client.waitFor(isChatOf(a.instance, 'hello across gateways'), 5000);
    expect(heard[1]).toMatchObject({ instance: a.instance, message: 'hello across gateways', withBubble: true });
    await a.client.waitFor(isChatOf(a.instance, 'hello across gateways'), 5000); // the sender hears itself
    b.client.send([19, ['and back']]);
    await a.client.waitFor(isChatOf(b.instance, 'and back'), 5000);
    expect(b.client.packets.some(isMoveOf(b.instance))).toBe(false); // never one's own moves

    await sleep(300);
    const farSaw = far.client.packets.slice(farFrom);
    expect(farSaw.some(isMoveOf(b.instance))).toBe(false);
    expect(farSaw.some((p) => p[0] === 19)).toBe(false);
    expect(farSaw.some(isSpawnOf(a.instance))).toBe(false);
    expect(farSaw.some(isSpawnOf(b.instance))).toBe(false);
    // Every frame is an array of packets, on every gateway.
    for (const client of [a.client, b.client, far.client]) for (const frame of client.frames) expect(frame.startsWith('[[')).toBe(true);
  });

  it('despawns a player for those on the other gateway who saw it, when it leaves', async () => {
    const a = await players.join(main.gateways[0], { world: 2, localAddress: '127.0.7.6' });
    const b = await players.join(main.gateways[1], { world: 2, localAddress: '127.0.7.7' });
    await a.client.waitFor(isSpawnOf(b.instance), 5000);
    b.client.close();
    const despawn = await a.client.waitFor(isDespawnOf(b.instance), 5000);
    expect(despawn).toEqual([13, { instance: b.instance }]);
  });

  it('keeps worlds apart: players of shard 1 never hear chat on shard 2', async () => {
    const one = await players.join(main.gateways[0], { world: 1, localAddress: '127.0.7.8' });
    const two = await players.join(main.gateways[0], { world: 2, localAddress: '127.0.7.8' });
    const other = await players.join(main.gateways[1], { world: 2, localAddress: '127.0.7.9' });
    await other.client.waitFor(isSpawnOf(two.instance), 5000);
    const from = one.client.packets.length;
    two.client.send([19, ['only on world two']]);
    await other.client.waitFor(isChatOf(two.instance, 'only on world two'), 5000);
    await sleep(200);
    expect(one.client.packets.slice(from).some((p) => p[0] === 19)).toBe(false);
    expect(one.client.packets.some(isSpawnOf(two.instance))).toBe(false);
  });
});

describe('distributed - per-IP limits across gateways (Redis)', () => {
  it(`admits exactly MAX_CONNECTIONS_PER_IP (${MAX_PER_IP}) of 200 simultaneous connects from one address spread over both gateways; the rest are toomany`, async () => {
    const ip = '127.0.8.1';
    const acceptedBefore = (await main.gateways[0].metric('shardgate_gateway_connections_accepted_total')) + (await main.gateways[1].metric('shardgate_gateway_connections_accepted_total'));
    const attempts = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => players.connect(main.gateways[i % 2], { localAddress: ip })));
    const clients = attempts.filter((r): r is PromiseFulfilledResult<KaetramClient> => r.status === 'fulfilled').map((r) => r.value);
    const failed = attempts.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);

    // Never more than the limit admitted at any moment while they settle.
    let most = 0;
    await waitUntil(
      'every connect to be admitted or refused',
      () => {
        const admittedNow = clients.filter((c) => wasAdmitted(c) && !c.closed).length;
        most = Math.max(most, admittedNow);
        return clients.every((c) => c.closed || wasAdmitted(c));
      },
      15000,
      20,
    );
    // Let stragglers (a late admission would show the limit is broken) arrive.
    await sleep(500);
    const admitted = clients.filter((c) => wasAdmitted(c));
    const refused = clients.filter((c) => c.closed);
    expect(most).toBeLessThanOrEqual(MAX_PER_IP);
    expect(admitted.length).toBe(MAX_PER_IP);
    expect(admitted.every((c) => !c.closed)).toBe(true);
    expect(refused.length).toBe(200 - MAX_PER_IP);
    const reasons = new Map<string, number>();
    for (const c of refused) reasons.set(`${c.closed!.code} ${c.closed!.reason}`, (reasons.get(`${c.closed!.code} ${c.closed!.reason}`) ?? 0) + 1);
    expect(Object.fromEntries(reasons)).toEqual({ '1010 toomany': 200 - MAX_PER_IP });
    // Both gateways took part in the refusals, and the metrics agree with the clients.
    const acceptedAfter = (await main.gateways[0].metric('shardgate_gateway_connections_accepted_total')) + (await main.gateways[1].metric('shardgate_gateway_connections_accepted_total'));
    expect(acceptedAfter - acceptedBefore).toBe(MAX_PER_IP);
    expect(await main.gateways[0].metric('shardgate_gateway_connections_refused_total', { reason: 'toomany' })).toBeGreaterThan(0);
    expect(await main.gateways[1].metric('shardgate_gateway_connections_refused_total', { reason: 'toomany' })).toBeGreaterThan(0);
  }, 30000);

  it('frees a slot for the other gateway when a player leaves', async () => {
    const ip = '127.0.8.2';
    const held = await Promise.all(Array.from({ length: MAX_PER_IP }, (_, i) => players.connect(main.gateways[i % 2], { localAddress: ip })));
    await Promise.all(held.map((c) => c.waitForId(0)));
    const extra = await players.connect(main.gateways[0], { localAddress: ip });
    expect(await extra.waitClosed()).toEqual({ code: 1010, reason: 'toomany' });
    // A player on gateway 2 leaves: gateway 1 can admit one more from that address.
    const leaving = held[1];
    leaving.close();
    await leaving.waitClosed();
    const again = await waitUntil(
      'the freed slot to be usable on the other gateway',
      async () => {
        const c = await players.connect(main.gateways[0], { localAddress: ip });
        await waitUntil('admitted or refused', () => c.closed || wasAdmitted(c), 5000, 10);
        return wasAdmitted(c) ? c : undefined;
      },
      3000,
      100,
    );
    expect(again.closed).toBeUndefined();
  });

  it('refuses a connection on gateway 2 inside CONNECT_INTERVAL_MS of one on gateway 1 with toofast', async () => {
    const ip = '127.0.9.1';
    const first = await players.connect(slow.gateways[0], { localAddress: ip });
    await first.waitForId(0);
    const admittedAt = Date.now();
    const second = await players.connect(slow.gateways[1], { localAddress: ip });
    expect(await second.waitClosed()).toEqual({ code: 1010, reason: 'toofast' });
    expect(wasAdmitted(second)).toBe(false);
    // Another address is not affected, on either gateway.
    await (await players.connect(slow.gateways[1], { localAddress: '127.0.9.2' })).waitForId(0);
    // After the interval the address is admitted again, on the other gateway.
    await sleep(Math.max(0, admittedAt + 2000 + 150 - Date.now()));
    const later = await players.connect(slow.gateways[1], { localAddress: ip });
    await later.waitForId(0);
    expect(later.closed).toBeUndefined();
  });
});
