import WebSocket from 'ws';
import zlib from 'node:zlib';
import { STOCK_CLIENT_VERSION } from '@shardgate/protocol';

/** A packet as the server sends it: `[id, data]` or `[id, opcode, data]` (Map: `[4, b64, len]`). */
export type Packet = unknown[];

export interface ClosedInfo {
  code: number;
  reason: string;
}

/**
 * A Kaetram-protocol test client over a real WebSocket: it records every packet the server
 * sends (each frame must be an array of packets) and lets a test wait for one.
 */
export class KaetramClient {
  readonly packets: Packet[] = [];
  readonly frames: string[] = [];
  closed: ClosedInfo | undefined;
  /** Date.now() when the close arrived. */
  closedAt: number | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      this.frames.push(text);
      const frame = JSON.parse(text) as unknown;
      if (!Array.isArray(frame) || !frame.every(Array.isArray)) throw new Error(`frame is not an array of packets: ${text}`);
      this.packets.push(...(frame as Packet[]));
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.closedAt = Date.now();
      this.wake();
    });
    socket.on('error', () => this.wake());
  }

  static connect(url: string, localAddress?: string, headers?: Record<string, string>): Promise<KaetramClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { localAddress, perMessageDeflate: false, headers });
      const client = new KaetramClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  send(packet: unknown): void {
    this.socket.send(JSON.stringify(packet));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  /** Waits for a packet matching `match`, searching from `from` in the received list. */
  async waitFor(match: (p: Packet) => boolean, timeoutMs = 5000, from = 0): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.packets.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) before the packet came; got ${JSON.stringify(this.packets).slice(0, 500)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.packets).slice(0, 800)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForId(id: number, timeoutMs?: number, from?: number): Promise<Packet> {
    return this.waitFor((p) => p[0] === id, timeoutMs, from);
  }

  async waitClosed(timeoutMs = 5000): Promise<ClosedInfo> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close();
  }

  /** Runs the lifecycle a Kaetram client runs: Connected, Handshake, guest Login, Welcome, Ready. */
  async joinAsGuest(gameVersion = STOCK_CLIENT_VERSION): Promise<{ instance: string; welcome: Record<string, unknown>; handshake: { instance: string; serverId: number; type: string; serverTime: number } }> {
    await this.waitForId(0);
    this.send([1, { gVer: gameVersion }]);
    const handshake = (await this.waitForId(1))[1] as { instance: string; serverId: number; type: string; serverTime: number };
    this.send([2, { opcode: 2 }]);
    const welcome = (await this.waitForId(3))[1] as Record<string, unknown>;
    this.send([9, { regionsLoaded: 0, userAgent: 'jest' }]);
    await this.waitForId(4);
    // As the Kaetram client does: ask (Who) for every entity in the List it does not know.
    const list = (await this.waitForId(6))[2] as { entities: string[] };
    if (list.entities.length > 0) this.send([7, list.entities]);
    return { instance: handshake.instance, welcome, handshake };
  }
}

/** Packet predicates for waitFor. */
export const isSpawnOf = (instance: string) => (p: Packet) => p[0] === 5 && (p[1] as { instance?: string } | null)?.instance === instance;
export const isDespawnOf = (instance: string) => (p: Packet) => p[0] === 13 && (p[1] as { instance?: string } | null)?.instance === instance;
export const isMoveOf = (instance: string) => (p: Packet) => p[0] === 11 && p[1] === 4 && (p[2] as { instance?: string } | null)?.instance === instance;
export const isChatOf = (instance: string, message?: string) => (p: Packet) =>
  p[0] === 19 &&
  (p[1] as { instance?: string } | null)?.instance === instance &&
  (message === undefined || (p[1] as { message?: string }).message === message);

/** Decodes a Map packet `[4, base64 gzip JSON, byteLength]`. */
export function decodeMap(packet: Packet): { regions: Record<string, Array<{ x: number; y: number; data: unknown; c?: boolean }>>; byteLength: number; json: string } {
  const json = zlib.gunzipSync(Buffer.from(packet[1] as string, 'base64')).toString('utf8');
  return { regions: JSON.parse(json), byteLength: packet[2] as number, json };
}
