// The admin port under abuse (issue 16, item 5): it authenticates from the headers before it
// reads a byte of body, answers large bodies with 413 (not a reset), closes slow-header and
// slow-body sockets on time, samples its refusal log lines, and has no 500 for odd paths.
import net from 'node:net';
import { ServiceProcess, httpRequest, waitUntil } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const TOKEN = 'admin-port-token-0123456789';
let service: ServiceProcess;

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, { ADMIN_TOKEN: TOKEN });
});

afterAll(async () => {
  await service.stop();
});

/** Writes raw bytes on a fresh socket; resolves with everything the server sent and how long until it closed. */
function raw(write: (socket: net.Socket) => void, timeoutMs = 15_000): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(service.adminPort, '127.0.0.1', () => write(socket));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after ${timeoutMs} ms; got ${JSON.stringify(text.slice(0, 200))}`));
    }, timeoutMs);
  });
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

describe('admin port - authentication comes first', () => {
  it('refuses an anonymous request from its headers, without waiting for the body it announced', async () => {
    const { text, closedAfterMs } = await raw((s) => s.write('POST /admin/bans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n'));
    expect(status(text)).toBe(401);
    expect(text).toMatch(/connection: close/i);
    expect(closedAfterMs).toBeLessThan(2000);
  });

  it('accepts the Bearer scheme in any case, and only the right token', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const reply = await httpRequest(`http://127.0.0.1:${service.adminPort}/admin/stats`, { headers: { authorization: `${scheme} ${TOKEN}` } });
      expect([scheme, reply.status]).toEqual([scheme, 200]);
    }
    for (const header of [`Basic ${TOKEN}`, `Bearer${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ', `Bearer ${TOKEN} extra`]) {
      const reply = await httpRequest(`http://127.0.0.1:${service.adminPort}/admin/stats`, { headers: { authorization: header } });
      expect([header, reply.status]).toEqual([header, 401]);
    }
  });

  it('counts every refused token but logs only a sample of them, with how many it left out', async () => {
    const refusals = () => service.logs.filter((l) => l.msg === 'admin request refused: bad or missing token');
    const bad = () => httpRequest(`http://127.0.0.1:${service.adminPort}/admin/stats`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    await new Promise((r) => setTimeout(r, 1100)); // a fresh sampling window
    const before = refusals().length;
    const counted = await service.metric('shardgate_gateway_admin_auth_failures_total');
    await Promise.all(Array.from({ length: 300 }, bad));
    expect(await service.metric('shardgate_gateway_admin_auth_failures_total')).toBe(counted + 300);
    await new Promise((r) => setTimeout(r, 1100));
    await bad(); // the first line of the next window reports the rest
    // Every refusal is a line or counted in one (the first may also carry the earlier tests' leftovers).
    // The burst may straddle a window of its own on a loaded machine: wait for the last report.
    const accountedFor = (lines: typeof service.logs) => lines.reduce((sum, l) => sum + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0) + lines.length;
    await waitUntil('every refusal accounted for in the log', () => accountedFor(refusals().slice(before)) >= 301, 5000);
    const lines = refusals().slice(before);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThanOrEqual(20);
    const accounted = accountedFor(lines);
    expect(accounted).toBeGreaterThanOrEqual(301);
    expect(accounted).toBeLessThanOrEqual(301 + 20);
  });
});

describe('admin port - bodies, timeouts and paths', () => {
  it('answers 413 to a body over 64 KiB, announced or streamed, and the client reads it', async () => {
    const announced = await raw((s) => s.write(`POST /admin/bans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100000\r\n\r\n`));
    expect(status(announced.text)).toBe(413);
    expect(announced.text).toMatch(/at most 65536 bytes/);
    const streamed = await raw((s) => {
      s.write(`POST /admin/bans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 6; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(status(streamed.text)).toBe(413);
  });

  it('closes a socket that trickles its headers, or its body, by the 10 s timeouts', async () => {
    const trickle = (first: string, drip: string) =>
      raw((s) => {
        s.write(first);
        const timer = setInterval(() => (s.writable ? s.write(drip) : clearInterval(timer)), 1000);
        s.on('close', () => clearInterval(timer));
      }, 20_000);
    const [headers, body] = await Promise.all([
      trickle('GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'),
      trickle(`POST /admin/bans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1000\r\n\r\n`, 'x'),
    ]);
    expect(headers.closedAfterMs).toBeGreaterThan(9000);
    expect(headers.closedAfterMs).toBeLessThan(12_500);
    expect(body.closedAfterMs).toBeGreaterThan(9000);
    expect(body.closedAfterMs).toBeLessThan(12_500);
  }, 30_000);

  it('has no 500 for odd paths', async () => {
    const paths: Array<[string, string]> = [
      ['DELETE', '/admin/bans/%'],
      ['DELETE', '/admin/bans/%zz'],
      ['GET', '/admin/bans/%'],
      ['GET', '/admin/%'],
      ['POST', '/admin/bans/%2F'],
      ['GET', '/admin/bans?limit=%'],
      ['GET', '/admin//bans'],
      ['PUT', '/admin/bans'],
    ];
    for (const [method, path] of paths) {
      const reply = await httpRequest(`http://127.0.0.1:${service.adminPort}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect([method, path, reply.status < 500]).toEqual([method, path, true]);
    }
  });
});
