// A private redis-server per test file, for tests that kill and restart Redis. Never use the
// shared one at 127.0.0.1:6379 for that (other suites run against it in parallel), and never
// flush it: tests that use it pick a random key prefix instead.
//
//   const redis = await startRedisServer();     // beforeAll
//   await redis.kill(); await redis.restart();  // the outage (the data is gone: no persistence)
//   await redis.stop();                         // afterAll, always
//
// The lifecycle (bounded waits, kill on exit) is private-server.ts.
import net from 'node:net';
import os from 'node:os';
import { freePort } from './free-port';
import { PrivateServerError, startPrivateServer, type PrivateServer } from './private-server';

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export interface PrivateRedisServer extends PrivateServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
}

export interface RedisServerOptions {
  /** Default: a free port picked by the OS. */
  port?: number;
  /** Bound on each start (and restart). Default 10 s. */
  startTimeoutMs?: number;
  /** Bound on each kill. Default 5 s. */
  stopTimeoutMs?: number;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<PrivateRedisServer> {
  const port = options.port ?? (await freePort());
  if (port === 6379) throw new PrivateServerError('refusing to run a private redis-server on the shared port 6379');
  const server = await startPrivateServer({
    name: 'redis-server',
    binary: REDIS_SERVER_BINARY,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', os.tmpdir(), '--loglevel', 'warning'],
    port,
    // A loading Redis answers -LOADING: only +PONG is ready.
    ready: async (p) => (await redisCommand(p, 'PING')) === '+PONG',
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
  });
  return Object.assign(server, { url: `redis://127.0.0.1:${port}` });
}

/** One raw RESP command over a fresh TCP connection; resolves the first reply line, or null within 500 ms. */
export function redisCommand(port: number, command: string, timeoutMs = 500): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (value: string | null): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (data) => {
      reply += data.toString();
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
    socket.once('error', () => done(null));
  });
}
