import { httpRequest, KaetramClient, type Packet, ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const TOKEN = 'test-token-0123456789abcdef';
let service: ServiceProcess;
const clients: KaetramClient[] = [];

function admin(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return httpRequest(`http://127.0.0.1:${service.adminPort}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function join(localAddress: string) {
  const client = await KaetramClient.connect(service.url, localAddress);
  clients.push(client);
  const joined = await client.joinAsGuest();
  return { client, ...joined, x: joined.welcome.x as number, y: joined.welcome.y as number };
}

const about = (instance: string) => (p: Packet) => (p[1] as { instance?: string } | null)?.instance === instance;

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0', ADMIN_TOKEN: TOKEN });
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  await service.stop();
  expect(service.stray).toEqual([]);
});

describe('admin API - auth', () => {
  it('refuses a missing or wrong bearer token with 401 and logs it', async () => {
    expect((await admin('GET', '/admin/stats', undefined, null)).status).toBe(401);
    expect((await admin('GET', '/admin/stats', undefined, 'wrong-token-0123456789')).status).toBe(401);
    expect((await admin('GET', '/admin/stats', undefined, `${TOKEN}x`)).status).toBe(401);
    // Of the right length but not the token: a compare of lengths or of a prefix would let these in.
    const flip = (c: string) => (c === 'a' ? 'b' : 'a');
    for (const sameLength of [`${TOKEN.slice(0, -1)}${flip(TOKEN.slice(-1))}`, `${flip(TOKEN[0]!)}${TOKEN.slice(1)}`, [...TOKEN].reverse().join(''), TOKEN.toUpperCase()]) {
      expect({ sameLength, status: (await admin('GET', '/admin/stats', undefined, sameLength)).status }).toEqual({ sameLength, status: 401 });
    }
    expect((await admin('GET', '/admin/stats', undefined, TOKEN.slice(0, -1))).status).toBe(401);
    await service.waitLog((l) => l.msg === 'admin request refused: bad or missing token');
  });

  it('is off when no ADMIN_TOKEN is set, while health and metrics still answer', async () => {
    const plain = await ServiceProcess.start(EMBEDDED, {});
    try {
      const reply = await httpRequest(`http://127.0.0.1:${plain.adminPort}/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(reply.status).toBe(404);
      expect((await httpRequest(`http://127.0.0.1:${plain.adminPort}/healthz`)).status).toBe(200);
      expect((await httpRequest(`http://127.0.0.1:${plain.adminPort}/metrics`)).body).toContain('shardgate_gateway_connections');
    } finally {
      await plain.stop();
    }
  });

  it('answers bad bodies with 400', async () => {
    expect((await admin('POST', '/admin/bans', { ip: 'not-an-ip' })).status).toBe(400);
    expect((await admin('POST', '/admin/kick', { instance: 12 })).status).toBe(400);
    expect((await admin('POST', '/admin/kick', { instance: '0123', reason: 'bogus' })).status).toBe(400);
    expect((await admin('POST', '/admin/teleport', { instance: '0123', x: -1, y: 2 })).status).toBe(400);
    const raw = await httpRequest(`http://127.0.0.1:${service.adminPort}/admin/bans`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{oops' });
    expect(raw.status).toBe(400);
  });
});

describe('admin API - bans, kicks, teleports, stats', () => {
  it('a ban closes the IP\'s live connections with banned within a second and refuses it until unbanned', async () => {
    const victim = await join('127.0.10.1');
    const bystander = await join('127.0.10.2');
    const started = Date.now();
    const banned = await admin('POST', '/admin/bans', { ip: '127.0.10.1' });
    expect(banned.status).toBe(200);
    expect(JSON.parse(banned.body)).toMatchObject({ banned: '127.0.10.1' });
    expect(await victim.client.waitClosed(1000)).toEqual({ code: 1010, reason: 'banned' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(bystander.client.closed).toBeUndefined();
    expect(JSON.parse((await admin('GET', '/admin/bans')).body)).toMatchObject({ bans: ['127.0.10.1'] });
    const again = await KaetramClient.connect(service.url, '127.0.10.1');
    expect(await again.waitClosed()).toEqual({ code: 1010, reason: 'banned' });
    expect((await admin('DELETE', '/admin/bans/127.0.10.1')).status).toBe(200);
    expect(JSON.parse((await admin('GET', '/admin/bans')).body)).toMatchObject({ bans: [] });
    await join('127.0.10.1');
  });

  it('kicks one player with the given reason', async () => {
    const a = await join('127.0.10.3');
    const b = await join('127.0.10.4');
    expect((await admin('POST', '/admin/kick', { instance: a.instance, reason: 'cheating' })).status).toBe(202);
    expect(await a.client.waitClosed(2000)).toEqual({ code: 1010, reason: 'cheating' });
    expect(b.client.closed).toBeUndefined();
  });

  it('teleports a player: those who saw it get a Teleport then lose it from view; it gets the new Map', async () => {
    const a = await join('127.0.10.5');
    const b = await join('127.0.10.6');
    await a.client.waitFor((p) => p[0] === 5 && about(b.instance)(p));
    const aFrom = a.client.packets.length;
    const bFrom = b.client.packets.length;
    const target = { x: a.x + 150, y: a.y };
    expect((await admin('POST', '/admin/teleport', { instance: a.instance, ...target })).status).toBe(202);
    const seen = await b.client.waitFor((p) => p[0] === 12 && about(a.instance)(p), 3000, bFrom);
    expect(seen[1]).toMatchObject({ instance: a.instance, ...target });
    await b.client.waitFor((p) => p[0] === 13 && about(a.instance)(p), 3000, bFrom);
    await a.client.waitFor((p) => p[0] === 12 && about(a.instance)(p), 3000, aFrom);
    await a.client.waitFor((p) => p[0] === 4, 3000, aFrom);
    await a.client.waitFor((p) => p[0] === 13 && about(b.instance)(p), 3000, aFrom);
  });

  it('reports players per shard and connections per gateway', async () => {
    await join('127.0.10.7');
    await join('127.0.10.8');
    await new Promise((r) => setTimeout(r, 1200)); // one heartbeat
    const stats = JSON.parse((await admin('GET', '/admin/stats')).body) as {
      gateways: Array<{ gateway: string; connections: number }>;
      shards: Array<{ shard: string; players: number; capacity: number; accepting: boolean }>;
    };
    expect(stats.gateways).toEqual([{ gateway: '1', connections: 2 }]);
    expect(stats.shards).toEqual([{ shard: '1', players: 2, capacity: 1000, accepting: true }]);
  });
});
