// Helpers of the hardening suites (issue 7): a seeded PRNG, process RSS, percentiles and the
// latency bound, joins, a raw WebSocket client on plain TCP (for sockets that stop reading or
// never finish their upgrade), and the inspector hook that forces a GC before a memory reading.
// The chatting players that measure round trips are bot-fleet.js (own process) via fleet.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { KaetramClient, type LogLine, type Packet, type ServiceProcess } from '@shardgate/harness';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mulberry32: the same seed gives the same stream, so a fuzz run reproduces. */
export { mulberry32 as prng } from '../../tools/loadgen/src/prng';

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export const MB = 1024 * 1024;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** Chats sent in the window that never came back before the window was judged. */
  lost: number;
}

export function summarize(values: readonly number[], lost = 0): LatencySummary {
  return { samples: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN, lost };
}

/**
 * The bound the issue sets on well-behaved players' p99 during an attack: within 2x the quiet
 * baseline. At a 50 ms tick the baseline p99 is a few tens of ms, where scheduler noise on a
 * 2-core machine alone is worth ~20 ms, so the bound is max(2 x baseline, baseline + 20 ms).
 */
export function p99Bound(baselineP99: number): number {
  return Math.max(2 * baselineP99, baselineP99 + 20);
}

/** Lines a run must never log: error/fatal levels, and anything about unhandled rejections. */
export function badLogLines(logs: readonly LogLine[]): LogLine[] {
  return logs.filter((l) => l.level === 'error' || l.level === 'fatal' || /unhandled|uncaught/i.test(l.msg ?? ''));
}

/** Kaetram joins of `count` clients, each from its own loopback address `${prefix}.${first + i}`. */
export async function joinMany(url: string, prefix: string, count: number, first = 1, concurrency = 10): Promise<Array<{ client: KaetramClient; instance: string }>> {
  const out: Array<{ client: KaetramClient; instance: string }> = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const client = await KaetramClient.connect(url, `${prefix}.${first + i}`);
        const { instance } = await client.joinAsGuest();
        out[i] = { client, instance };
      }
    }),
  );
  return out;
}

/** Sends a chat line and waits for its echo (the sender hears its own chat): the connection works. */
export async function chatRoundTrip(client: KaetramClient, instance: string, timeoutMs = 5000): Promise<number> {
  const line = `alive ${crypto.randomBytes(6).toString('hex')}`;
  const from = client.packets.length;
  const sentAt = performance.now();
  client.send([19, [line]]);
  await client.waitFor((p) => p[0] === 19 && (p[1] as { instance?: string; message?: string }).instance === instance && (p[1] as { message?: string }).message === line, timeoutMs, from);
  return performance.now() - sentAt;
}

// ---------------------------------------------------------------------------------------
// A WebSocket client on a raw TCP socket.

/** One masked client frame (RFC 6455 5.2): `opcode` 1 text, 2 binary, 8 close. */
export function encodeClientFrame(payload: Buffer, opcode = 1): Buffer {
  const mask = crypto.randomBytes(4);
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, 0x80 | length]);
  } else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, mask, body]);
}

