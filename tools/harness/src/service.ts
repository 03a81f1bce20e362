import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/** The repository's root (this file is tools/harness/{src,dist}/service.*). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every process started here and not seen exiting: SIGKILLed when this process exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One HTTP request without keep-alive (fetch's pooled sockets would outlive the test). */
export function httpRequest(url: string, { method = 'GET', body, headers = {} }: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface StartOptions {
  /** Wait until the process is ready before resolving (default true). */
  waitReady?: boolean;
  /** How readiness is judged; default: the admin port's /readyz answers 200. */
  ready?: (service: ServiceProcess) => Promise<boolean>;
  /** Bound on the start. Default 15 s. */
  timeoutMs?: number;
  /** Flags for node itself, before the entry (`--cpu-prof`, ...). */
  nodeArgs?: string[];
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/**
 * A shardgate process started the way a user starts it (the built entry under `dist/`, env
 * for config), on free ports. Its JSON log lines are parsed and kept for assertions.
 */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  readonly stray: string[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly adminPort: number,
  ) {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.stray.push(line);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(child);
        resolve();
      });
    });
  }

  /**
   * Starts `entry` (relative to the repo root) with PORT and ADMIN_PORT free ports unless `env`
   * gives them, and waits until it is ready.
   */
  static async start(entry: string, env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServiceProcess> {
    // A free port found here can be taken by another test's process before ours binds it:
    // when we chose the ports and the start failed on EADDRINUSE, choose again (bounded).
    for (let attempt = 1; ; attempt++) {
      try {
        return await ServiceProcess.startOnce(entry, env, options);
      } catch (error) {
        const ours = env.PORT === undefined || env.ADMIN_PORT === undefined;
        if (!ours || attempt >= 3 || !/EADDRINUSE/.test(String(error))) throw error;
      }
    }
  }

  private static async startOnce(entry: string, env: Record<string, string>, { waitReady = true, ready, timeoutMs = 15000, nodeArgs = [] }: StartOptions): Promise<ServiceProcess> {
    const port = env.PORT ? Number(env.PORT) : await freePort();
    const adminPort = env.ADMIN_PORT ? Number(env.ADMIN_PORT) : await freePort();
    const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, entry)], {
      cwd: ROOT,
      // A fresh DATA_DIR unless the test gives one: bans in the repo's ./data would outlive the run.
      env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-data-')), ...env, PORT: String(port), ADMIN_PORT: String(adminPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const service = new ServiceProcess(child, port, adminPort);
    if (waitReady) {
      try {
        await service.waitReady(timeoutMs, ready);
      } catch (error) {
        // Never leave a process behind that the caller has no handle on.
        if (!service.exit) {
          child.kill('SIGKILL');
          await service.exited;
        }
        throw error;
      }
    }
    return service;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async waitReady(timeoutMs = 15000, ready: (service: ServiceProcess) => Promise<boolean> = async (s) => (await s.readyz()) === 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`service exited (${JSON.stringify(this.exit)}): ${this.stderr}\n${JSON.stringify(this.logs.slice(-5))}`);
      if (await ready(this).catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`service not ready within ${timeoutMs} ms: ${this.stderr}\n${JSON.stringify(this.logs.slice(-5))}`);
  }

  async waitExit(timeoutMs = 10000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    if (!this.exit) throw new Error('service did not exit in time');
    return this.exit;
  }

  async waitLog(match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.logs.find(match);
      if (line) return line;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no matching log line; last: ${JSON.stringify(this.logs.slice(-5))}`);
  }

  /** The /readyz status, or 0 when the admin port does not answer. */
  async readyz(): Promise<number> {
    try {
      return (await httpRequest(`http://127.0.0.1:${this.adminPort}/readyz`)).status;
    } catch {
      return 0;
    }
  }

  async metrics(): Promise<string> {
    return (await httpRequest(`http://127.0.0.1:${this.adminPort}/metrics`)).body;
  }

  /** Sum of a metric's samples whose labels include every given label. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await this.metrics();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const m = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m || m[1] !== name) continue;
      const labelText = m[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(m[3]);
    }
    return sum;
  }

  /** Everything the process wrote: JSON log lines, then other stdout lines and stderr, marked. */
  logText(): string {
    const lines = this.logs.map((l) => JSON.stringify(l)).concat(this.stray.map((s) => `STRAY ${s}`));
    if (this.stderr) lines.push(`STDERR ${this.stderr}`);
    return lines.join('\n') + '\n';
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10000): Promise<void> {
    if (this.exit) return;
    this.child.kill(signal);
    try {
      await this.waitExit(timeoutMs);
    } catch {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
