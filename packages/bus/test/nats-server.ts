// A private nats-server per test file, for tests that kill and restart the server. Never use
// the shared one at 127.0.0.1:4222 for that: other suites run against it in parallel.
//
//   const server = await startNatsServer();      // beforeAll
//   await server.kill(); await server.restart();  // the outage
//   await server.stop();                          // afterAll, always
//
// Every wait is bounded, and a process 'exit' hook kills any child a test forgot to stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export class NatsServerError extends Error {
  override name = 'NatsServerError';
}

export interface PrivateNatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** SIGKILL (no goodbye to clients, like a crash); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts clients. */
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
  /** The server's largest message (`max_payload`), for tests of what does not fit. Default NATS's 1 MiB. */
  maxPayload?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startNatsServer(options: StartOptions = {}): Promise<PrivateNatsServer> {
  const port = options.port ?? (await freePort());
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (options.maxPayload !== undefined) {
    // No command-line flag for it: a one-line config file.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nats-conf-'));
    const file = path.join(dir, 'nats.conf');
    writeFileSync(file, `max_payload: ${options.maxPayload}\n`);
    args.push('-c', file);
  }
  let child: ChildProcess | undefined = await launch(args, port, startTimeoutMs);

  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c !== undefined) await killChild(c, stopTimeoutMs);
  };
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    kill,
    stop: kill,
    async restart() {
      if (child !== undefined) throw new NatsServerError(`nats-server on ${port} is already running`);
      child = await launch(args, port, startTimeoutMs);
    },
  };
}

/** Spawns the server and waits for its INFO line; retries while the port is still held. */
async function launch(args: string[], port: number, timeoutMs: number): Promise<ChildProcess> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const child = spawn(NATS_SERVER_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000); // keep the tail for error messages
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('error', (err) => {
      lastError = err.message;
    });
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null && !lastError) {
      if (await answersInfo(port)) return child;
      await Promise.race([sleep(50), exited]);
    }
    await killChild(child, 2000);
    lastError ||= stderr.trim().split('\n').pop() ?? 'exited';
    if (lastError.includes('ENOENT')) break;
    await sleep(100);
  }
  throw new NatsServerError(`nats-server did not start on port ${port} within ${timeoutMs} ms: ${lastError}`);
}

function killChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new NatsServerError(`nats-server pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** True when something on the port speaks NATS (sends INFO) within 500 ms. */
function answersInfo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('INFO')));
    socket.once('error', () => done(false));
  });
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