export function upgradeRequest(port: number, path = '/ws'): string {
  const key = crypto.randomBytes(16).toString('base64');
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** What a raw client read: text frames (as strings), and the close frame if one came. */
export interface RawFrames {
  texts: string[];
  close?: { code: number; reason: string };
}

/** Parses unmasked server frames out of `buffer`; returns what is left over. */
function parseServerFrames(buffer: Buffer, out: RawFrames, keepTexts: boolean): Buffer {
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    const opcode = buffer[offset]! & 0x0f;
    let length = buffer[offset + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = buffer.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      length = Number(buffer.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (buffer.length - offset < header + length) break;
    const payload = buffer.subarray(offset + header, offset + header + length);
    if (opcode === 1 && keepTexts) out.texts.push(payload.toString('utf8'));
    else if (opcode === 8) out.close = { code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString('utf8') };
    offset += header + length;
  }
  return buffer.subarray(offset);
}

/**
 * A WebSocket client on a bare TCP socket: it can stop reading (pause) while the server keeps
 * sending, and it sees every byte the server sends.
 */
export class RawClient {
  readonly frames: RawFrames = { texts: [] };
  upgraded = false;
  ended = false;
  endedAt: number | undefined;
  bytesRead = 0;
  /** False: text frames are only counted in bytesRead (a reader under heavy traffic). */
  keepTexts = true;
  private head = '';
  private rest: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.ended = true;
      this.endedAt = performance.now();
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error.code ?? error.message;
    });
  }

  /** The socket error, if any (ECONNRESET: the server reset the connection). */
  error: string | undefined;

  static connect(port: number, localAddress: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress });
      const client = new RawClient(socket);
      socket.once('connect', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Connects and completes the WebSocket upgrade. */
  static async open(port: number, localAddress: string, timeoutMs = 5000): Promise<RawClient> {
    const client = await RawClient.connect(port, localAddress);
    client.socket.write(upgradeRequest(port));
    await client.until(() => client.upgraded, timeoutMs, 'upgrade');
    return client;
  }

  private onData(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (!this.upgraded) {
      this.head += chunk.toString('latin1');
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!/^HTTP\/1\.1 101/.test(this.head)) {
        this.ended = true;
        this.wake();
        return;
      }
      this.upgraded = true;
      chunk = Buffer.from(this.head.slice(end + 4), 'latin1');
      this.head = '';
    }
    this.rest = parseServerFrames(this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk, this.frames, this.keepTexts);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw client: timed out waiting for ${what}; got ${JSON.stringify(this.frames).slice(0, 300)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  packets(): Packet[] {
    const out: Packet[] = [];
    for (const text of this.frames.texts) out.push(...(JSON.parse(text) as Packet[]));
    return out;
  }

  sendText(text: string | Buffer): void {
    this.socket.write(encodeClientFrame(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, 1));
  }

  /** Runs the Kaetram join over the raw socket; returns the instance. */
  async join(timeoutMs = 5000): Promise<string> {
    await this.until(() => this.packets().some((p) => p[0] === 0), timeoutMs, 'Connected');
    this.sendText(JSON.stringify([1, { gVer: '0.5.5-beta' }]));
    await this.until(() => this.packets().some((p) => p[0] === 1), timeoutMs, 'Handshake');
    const instance = (this.packets().find((p) => p[0] === 1)![1] as { instance: string }).instance;
    this.sendText(JSON.stringify([2, { opcode: 2 }]));
    await this.until(() => this.packets().some((p) => p[0] === 3), timeoutMs, 'Welcome');
    this.sendText(JSON.stringify([9, { regionsLoaded: 0, userAgent: 'raw' }]));
    await this.until(() => this.packets().some((p) => p[0] === 6), timeoutMs, 'List');
    return instance;
  }

  /** Stops reading: the kernel buffers fill, then the server's unsent bytes grow. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Polls a metric until `done(value)`; returns the last value. */
export async function waitMetric(service: ServiceProcess, name: string, labels: Record<string, string>, done: (v: number) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = await service.metric(name, labels);
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await service.metric(name, labels);
  }
  return value;
}

// ---------------------------------------------------------------------------------------
// Live memory of a service: the Node inspector (started with NODE_OPTIONS=--inspect=127.0.0.1:0,
// loopback only, random port) forces a full garbage collection, so "back to baseline" compares
// live objects, not whatever garbage the collector had not reached yet.

/** Lines Node itself writes to stderr when started with --inspect; nothing else may be there. */
export function strayStderr(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => !/^(Debugger listening on ws:|For help, see: https:\/\/nodejs.org\/en\/docs\/inspector|Debugger attached\.|Debugger ending on ws:|Waiting for the debugger to disconnect)/.test(l));
}

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export class Inspector {
  private id = 0;
  private readonly calls = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  private constructor(private readonly socket: import('ws').WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.calls.get(message.id)?.(message);
    });
  }

  static async attach(service: ServiceProcess): Promise<Inspector> {
    const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(service.stderr);
    if (!m) throw new Error(`service was not started with --inspect: ${service.stderr}`);
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(m[1]!);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  call(method: string, params: Record<string, unknown> = {}, timeoutMs = 10000): Promise<unknown> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${method} timed out`)), timeoutMs);
      this.calls.set(id, (message) => {
        clearTimeout(timer);
        this.calls.delete(id);
        if (message.error) reject(new Error(`inspector ${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Full GC (twice: weak callbacks of the first free more), then process.memoryUsage(). */
  async memoryAfterGc(): Promise<MemoryUsage> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const result = (await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    return JSON.parse(result.result.value) as MemoryUsage;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
      setTimeout(resolve, 1000).unref();
    });
  }
}
