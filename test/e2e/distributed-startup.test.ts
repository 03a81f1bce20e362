// Issue 16 item 7: a start-up that can be watched and stopped. With NATS (and Redis) at a
// loopback port where nothing listens, a gateway and a shard open their admin port at once
// (/healthz 200, /readyz 503), log one line per failed attempt naming the URL without its
// credentials, and exit 0 within a second of SIGTERM.
import { GATEWAY_BIN, SHARD_BIN, ServiceProcess, freePort, httpRequest } from '@shardgate/harness';

const SECRET = 'hunter2-not-in-logs';

/** Polls until the admin port answers (the process itself takes seconds to load on a busy machine). */
async function answersAt(service: ServiceProcess, path: string, timeoutMs = 20000): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  for (;;) {
    try {
      const { status } = await httpRequest(`http://127.0.0.1:${service.adminPort}${path}`);
      return { status, ms: Date.now() - started };
    } catch {
      if (Date.now() - started > timeoutMs) throw new Error(`${path} never answered`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('distributed - start-up with NATS unreachable', () => {
  const services: ServiceProcess[] = [];
  afterAll(async () => {
    for (const s of services) await s.stop('SIGKILL');
  });

  it.each([
    ['gateway', GATEWAY_BIN],
    ['shard', SHARD_BIN],
  ])('%s: /healthz 200 and /readyz 503 at once, a log line per attempt naming the URL, SIGTERM exits 0 within a second', async (_name, bin) => {
    const deadNats = await freePort();
    const deadRedis = await freePort();
    const natsUrl = `nats://shardgate:${SECRET}@127.0.0.1:${deadNats}`;
    const service = await ServiceProcess.start(
      bin,
      { NATS_URL: natsUrl, REDIS_URL: `redis://:${SECRET}@127.0.0.1:${deadRedis}`, SHARD_ID: '1', GATEWAY_ID: '1' },
      { waitReady: false },
    );
    services.push(service);
    const healthz = await answersAt(service, '/healthz');
    expect(healthz.status).toBe(200);
    expect((await answersAt(service, '/readyz')).status).toBe(503);

    // One warn line per attempt (about one a second), each naming the URL without credentials.
    await service.waitLog((l) => l.msg === 'nats unreachable' && l.attempt === 3, 8000);
    const attempts = service.logs.filter((l) => l.msg === 'nats unreachable');
    expect(attempts.map((l) => l.attempt)).toEqual(attempts.map((_, i) => i + 1));
    for (const line of attempts) expect(line).toMatchObject({ level: 'warn', url: `nats://127.0.0.1:${deadNats}` });
    if (bin === GATEWAY_BIN) {
      const redis = service.logs.filter((l) => l.msg === 'redis unreachable');
      expect(redis.length).toBeGreaterThanOrEqual(1);
      for (const line of redis) expect(line).toMatchObject({ level: 'warn', url: `redis://127.0.0.1:${deadRedis}` });
    }
    // The admin port was open before the first attempt.
    const opened = service.logs.findIndex((l) => l.msg === 'admin port open; starting');
    expect(opened).toBeGreaterThanOrEqual(0);
    expect(opened).toBeLessThan(service.logs.findIndex((l) => l.msg === 'nats unreachable'));
    expect(JSON.stringify(service.logs)).not.toContain(SECRET);
    expect(await service.readyz()).toBe(503);

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    const exit = await service.waitExit(5000);
    const tookMs = Date.now() - signalled;
    console.log(`${_name}: /healthz after ${healthz.ms} ms of polling; ${attempts.length} attempts logged; SIGTERM to exit ${tookMs} ms`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(1000);
    expect(service.logs.at(-1)).toMatchObject({ msg: 'stopped during start-up', signal: 'SIGTERM' });
    expect(service.stray).toEqual([]);
  }, 60000);
});
