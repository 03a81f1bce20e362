// Bans in the embedded mode, as an operator meets them: durable across a stop and a kill -9
// (DATA_DIR/bans.log), ranges, expiry, the audit trail with the token's name, paging, and
// answers to bad input. IPv6 clients come through X-Forwarded-For from a trusted 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { KaetramClient, ServiceProcess, httpRequest } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789abc';
const services: ServiceProcess[] = [];
const clients: KaetramClient[] = [];

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-bans-'));

async function start(dir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await ServiceProcess.start(EMBEDDED, {
    DATA_DIR: dir,
    CONNECT_INTERVAL_MS: '0',
    MAX_CONNECTIONS_PER_IP: '1000',
    ADMIN_TOKENS: `alice:${ALICE},bob:${BOB}`,
    TRUSTED_PROXIES: '127.0.0.1',
    ...env,
  });
  services.push(service);
  return service;
}

function admin(service: ServiceProcess, method: string, urlPath: string, body?: unknown, token = ALICE) {
  return httpRequest(`http://127.0.0.1:${service.adminPort}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Connects as `ip` (through X-Forwarded-For from the trusted loopback) and reports admitted or the close reason. */
async function attempt(service: ServiceProcess, ip: string): Promise<'admitted' | string> {
  const client = await KaetramClient.connect(service.url, undefined, { 'x-forwarded-for': ip });
  clients.push(client);
  const closed = client.waitClosed(1500).then((c) => c.reason, () => undefined);
  const joined = client.joinAsGuest().then(() => 'admitted', () => undefined);
  const outcome = await Promise.race([closed, joined]);
  return outcome ?? (await closed) ?? 'no answer';
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const service of services.splice(0)) await service.stop('SIGKILL').catch(() => {});
});

describe('bans - embedded mode, durable in DATA_DIR', () => {
  it('ban, stop, start: still banned, with its reason, author and expiry', async () => {
    const dir = dataDir();
    let service = await start(dir);
    const reply = await admin(service, 'POST', '/admin/bans', { ip: '203.0.113.7', reason: 'spam bot', for: '24h' });
    expect(reply.status).toBe(200);
    expect(await attempt(service, '203.0.113.7')).toBe('banned');
    await service.stop();
    expect(fs.existsSync(path.join(dir, 'bans.log'))).toBe(true);

    service = await start(dir);
    expect(await attempt(service, '203.0.113.7')).toBe('banned');
    expect(await attempt(service, '203.0.113.8')).toBe('admitted');
    const list = JSON.parse((await admin(service, 'GET', '/admin/bans')).body) as { bans: string[]; entries: Array<{ target: string; reason: string; by: string; at: number; expiresAt: number }> };
    expect(list.bans).toEqual(['203.0.113.7']);
    expect(list.entries[0]).toMatchObject({ target: '203.0.113.7', reason: 'spam bot', by: 'alice' });
    expect(list.entries[0]!.expiresAt - list.entries[0]!.at).toBe(86_400_000);
  });

  it('kill -9 during a burst of 1 000 bans: every acknowledged ban is there after the restart, and the file loads', async () => {
    const dir = dataDir();
    let service = await start(dir);
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const post = (ip: string) =>
      new Promise<number>((resolve) => {
        const body = JSON.stringify({ ip });
        const req = http.request(
          { host: '127.0.0.1', port: service.adminPort, path: '/admin/bans', method: 'POST', agent, headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve(0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
    const worker = async () => {
      while (next < 1000 && !killed) {
        const i = next++;
        const ip = `10.${(i >> 8) & 255}.${i & 255}.1`;
        if ((await post(ip)) === 200) acknowledged.push(ip);
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    // Mid-burst: once a good share is acknowledged, with writes in flight.
    while (acknowledged.length < 300 && next < 1000) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    service.child.kill('SIGKILL');
    await service.waitExit(5000);
    await Promise.all(workers);
    agent.destroy();
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    expect(acknowledged.length).toBeLessThan(1000);

    service = await start(dir);
    const list = JSON.parse((await admin(service, 'GET', '/admin/bans?limit=1000')).body) as { total: number; bans: string[] };
    const present = new Set(list.bans);
    expect(acknowledged.filter((ip) => !present.has(ip))).toEqual([]);
    expect(list.total).toBeGreaterThanOrEqual(acknowledged.length);
    expect(await attempt(service, acknowledged[0]!)).toBe('banned');
    // The journal still takes writes after the crash.
    expect((await admin(service, 'POST', '/admin/bans', { ip: '10.200.0.1' })).status).toBe(200);
  });

  it('a /24 refuses every address in it and none outside; an IPv6 /64 likewise; IPv4-mapped IPv6 matches IPv4 bans', async () => {
    const service = await start(dataDir());
    expect((await admin(service, 'POST', '/admin/bans', { cidr: '198.51.100.0/24', reason: 'abuse range' })).status).toBe(200);
    expect((await admin(service, 'POST', '/admin/bans', { cidr: '2001:DB8:1:2::/64' })).status).toBe(200);
    for (const ip of ['198.51.100.0', '198.51.100.1', '198.51.100.128', '198.51.100.255', '::ffff:198.51.100.9', '2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff']) {
      expect([ip, await attempt(service, ip)]).toEqual([ip, 'banned']);
    }
    for (const ip of ['198.51.99.255', '198.51.101.0', '2001:db8:1:3::1', '2001:db8:1:1:ffff:ffff:ffff:ffff']) {
      expect([ip, await attempt(service, ip)]).toEqual([ip, 'admitted']);
    }
    const lookup = JSON.parse((await admin(service, 'GET', `/admin/bans/${encodeURIComponent('::ffff:198.51.100.9')}`)).body) as { address: string; banned: boolean; bans: Array<{ target: string }> };
    expect(lookup).toMatchObject({ address: '198.51.100.9', banned: true, bans: [{ target: '198.51.100.0/24' }] });
    expect(JSON.parse((await admin(service, 'GET', '/admin/bans/198.51.101.1')).body)).toMatchObject({ banned: false, bans: [] });
    expect(await service.metric('shardgate_gateway_bans', { kind: 'ipv4_range' })).toBe(1);
    expect(await service.metric('shardgate_gateway_bans', { kind: 'ipv6_range' })).toBe(1);
    expect(await service.metric('shardgate_gateway_banned_refusals_total', { kind: 'ipv4_range' })).toBe(5);
  });

  it('a ban for 2 s lapses within a second of its expiry, and its live connection was closed when it began', async () => {
    const service = await start(dataDir());
    const live = await KaetramClient.connect(service.url, undefined, { 'x-forwarded-for': '203.0.113.50' });
    clients.push(live);
    await live.joinAsGuest();
    const reply = JSON.parse((await admin(service, 'POST', '/admin/bans', { ip: '203.0.113.50', for: '2s' })).body) as { ban: { expiresAt: number } };
    expect(await live.waitClosed(1000)).toEqual({ code: 1010, reason: 'banned' });
    expect(await attempt(service, '203.0.113.50')).toBe('banned');
    await new Promise((r) => setTimeout(r, Math.max(0, reply.ban.expiresAt - Date.now())));
    const deadline = reply.ban.expiresAt + 1000;
    let outcome = '';
    while (Date.now() < deadline && outcome !== 'admitted') outcome = await attempt(service, '203.0.113.50');
    expect(outcome).toBe('admitted');
    expect(Date.now()).toBeLessThan(deadline + 1500); // the last attempt itself may take a moment
  });

  it('the audit trail names the token behind each change, newest first, and survives a restart', async () => {
    const dir = dataDir();
    let service = await start(dir);
    expect((await admin(service, 'POST', '/admin/bans', { ip: '203.0.113.60', reason: 'griefing' }, ALICE)).status).toBe(200);
    expect((await admin(service, 'DELETE', '/admin/bans/203.0.113.60?reason=appeal%20granted', undefined, BOB)).status).toBe(200);
    await service.waitLog((l) => l.msg === 'unbanned' && l.by === 'bob');
    await service.stop();
    service = await start(dir);
    const audit = JSON.parse((await admin(service, 'GET', '/admin/audit')).body) as { entries: Array<Record<string, unknown>> };
    expect(audit.entries).toEqual([
      expect.objectContaining({ action: 'unban', target: '203.0.113.60', by: 'bob', reason: 'appeal granted' }),
      expect.objectContaining({ action: 'ban', target: '203.0.113.60', by: 'alice', reason: 'griefing' }),
    ]);
    expect(await attempt(service, '203.0.113.60')).toBe('admitted');
  });

  it('lists past 1 000 bans in pages', async () => {
    const service = await start(dataDir());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let next = 0;
    const worker = async () => {
      while (next < 1100) {
        const i = next++;
        const body = JSON.stringify({ ip: `10.9.${i >> 8}.${i & 255}` });
        await new Promise<void>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: service.adminPort, path: '/admin/bans', method: 'POST', agent, headers: { authorization: `Bearer ${ALICE}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
          });
          req.on('error', reject);
          req.end(body);
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    agent.destroy();
    const first = JSON.parse((await admin(service, 'GET', '/admin/bans')).body) as { total: number; bans: string[]; next: string };
    expect(first.total).toBe(1100);
    expect(first.bans).toHaveLength(1000);
    const second = JSON.parse((await admin(service, 'GET', first.next)).body) as { bans: string[]; next?: string };
    expect(second.bans).toHaveLength(100);
    expect(second.next).toBeUndefined();
    expect(new Set([...first.bans, ...second.bans]).size).toBe(1100);
  });

  it('answers bad input with 400 naming the problem, and changes nothing', async () => {
    const service = await start(dataDir());
    const cases: Array<[unknown, RegExp]> = [
      [{ ip: 'not-an-ip' }, /not an IP address/],
      [{ ip: 'fe80::1%eth0' }, /zoned/],
      [{ cidr: '16.0.0.0/4' }, /at most a \/8/],
      [{ cidr: '2001::/16' }, /at most a \/32/],
      [{ cidr: '10.0.0.1/8' }, /the network is 10\.0\.0\.0\/8/],
      [{ ip: '203.0.113.1', for: '-5m' }, /positive/],
      [{ ip: '203.0.113.1', for: 'a while' }, /duration like/],
      [{ ip: '203.0.113.1', reason: 42 }, /reason/],
      [{ ip: '203.0.113.1', cidr: '203.0.113.0/24' }, /exactly one of/],
      [{}, /exactly one of/],
    ];
    for (const [body, message] of cases) {
      const reply = await admin(service, 'POST', '/admin/bans', body);
      expect([body, reply.status]).toEqual([body, 400]);
      expect((JSON.parse(reply.body) as { error: string }).error).toMatch(message);
    }
    expect((await admin(service, 'DELETE', '/admin/bans/%')).status).toBe(400);
    expect((await admin(service, 'GET', '/admin/bans/%E0%A4%A')).status).toBe(400);
    expect((await admin(service, 'GET', '/admin/bans/banana')).status).toBe(400);
    expect((await admin(service, 'GET', '/admin/bans?limit=5000')).status).toBe(400);
    expect(JSON.parse((await admin(service, 'GET', '/admin/bans')).body)).toMatchObject({ total: 0, bans: [] });
    expect(JSON.parse((await admin(service, 'GET', '/admin/audit')).body)).toEqual({ entries: [] });
  });
});
