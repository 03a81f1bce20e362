// A private nats-server per test file, for tests that kill and restart the server. Never use
// the shared one at 127.0.0.1:4222 for that: other suites run against it in parallel.
//
//   const server = await startNatsServer();      // beforeAll
//   await server.kill(); await server.restart();  // the outage
//   await server.stop();                          // afterAll, always
//
// The lifecycle (bounded waits, kill on exit) is private-server.ts, shared with the private
// redis-server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { startPrivateServer, type PrivateServer } from './private-server';

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface PrivateNatsServer extends PrivateServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
}

export interface NatsServerOptions {
  /** Default: a free port picked by the OS. */
  port?: number;
  /** Bound on each start (and restart). Default 10 s. */
  startTimeoutMs?: number;
  /** Bound on each kill. Default 5 s. */
  stopTimeoutMs?: number;
  /** The server's largest message (`max_payload`), for tests of what does not fit. Default NATS's 1 MiB. */
  maxPayload?: number;
  /**
   * JetStream's file store in this directory (kept across kill/restart, like a server's disk).
   * Default: a fresh temporary directory (gateways keep bans, and shared worlds their members,
   * in JetStream, as in production).
   */
  jetStreamDir?: string;
  /** False: a NATS without JetStream (the ban and world stores unavailable). Default true. */
  jetStream?: boolean;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<PrivateNatsServer> {
  const port = options.port ?? (await freePort());
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (options.jetStream !== false) args.push('-js', '-sd', options.jetStreamDir ?? mkdtempSync(path.join(os.tmpdir(), 'nats-js-')));
  if (options.maxPayload !== undefined) {
    // No command-line flag for it: a one-line config file.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nats-conf-'));
    const file = path.join(dir, 'nats.conf');
    writeFileSync(file, `max_payload: ${options.maxPayload}\n`);
    args.push('-c', file);
  }
  const server = await startPrivateServer({
    name: 'nats-server',
    binary: NATS_SERVER_BINARY,
    args,
    port,
    ready: answersInfo,
    output: 'stderr',
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
  });
  return Object.assign(server, { url: `nats://127.0.0.1:${port}` });
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
