// Protocol conformance with Kaetram-Open at 4bdbd6d (2024-01-14, "feat: latency calculation
// and handshake protocol"), the uWebSockets era whose stock client shardgate serves. Each case
// names the Kaetram file and function its expected shape was read from; the expectations are
// written from that reading, not copied. One embedded shardgate, started as a user starts it,
// on a world map in Kaetram's world.json format (test/kaetram/world-fixture.ts, our content).
import { CloseReasons } from '@shardgate/protocol';
import { KaetramClient, ServiceProcess, decodeMap, isMoveOf, isSpawnOf, type Packet } from '@shardgate/harness';
import { kaetramWorld, writeTemp, type WorldLayout } from './world-fixture';

/** `GVER` in Kaetram's .env.defaults: what the stock client sends (the client's astro.config.ts `version`). */
const STOCK_GVER = '0.5.5-beta';
/** Kaetram's `Modules.Defaults.MOVEMENT_SPEED` (packages/common/network/modules.ts). */
const KAETRAM_SPEED = 220;
/** Kaetram's `Modules.Constants.MAP_DIVISION_SIZE` (modules.ts): the region side. */
const DIVISION = 48;
/**
 * Every reason the stock client's `Messages.handleCloseReason` (packages/client/src/network/
 * messages.ts) has words for; anything else shows "An unknown error has occurred".
 */
const CLIENT_CLOSE_REASONS = new Set([
  'worldfull', 'error', 'banned', 'disabledregister', 'development', 'disallowed', 'maintenance', 'userexists', 'emailexists',
  'invalidinput', 'swappedworlds', 'loggedin', 'invalidlogin', 'toofast', 'timeout', 'updated', 'cheating', 'lost', 'toomany',
  'ratelimit', 'invalidpassword',
]);

let layout: WorldLayout;
let service: ServiceProcess;
const clients: KaetramClient[] = [];

beforeAll(async () => {
  layout = kaetramWorld(); // 1152 x 1008, as Kaetram's world: 24 regions per row
  const mapFile = writeTemp('world.json', layout.world);
  // Defaults everywhere (GAME_VERSION, MOVEMENT_SPEED_MS) but the connect interval, and a
  // Ready deadline shorter than Kaetram's 7 s so that case does not take 7 s.
  service = await ServiceProcess.start('services/embedded/dist/bin.js', { MAP_FILE: mapFile, CONNECT_INTERVAL_MS: '0', READY_TIMEOUT_MS: '1500' });
}, 30_000);

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  await service.stop();
});

async function connect(): Promise<KaetramClient> {
  const client = await KaetramClient.connect(service.url);
  clients.push(client);
  return client;
}

async function handshaken(): Promise<{ client: KaetramClient; handshake: Record<string, unknown> }> {
  const client = await connect();
  await client.waitForId(0);
  client.send([1, { gVer: STOCK_GVER }]);
  const handshake = (await client.waitForId(1))[1] as Record<string, unknown>;
  return { client, handshake };
}

async function join() {
  const client = await connect();
  const joined = await client.joinAsGuest(STOCK_GVER);
  return { client, ...joined, x: joined.welcome.x as number, y: joined.welcome.y as number };
}

const kaetramRegion = (x: number, y: number) => Math.floor(y / DIVISION) * (layout.world.width / DIVISION) + Math.floor(x / DIVISION);
const walkable = (x: number, y: number) => !layout.blocked.has(y * layout.world.width + x);

