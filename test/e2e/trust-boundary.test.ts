import { httpRequest, KaetramClient, ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const TOKEN = 'trust-test-token-0123456789';
let service: ServiceProcess;
const clients: KaetramClient[] = [];

async function connect(localAddress: string, headers?: Record<string, string>): Promise<KaetramClient> {
  const client = await KaetramClient.connect(service.url, localAddress, headers);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, {
    CONNECT_INTERVAL_MS: '0',
    MAX_CONNECTIONS_PER_IP: '1',
    TRUSTED_PROXIES: '127.0.20.1/32',
    ALLOWED_ORIGINS: 'https://play.example.com',
    ADMIN_TOKEN: TOKEN,
  });
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  await service.stop();
});

describe('trust boundary - over real sockets', () => {
  it('a spoofed X-Forwarded-For from an untrusted peer changes nothing: the socket address is counted', async () => {
    const first = await connect('127.0.20.2', { 'x-forwarded-for': '198.51.100.1' });
    await first.waitForId(0);
    const second = await connect('127.0.20.2', { 'x-forwarded-for': '198.51.100.2', 'cf-connecting-ip': '198.51.100.3' });
    expect(await second.waitClosed()).toEqual({ code: 1010, reason: 'toomany' });
  });

  it('behind the trusted proxy each forwarded client is its own IP, for limits and for bans', async () => {
    const a = await connect('127.0.20.1', { 'x-forwarded-for': '203.0.113.1' });
    const b = await connect('127.0.20.1', { 'x-forwarded-for': '203.0.113.2' });
    await a.waitForId(0);
    await b.waitForId(0);
    const ban = await httpRequest(`http://127.0.0.1:${service.adminPort}/admin/bans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ ip: '203.0.113.1' }),
    });
    expect(ban.status).toBe(200);
    expect(await a.waitClosed(1000)).toEqual({ code: 1010, reason: 'banned' });
    expect(b.closed).toBeUndefined();
    const again = await connect('127.0.20.1', { 'x-forwarded-for': '203.0.113.1' });
    expect(await again.waitClosed()).toEqual({ code: 1010, reason: 'banned' });
    // CLIENT_IP_HEADER is X-Forwarded-For: a CF-Connecting-IP, even from the trusted proxy,
    // names nobody (an ingress passes it through as the client wrote it), so it cannot
    // smuggle the banned client in, nor frame another.
    const smuggled = await connect('127.0.20.1', { 'x-forwarded-for': '203.0.113.1', 'cf-connecting-ip': '203.0.113.9' });
    expect(await smuggled.waitClosed()).toEqual({ code: 1010, reason: 'banned' });
  });

  it('refuses a page from an origin not in ALLOWED_ORIGINS with HTTP 403, and takes a listed one', async () => {
    await expect(KaetramClient.connect(service.url, '127.0.20.3', { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const ok = await connect('127.0.20.4', { origin: 'https://play.example.com' });
    await ok.waitForId(0);
    expect(await service.metric('shardgate_gateway_connections_refused_total', { reason: 'origin' })).toBe(1);
  });
});
