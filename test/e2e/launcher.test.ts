// `npm start`'s launcher (scripts/shardgate.js) under a process supervisor or a container
// runtime: a signal sent to the launcher alone must reach the server, and the launcher must
// exit with the server's code, so no server is left running as an orphan.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort, httpRequest, ROOT } from '@shardgate/harness';

interface Launched {
  launcher: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port: number;
  adminPort: number;
}

const launched: Launched[] = [];

async function launch(): Promise<Launched> {
  const [port, adminPort] = [await freePort(), await freePort()];
  // Its own process group (detached): signals jest or the terminal send never reach it, only ours.
  const launcher = spawn(process.execPath, ['scripts/shardgate.js', 'start'], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PORT: String(port), ADMIN_PORT: String(adminPort), HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
  const run = { launcher, exited, port, adminPort };
  launched.push(run);
  // The launcher installs (when needed) and builds first: allow for an incremental build.
  await waitFor('the server to be ready', async () => (await httpRequest(`http://127.0.0.1:${adminPort}/readyz`).catch(() => ({ status: 0 }))).status === 200, 90_000);
  return run;
}

/** The launcher's children (Linux /proc): the server it started. */
function childrenOf(pid: number): number[] {
  const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterEach(() => {
  // Whatever a failed test left: the launcher's whole group, the server included.
  for (const { launcher } of launched.splice(0)) {
    try {
      process.kill(-launcher.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('launcher - scripts/shardgate.js start', () => {
  it('launcher - SIGTERM to the launcher alone stops the server: it exits, the launcher exits 0, both ports are free', async () => {
    const { launcher, exited, port, adminPort } = await launch();
    const servers = childrenOf(launcher.pid!);
    expect(servers).toHaveLength(1);
    const server = servers[0]!;

    process.kill(launcher.pid!, 'SIGTERM');

    expect(await exited).toEqual({ code: 0, signal: null });
    await waitFor('the server process to be gone', () => !alive(server), 5000);
    expect({ port: await portFree(port), adminPort: await portFree(adminPort) }).toEqual({ port: true, adminPort: true });
  }, 120_000);

  it('launcher - a server ended by a signal makes the launcher exit 128 + n (SIGKILL: 137)', async () => {
    const { launcher, exited } = await launch();
    const [server] = childrenOf(launcher.pid!);
    process.kill(server!, 'SIGKILL');
    expect(await exited).toEqual({ code: 128 + 9, signal: null });
  }, 120_000);
});
