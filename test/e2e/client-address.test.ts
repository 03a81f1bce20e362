// One client, one address (issue 16, item 2): behind a trusted proxy the address comes from
// CLIENT_IP_HEADER only (X-Forwarded-For by default, right-most untrusted hop), in one
// canonical form, so no spelling of an address escapes its ban or multiplies its per-IP limit.
import { KaetramClient, ServiceProcess, httpRequest } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const TOKEN = 'address-token-0123456789';
const clients: KaetramClient[] = [];
const services: ServiceProcess[] = [];

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0', ADMIN_TOKEN: TOKEN, ...env });
  services.push(service);
  return service;
}

async function attempt(service: ServiceProcess, headers: Record<string, string>): Promise<string> {
  const client = await KaetramClient.connect(service.url, undefined, headers);
  clients.push(client);
  const closed = client.waitClosed(1500).then((c) => c.reason, () => undefined);
  const joined = client.joinAsGuest().then(() => 'admitted', () => undefined);
  return (await Promise.race([closed, joined])) ?? (await closed) ?? 'no answer';
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const service of services.splice(0)) await service.stop();
});

// Spellings of one IPv6 address, and of one IPv4 address, as a proxy or an attacker may write them.
const V6 = ['2001:db8::1', '2001:0db8::1', '2001:DB8::1', '2001:db8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '[2001:db8::1]:443'];
const V4 = ['127.0.0.9', '::ffff:127.0.0.9', '0:0:0:0:0:ffff:127.0.0.9', '::ffff:7f00:9', '0000:0000:0000:0000:0000:FFFF:7F00:0009', '127.0.0.9:5555'];

describe('client address - canonical behind a trusted proxy', () => {
  it('six spellings of one address share one MAX_CONNECTIONS_PER_IP', async () => {
    const service = await start({ TRUSTED_PROXIES: '::ffff:127.0.0.1', MAX_CONNECTIONS_PER_IP: '2' });
    for (const spellings of [V6, V4]) {
      const outcomes: string[] = [];
      for (const ip of spellings) outcomes.push(await attempt(service, { 'x-forwarded-for': ip }));
      expect(outcomes).toEqual(['admitted', 'admitted', 'toomany', 'toomany', 'toomany', 'toomany']);
    }
  });

  it('a ban in any spelling stops every spelling', async () => {
    const service = await start({ TRUSTED_PROXIES: '127.0.0.1', MAX_CONNECTIONS_PER_IP: '100' });
    const ban = (ip: string) => httpRequest(`http://127.0.0.1:${service.adminPort}/admin/bans`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ip }) });
    expect(JSON.parse((await ban('0:0:0:0:0:ffff:127.0.0.9')).body)).toMatchObject({ banned: '127.0.0.9' });
    expect(JSON.parse((await ban('2001:0DB8:0:0::1')).body)).toMatchObject({ banned: '2001:db8::1' });
    for (const ip of [...V4, ...V6]) expect([ip, await attempt(service, { 'x-forwarded-for': ip })]).toEqual([ip, 'banned']);
    expect(await attempt(service, { 'x-forwarded-for': '2001:db8::2' })).toBe('admitted');
  });

  it('reads only CLIENT_IP_HEADER: a client-written CF-Connecting-IP is ignored unless configured', async () => {
    const xff = await start({ TRUSTED_PROXIES: '127.0.0.1', MAX_CONNECTIONS_PER_IP: '1' });
    // An ingress appends the real client to X-Forwarded-For and passes CF-Connecting-IP through.
    const outcomes: string[] = [];
    for (let i = 1; i <= 3; i++) outcomes.push(await attempt(xff, { 'x-forwarded-for': '203.0.113.1', 'cf-connecting-ip': `198.51.100.${i}` }));
    expect(outcomes).toEqual(['admitted', 'toomany', 'toomany']);
    const cf = await start({ TRUSTED_PROXIES: '127.0.0.1', MAX_CONNECTIONS_PER_IP: '1', CLIENT_IP_HEADER: 'CF-Connecting-IP' });
    expect(await attempt(cf, { 'x-forwarded-for': '203.0.113.1', 'cf-connecting-ip': '198.51.100.1' })).toBe('admitted');
    expect(await attempt(cf, { 'x-forwarded-for': '203.0.113.1', 'cf-connecting-ip': '198.51.100.2' })).toBe('admitted');
    expect(await attempt(cf, { 'x-forwarded-for': '203.0.113.1', 'cf-connecting-ip': '198.51.100.1' })).toBe('toomany');
  });

  it('a zoned or bad TRUSTED_PROXIES entry stops the start with one line naming the variable, no stack trace', async () => {
    const failed = await ServiceProcess.start(EMBEDDED, { TRUSTED_PROXIES: 'fe80::1%eth0' }, { waitReady: false });
    const exit = await failed.waitExit(10_000);
    expect(exit.code).toBe(1);
    const fatal = failed.logs.find((l) => l.level === 'fatal');
    expect(JSON.stringify(fatal)).toMatch(/TRUSTED_PROXIES: .*zoned/);
    expect(failed.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
