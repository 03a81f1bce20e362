// The lifecycle shared by the tests' private servers (redis-server, nats-server): spawn on a
// port, wait until it answers, SIGKILL it like a crash, start it again on the same port. The
// server-specific parts (binary, arguments, how to tell it is ready) are passed in:
// redis-server.ts and nats-server.ts beside this file.
//
// Every wait is bounded, and a process 'exit' hook kills any child a test forgot to stop.
import { type ChildProcess, spawn } from 'node:child_process';

export class PrivateServerError extends Error {
  override name = 'PrivateServerError';
}

export interface PrivateServer {
  readonly port: number;
  readonly running: boolean;
  /** SIGKILL (no goodbye to clients, like a crash); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers. */
  restart(): Promise<void>;
  /** Idempotent kill, for afterAll. */
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  /** For messages: `redis-server`, `nats-server`. */
  name: string;
  binary: string;
  args: string[];
  port: number;
  /** True once the server on `port` answers as it should. */
  ready: (port: number) => Promise<boolean>;
  /** Bound on each start (and restart). Default 10 s. */
  startTimeoutMs?: number;
  /** Bound on each kill. Default 5 s. */
  stopTimeoutMs?: number;
  /** Which of the child's outputs to keep (the tail) for error messages. Default both. */
  output?: 'stderr' | 'both';
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startPrivateServer(options: LifecycleOptions): Promise<PrivateServer> {
  const { name, port } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  let child: ChildProcess | undefined = await launch(options, startTimeoutMs);
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c !== undefined) await killChild(name, c, stopTimeoutMs);
  };
  return {
    port,
    get running() {
      return child !== undefined;
    },
    kill,
    stop: kill,
    async restart() {
      if (child !== undefined) throw new PrivateServerError(`${name} on ${port} is already running`);
      child = await launch(options, startTimeoutMs);
    },
  };
}

/** Spawns the server and waits until it is ready; retries while the port is still held. */
async function launch(options: LifecycleOptions, timeoutMs: number): Promise<ChildProcess> {
  const { name, binary, args, port, ready } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const both = (options.output ?? 'both') === 'both';
    const child = spawn(binary, args, { stdio: ['ignore', both ? 'pipe' : 'ignore', 'pipe'] });
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
      if (await ready(port)) return child;
      await Promise.race([sleep(50), exited]);
    }
    await killChild(name, child, 2000);
    lastError ||= output.trim().split('\n').pop() ?? 'exited';
    if (lastError.includes('ENOENT')) break;
    await sleep(100);
  }
  throw new PrivateServerError(`${name} did not start on port ${port} within ${timeoutMs} ms: ${lastError}`);
}

function killChild(name: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new PrivateServerError(`${name} pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