describe('kaetram conformance - connection and login', () => {
  it('Connected: the first frame is [[0,null]] (ConnectedPacket, sent by the Player constructor, server player.ts)', async () => {
    const client = await connect();
    await client.waitForId(0);
    expect(client.frames[0]).toBe('[[0,null]]');
  });

  it("Handshake: the stock client's gVer is accepted by default (Incoming.handleHandshake compares config.gver)", async () => {
    const { handshake } = await handshaken();
    expect(handshake).toEqual({ type: 'client', instance: expect.stringMatching(/^0\d+$/), serverId: 1, serverTime: expect.any(Number) });
  });

  it('Handshake: serverTime is ~~performance.now(), int32 ms since the server started (Incoming.handleHandshake; the client keeps timeOffset = ~~performance.now() - serverTime)', async () => {
    const { handshake } = await handshaken();
    const serverTime = handshake.serverTime as number;
    expect(Number.isInteger(serverTime)).toBe(true);
    expect(serverTime).toBe(serverTime | 0); // fits an int32
    expect(serverTime).toBeGreaterThanOrEqual(0);
    expect(serverTime).toBeLessThan(10 * 60_000); // a process started seconds ago, not epoch milliseconds
  });

  it('Handshake: another gVer is closed with 1010 updated (Incoming.handleHandshake)', async () => {
    const client = await connect();
    await client.waitForId(0);
    client.send([1, { gVer: 'alpha-2.5.1' }]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'updated' });
  });

  it('Login before the handshake is closed with lost (Incoming.handleLogin: completedHandshake)', async () => {
    const client = await connect();
    await client.waitForId(0);
    client.send([2, { opcode: 2 }]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'lost' });
  });

  it('Login: register is closed with disabledregister (Incoming.handleLogin, Opcodes.Login.Register with registration off)', async () => {
    const { client } = await handshaken();
    client.send([2, { opcode: 1, username: 'someone', password: 'secret-pass', email: 'a@b.c' }]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'disabledregister' });
  });

  it('Login: account login, with no account store, is closed with invalidlogin (a reason handleCloseReason knows)', async () => {
    const { client } = await handshaken();
    client.send([2, { opcode: 0, username: 'someone', password: 'secret-pass' }]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'invalidlogin' });
  });

  it('Welcome: Player.serialize(false, true, true) from Player.intro: no equipments, experience and mana, Kaetram speed', async () => {
    const { client } = await handshaken();
    client.send([2, { opcode: 2 }]);
    const welcome = (await client.waitForId(3)) as [number, Record<string, unknown>];
    expect(welcome).toHaveLength(2);
    expect(welcome[1]).toMatchObject({
      instance: expect.any(String),
      type: 0, // Modules.EntityType.Player
      name: expect.any(String),
      x: expect.any(Number),
      y: expect.any(Number),
      level: expect.any(Number),
      hitPoints: expect.any(Number),
      maxHitPoints: expect.any(Number),
      movementSpeed: KAETRAM_SPEED,
      orientation: expect.any(Number),
      attackRange: expect.any(Number),
      rank: 0,
      experience: expect.any(Number),
      mana: expect.any(Number),
      maxMana: expect.any(Number),
    });
    expect(welcome[1]).not.toHaveProperty('equipments');
  });

  it('Ready not sent within the deadline: closed with error (Player.intro: readyTimeout rejects with error)', async () => {
    const { client } = await handshaken();
    client.send([2, { opcode: 2 }]);
    await client.waitForId(3);
    expect(await client.waitClosed(5000)).toEqual({ code: 1010, reason: 'error' });
  });
});

