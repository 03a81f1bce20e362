// A private redis-server per test file, for tests that kill and restart Redis. Never use the
// shared one at 127.0.0.1:6379 for that (other suites run against it in parallel), and never
// flush it: tests that use it pick a random key prefix instead.
//
//   const redis = await startRedisServer();     // beforeAll
//   await redis.kill(); await redis.restart();  // the outage (the data is gone: no persistence)
//   await redis.stop();                         // afterAll, always
//
// Every wait is bounded, and a process 'exit' hook kills any child a test forgot to stop.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export class RedisServerError extends Error {
  override name = 'RedisServerError';
}

export interface PrivateRedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** SIGKILL (no goodbye to clients, like a crash); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** Idempotent kill, for afterAll. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Default: a free port picked by the OS. */
  port?: number;
  /** Bound on each start (and restart). Default 10 s. */
  startTimeoutMs?: number;
  /** Bound on each kill. Default 5 s. */
  stopTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startRedisServer(options: StartOptions = {}): Promise<PrivateRedisServer> {
  const port = options.port ?? (await freePort());
  if (port === 6379) throw new RedisServerError('refusing to run a private redis-server on the shared port 6379');
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  let child: ChildProcess | undefined = await launch(port, startTimeoutMs);

  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c !== undefined) await killChild(c, stopTimeoutMs);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    kill,
    stop: kill,
    async restart() {
      if (child !== undefined) throw new RedisServerError(`redis-server on ${port} is already running`);
      child = await launch(port, startTimeoutMs);
    },
  };
}

/** Spawns the server and waits for +PONG; retries while the port is still held. */
async function launch(port: number, timeoutMs: number): Promise<ChildProcess> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', os.tmpdir(), '--loglevel', 'warning'];
    const child = spawn(REDIS_SERVER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2000); // the tail, for error messages
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('error', (err) => {
      lastError = err.message;
    });
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null && !lastError) {
      if (await answersPing(port)) return child;
      await Promise.race([sleep(50), exited]);
    }
    await killChild(child, 2000);
    lastError ||= output.trim().split('\n').pop() ?? 'exited';
    if (lastError.includes('ENOENT')) break;
    await sleep(100);
  }
  throw new RedisServerError(`redis-server did not start on port ${port} within ${timeoutMs} ms: ${lastError}`);
}

function killChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisServerError(`redis-server pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
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

/** True when something on the port answers PING with +PONG (a loading Redis answers -LOADING). */
async function answersPing(port: number): Promise<boolean> {
  return (await redisCommand(port, 'PING')) === '+PONG';
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
