import { decodeMap, KaetramClient, type Packet, ServiceProcess, walkX } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const STEP_MS = 25;

// One embedded shardgate, started as `npm start` starts it, shared by the tests below.
let service: ServiceProcess;
const clients: KaetramClient[] = [];

async function join(localAddress = '127.0.0.1', path = '/ws') {
  const client = await KaetramClient.connect(`ws://127.0.0.1:${service.port}${path}`, localAddress);
  clients.push(client);
  const joined = await client.joinAsGuest();
  return { client, ...joined, x: joined.welcome.x as number, y: joined.welcome.y as number };
}

const isMoveOf = (instance: string) => (p: Packet) => p[0] === 11 && p[1] === 4 && (p[2] as { instance: string }).instance === instance;
const isChatOf = (instance: string, message: string) => (p: Packet) =>
  p[0] === 19 && (p[1] as { instance: string; message: string }).instance === instance && (p[1] as { message: string }).message === message;

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0', MOVEMENT_SPEED_MS: String(STEP_MS) });
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  await service.stop();
  expect(service.stray).toEqual([]);
});

describe('embedded - connection lifecycle', () => {
  it('greets with [[0,null]] first, then handshake, welcome, map of the 3x3 regions, and list', async () => {
    const client = await KaetramClient.connect(service.url);
    clients.push(client);
    await client.waitForId(0);
    expect(client.frames[0]).toBe('[[0,null]]');

    client.send([1, { gVer: '0.5.5-beta' }]);
    const handshake = (await client.waitForId(1))[1] as Record<string, unknown>;
    expect(handshake.type).toBe('client');
    expect(handshake.serverId).toBe(1);
    expect(typeof handshake.serverTime).toBe('number');
    const instance = handshake.instance as string;
    expect(instance).toMatch(/^0\d+$/);

    client.send([2, { opcode: 2 }]);
    const welcome = (await client.waitForId(3))[1] as Record<string, number | string>;
    expect(welcome.instance).toBe(instance);
    expect(welcome.name).toMatch(/^Guest/);
    for (const field of ['x', 'y', 'level', 'hitPoints', 'maxHitPoints', 'mana', 'maxMana', 'movementSpeed', 'orientation', 'attackRange', 'rank']) {
      expect(typeof welcome[field]).toBe('number');
    }

    client.send([9, { regionsLoaded: 0, userAgent: 'jest' }]);
    const map = decodeMap(await client.waitForId(4));
    expect(map.byteLength).toBe(Buffer.byteLength(map.json));
    // 480x480 map, 10 regions a row: the player's region and its 8 neighbours.
    const x = welcome.x as number;
    const y = welcome.y as number;
    const region = Math.floor(y / 48) * 10 + Math.floor(x / 48);
    const expected = [-11, -10, -9, -1, 0, 1, 9, 10, 11].map((d) => String(region + d)).sort();
    expect(Object.keys(map.regions).sort()).toEqual(expected);
    const list = await client.waitForId(6);
    expect(list[1]).toBe(0);
    expect(Array.isArray((list[2] as { entities: unknown }).entities)).toBe(true);
    // Packets of one tick arrive in one frame: never a bare packet.
    for (const frame of client.frames) expect(frame.startsWith('[[')).toBe(true);
  });

  it('also accepts the Kaetram client connecting to / with no path', async () => {
    const { instance } = await join('127.0.0.1', '/');
    expect(instance).toMatch(/^0\d+$/);
  });
});

describe('embedded - players in one region', () => {
  it('see each other spawn, move and chat; a player far away sees none of it', async () => {
    const far = await join('127.0.0.2');
    // Walk the far player three regions east (out of everyone's 3x3 view), then start the others.
    await walkX(far.client, { x: far.x, y: far.y }, 150, STEP_MS);
    await new Promise((r) => setTimeout(r, 200));
    expect(far.client.packets.some((p) => p[0] === 12)).toBe(false); // never teleported back

    const a = await join('127.0.0.3');
    const b = await join('127.0.0.4');
    // A learns of B (a Spawn pushed when B entered, or List -> Who -> Spawn).
    const isSpawnOf = (instance: string) => (p: Packet) => p[0] === 5 && (p[1] as { instance: string }).instance === instance;
    await a.client.waitFor(isSpawnOf(b.instance));
    // B learns of A from its List and the Who it sent for it.
    await b.client.waitFor(isSpawnOf(a.instance));

    const aFrom = a.client.packets.length;
    const farFrom = far.client.packets.length;
    const walked = await walkX(b.client, { x: b.x, y: b.y }, 2, STEP_MS);
    const move = await a.client.waitFor(isMoveOf(b.instance), 5000, aFrom);
    expect(move[2]).toMatchObject({ instance: b.instance, y: b.y });
    await a.client.waitFor((p) => p[0] === 11 && (p[2] as { x: number; instance: string }).instance === b.instance && (p[2] as { x: number }).x === walked.x, 5000, aFrom);

    a.client.send([19, ['  hello there  ']]);
    const heard = await b.client.waitFor(isChatOf(a.instance, 'hello there'));
    expect(heard[1]).toMatchObject({ instance: a.instance, message: 'hello there' });
    // The sender hears itself; the mover never gets its own moves.
    await a.client.waitFor(isChatOf(a.instance, 'hello there'));
    expect(b.client.packets.some(isMoveOf(b.instance))).toBe(false);

    await new Promise((r) => setTimeout(r, 300));
    const farSaw = far.client.packets.slice(farFrom);
    expect(farSaw.some(isMoveOf(b.instance))).toBe(false);
    expect(farSaw.some((p) => p[0] === 19)).toBe(false);
    expect(farSaw.some(isSpawnOf(a.instance) as (p: Packet) => boolean)).toBe(false);
  });

  it('despawns a player for those who saw it when it leaves', async () => {
    const a = await join('127.0.0.5');
    const b = await join('127.0.0.6');
    await a.client.waitFor((p) => p[0] === 5 && (p[1] as { instance: string }).instance === b.instance);
    b.client.close();
    const despawn = await a.client.waitFor((p) => p[0] === 13 && (p[1] as { instance: string }).instance === b.instance);
    expect(despawn[1]).toEqual({ instance: b.instance });
  });

  it('teleports a player back after an implausible step and tells nobody else', async () => {
    const a = await join('127.0.0.7');
    const b = await join('127.0.0.8');
    await b.client.waitFor((p) => p[0] === 5 && (p[1] as { instance: string }).instance === a.instance);
    const bFrom = b.client.packets.length;
    a.client.send([11, { opcode: 2, playerX: a.x + 9, playerY: a.y, timestamp: Date.now() }]);
    const teleport = await a.client.waitForId(12);
    expect(teleport[1]).toMatchObject({ instance: a.instance, x: a.x, y: a.y });
    await new Promise((r) => setTimeout(r, 200));
    expect(b.client.packets.slice(bFrom).some(isMoveOf(a.instance))).toBe(false);
  });

  it('answers a pong and List again without complaint', async () => {
    const a = await join('127.0.0.9');
    const from = a.client.packets.length;
    a.client.send([18, [1]]);
    a.client.send([6, null]);
    const list = await a.client.waitForId(6, 5000, from);
    expect(list[1]).toBe(0);
    expect(a.client.closed).toBeUndefined();
  });
});