describe('kaetram conformance - the world', () => {
  it("the shard reports Kaetram's world: 1152 x 1008 tiles, 24 regions per row, 504 regions (Regions.buildRegions)", async () => {
    const started = await service.waitLog((l) => l.msg === 'shard started');
    expect(started).toMatchObject({ width: 1152, height: 1008, regionsPerRow: 24, regions: 24 * 21, gameVersion: STOCK_GVER });
  });

  it("Map: [4, base64 gzip JSON, byte length] of the 3x3 regions, ids and walls as Kaetram's Regions compute them on its world.json", async () => {
    const { client, x, y } = await join();
    const packet = client.packets.find((p) => p[0] === 4)!;
    expect(packet).toHaveLength(3);
    const { regions, byteLength, json } = decodeMap(packet);
    expect(byteLength).toBe(Buffer.byteLength(json));
    // Regions.getSurroundingRegions around Regions.getRegion(x, y), numbered row by row with width / 48 per row.
    const centre = kaetramRegion(x, y);
    const columns = layout.world.width / DIVISION;
    const expected = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => centre + dy * columns + dx)).sort((a, b) => a - b);
    expect(Object.keys(regions).map(Number).sort((a, b) => a - b)).toEqual(expected);
    // Regions.buildTile: every non-empty tile, `c` exactly on the collision indices; empty tiles left out.
    for (const [id, tiles] of Object.entries(regions)) {
      const top = Math.floor(Number(id) / columns) * DIVISION;
      const left = (Number(id) % columns) * DIVISION;
      let count = 0;
      for (const tile of tiles) {
        const index = tile.y * layout.world.width + tile.x;
        if (kaetramRegion(tile.x, tile.y) !== Number(id)) throw new Error(`tile (${tile.x}, ${tile.y}) sent in region ${id}`);
        if ((tile.c === true) !== layout.blocked.has(index)) throw new Error(`tile (${tile.x}, ${tile.y}): c=${tile.c}`);
        count += 1;
      }
      let nonEmpty = 0;
      for (let ty = top; ty < top + DIVISION; ty++) for (let tx = left; tx < left + DIVISION; tx++) if (!layout.empty.has(ty * layout.world.width + tx)) nonEmpty += 1;
      expect(count).toBe(nonEmpty);
    }
    // Map.parseTileData: a flipped id reaches the client as {tileId, h, v, d}.
    const fx = layout.flippedAt % layout.world.width;
    const fy = Math.floor(layout.flippedAt / layout.world.width);
    const flipped = regions[String(kaetramRegion(fx, fy))]!.find((t) => t.x === fx && t.y === fy);
    expect(flipped?.data).toEqual([1, { tileId: 5, h: true, v: false, d: true }]);
  });

  it('List and Who: [6, 0, {entities}], then a Spawn per instance asked (Regions.sendEntities, Incoming.handleWho)', async () => {
    const a = await join();
    const b = await connect();
    await b.waitForId(0);
    b.send([1, { gVer: STOCK_GVER }]);
    await b.waitForId(1);
    b.send([2, { opcode: 2 }]);
    await b.waitForId(3);
    b.send([9, { regionsLoaded: 0, userAgent: 'conformance' }]);
    const list = await b.waitForId(6);
    expect(list).toEqual([6, 0, { entities: expect.arrayContaining([a.instance]) }]);
    b.send([7, [a.instance]]);
    await b.waitFor(isSpawnOf(a.instance));
  });

  it('List asked again: C->S [6, null] gets [6, 0, {entities}] (Incoming: Packets.List -> Player.updateEntityList)', async () => {
    const a = await join();
    const b = await join();
    const from = b.client.packets.length;
    b.client.send([6, null]);
    expect(await b.client.waitForId(6, 5000, from)).toEqual([6, 0, { entities: expect.arrayContaining([a.instance]) }]);
  });

  it('Movement Request and Started from where the player stands are taken without an answer (Player.handleMovementRequest / handleMovementStarted)', async () => {
    const a = await join();
    const dx = walkable(a.x + 1, a.y) ? 1 : -1;
    const from = a.client.packets.length;
    a.client.send([11, { opcode: 0, playerX: a.x, playerY: a.y, requestX: a.x + dx, requestY: a.y }]);
    a.client.send([11, { opcode: 1, playerX: a.x, playerY: a.y, movementSpeed: KAETRAM_SPEED }]);
    // A chat round trip after them: if either had been refused, its Teleport would come first.
    a.client.send([19, ['after the request']]);
    await a.client.waitFor((p) => p[0] === 19, 5000, from);
    expect(a.client.packets.slice(from).some((p) => p[0] === 12)).toBe(false);
  });

  it("Spawn of a player: Player.serialize(true) from SpawnPacket (common/network/impl/spawn.ts): equipments in Modules.Equipment order, Kaetram's speed", async () => {
    const a = await join();
    const b = await join();
    const spawn = (await b.client.waitFor(isSpawnOf(a.instance))) as [number, Record<string, unknown>];
    expect(spawn).toHaveLength(2);
    expect(spawn[1]).toMatchObject({
      instance: a.instance,
      type: 0,
      name: expect.any(String),
      x: expect.any(Number),
      y: expect.any(Number),
      level: expect.any(Number),
      hitPoints: expect.any(Number),
      maxHitPoints: expect.any(Number),
      movementSpeed: KAETRAM_SPEED,
      orientation: expect.any(Number),
      attackRange: expect.any(Number),
      rank: 0,
    });
    // Equipments.serialize(true): one entry per slot (Armour, Boots, Pendant, Ring, Weapon,
    // Arrows, WeaponSkin, ArmourSkin), each Equipment.serialize(true); the client's Player.equip
    // reads key/name/count and unequips a slot whose key is empty.
    const equipments = spawn[1].equipments as Array<Record<string, unknown>>;
    expect(Array.isArray(equipments)).toBe(true);
    expect(equipments.map((e) => e.type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const e of equipments) {
      expect(e).toMatchObject({ type: expect.any(Number), key: expect.any(String), name: expect.any(String), count: expect.any(Number), enchantments: {} });
    }
    // A fresh guest's: every slot empty, so the client puts its defaults back (cloth armour).
    expect(equipments.every((e) => e.key === '' && e.count === -1)).toBe(true);
  });

  it('Movement: each step reaches the others as [11, 4, {instance, x, y, forced}] (Player.setPosition), never the mover', async () => {
    const a = await join();
    const b = await join();
    await b.client.waitFor(isSpawnOf(a.instance));
    const dx = walkable(a.x + 1, a.y) ? 1 : -1;
    a.client.send([11, { opcode: 1, playerX: a.x, playerY: a.y, movementSpeed: KAETRAM_SPEED }]);
    a.client.send([11, { opcode: 2, playerX: a.x + dx, playerY: a.y, nextGridX: a.x + dx, nextGridY: a.y, timestamp: 0 }]);
    const move = await b.client.waitFor(isMoveOf(a.instance));
    expect(move).toEqual([11, 4, { instance: a.instance, x: a.x + dx, y: a.y, forced: false }]);
    expect(a.client.packets.some(isMoveOf(a.instance))).toBe(false);
  });

  it('Movement: the end of a walk reaches the others as a final Move, never a Stop (Player.handleMovementStop -> setPosition)', async () => {
    const a = await join();
    const b = await join();
    await b.client.waitFor(isSpawnOf(a.instance));
    const dx = walkable(a.x + 1, a.y) ? 1 : -1;
    const from = b.client.packets.length;
    a.client.send([11, { opcode: 1, playerX: a.x, playerY: a.y, movementSpeed: KAETRAM_SPEED }]);
    a.client.send([11, { opcode: 2, playerX: a.x + dx, playerY: a.y, nextGridX: a.x + dx, nextGridY: a.y, timestamp: 0 }]);
    a.client.send([11, { opcode: 3, playerX: a.x + dx, playerY: a.y, orientation: dx > 0 ? 3 : 2 }]);
    // Both Moves arrive (the step's and the stop's), in order, to the tile the walker stands on.
    const first = await b.client.waitFor(isMoveOf(a.instance), 5000, from);
    await b.client.waitFor(isMoveOf(a.instance), 5000, b.client.packets.indexOf(first, from) + 1);
    const movement = b.client.packets.slice(from).filter((p) => p[0] === 11 && (p[2] as { instance?: string })?.instance === a.instance);
    expect(movement).toEqual([
      [11, 4, { instance: a.instance, x: a.x + dx, y: a.y, forced: false }],
      [11, 4, { instance: a.instance, x: a.x + dx, y: a.y, forced: false }],
    ]);
    expect(movement.some((p) => p[1] === 3)).toBe(false);
  });

  it('Teleport: a step through a wall puts the mover back with [12, {instance, x, y, withAnimation}] (Player.verifyCollision -> teleport)', async () => {
    const a = await join();
    a.client.send([11, { opcode: 2, playerX: a.x + 5, playerY: a.y, timestamp: 0 }]);
    const teleport = await a.client.waitForId(12);
    expect(teleport).toEqual([12, { instance: a.instance, x: a.x, y: a.y, withAnimation: false }]);
  });

  it('Chat: [19, {instance, message, withBubble, colour}] to the surrounding regions, sender included (Player.chat)', async () => {
    const a = await join();
    const b = await join();
    await b.client.waitFor(isSpawnOf(a.instance));
    a.client.send([19, ['hello <b>there</b>']]);
    const isChat = (p: Packet) => p[0] === 19 && (p[1] as { instance?: string }).instance === a.instance;
    for (const client of [a.client, b.client]) {
      const chat = (await client.waitFor(isChat)) as [number, Record<string, unknown>];
      // HTML-escaped as Incoming.handleChat's sanitizer.escape does; `name` is shardgate's extra.
      expect(chat[1]).toMatchObject({ instance: a.instance, message: 'hello &lt;b&gt;there&lt;/b&gt;', withBubble: true, colour: '' });
    }
  });

  it('Despawn: a player who leaves is [13, {instance}] to those who saw him (Player.handleClose -> Entities.removePlayer)', async () => {
    const a = await join();
    const b = await join();
    await b.client.waitFor(isSpawnOf(a.instance));
    a.client.close();
    expect(await b.client.waitFor((p) => p[0] === 13)).toEqual([13, { instance: a.instance }]);
  });

  it('Network: /ping gets [18, 0, null] (Player.ping), the pong [18, [1]] gets [25, 2, {message, colour, source}] (Incoming.handleNetwork -> Player.notify)', async () => {
    const a = await join();
    a.client.send([19, ['/ping']]);
    expect(await a.client.waitForId(18)).toEqual([18, 0, null]);
    a.client.send([18, [1]]);
    const notice = (await a.client.waitForId(25)) as [number, number, Record<string, unknown>];
    expect(notice).toEqual([25, 2, { message: expect.stringMatching(/^Latency of \d+ms$/), colour: 'red', source: '' }]);
  });

  it("Close reasons: every reason shardgate closes with is one the stock client's Messages.handleCloseReason has words for", () => {
    for (const reason of Object.values(CloseReasons)) expect([reason, CLIENT_CLOSE_REASONS.has(reason)]).toEqual([reason, true]);
  });
});
