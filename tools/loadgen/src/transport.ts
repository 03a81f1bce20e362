import net from 'node:net';
import WebSocket from 'ws';
import { FrameDecoder, Opcode, checkHandshakeResponse, closePayload, encodeFrame, handshakeRequest, parseClosePayload } from './ws-codec';

/** What a bot hears from its connection. `message` payloads are only valid during the call. */
export interface ConnectionHandlers {
  open(): void;
  message(payload: Buffer): void;
  /** Once, whatever ended the connection; code 1006 when there was no close frame. */
  close(code: number, reason: string): void;
}

export interface Connection {
  send(text: string): void;
  /** Starts the closing handshake (code 1000). */
  close(): void;
  /** Ends the socket at once. */
  destroy(): void;
}

export interface Target {
  host: string;
  port: number;
  /** Path and query, e.g. `/ws` or `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
}

export type TransportName = 'raw' | 'ws';
export type Connect = (target: Target, localAddress: string | undefined, handlers: ConnectionHandlers) => Connection;

export function parseTarget(url: string, path?: string): Target {
  const u = new URL(url);
  if (u.protocol !== 'ws:') throw new Error(`only ws:// URLs are supported, got ${url}`);
  return { host: u.hostname, port: Number(u.port || 80), path: path ?? (u.pathname + u.search || '/') };
}

const CONNECT_TIMEOUT_MS = 10000;

/**
 * A minimal RFC 6455 client over `net`: masked client frames, pong for ping, the closing
 * handshake, no extensions. Payloads are handed over as Buffers without string decoding.
 */
class RawConnection implements Connection {
  private readonly socket: net.Socket;
  private open = false;
  private ended = false;
  private head = '';
  private readonly accept: string;
  private readonly decoder: FrameDecoder;
  private fragments: Buffer[] | null = null;
  private closeSent = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(target: Target, localAddress: string | undefined, private readonly handlers: ConnectionHandlers) {
    const { request, accept } = handshakeRequest(`${target.host}:${target.port}`, target.path);
    this.accept = accept;
    this.decoder = new FrameDecoder(
      (fin, opcode, payload) => this.onFrame(fin, opcode, payload),
      () => this.finish(1009, 'frame too big'),
    );
    this.socket = net.connect({ host: target.host, port: target.port, localAddress, noDelay: true });
    this.timer = setTimeout(() => this.finish(1006, 'connect timeout'), CONNECT_TIMEOUT_MS);
    this.socket.once('connect', () => this.socket.write(request));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error: Error) => this.finish(1006, (error as NodeJS.ErrnoException).code ?? error.message));
    this.socket.on('close', () => this.finish(1006, ''));
  }

  private onData(chunk: Buffer): void {
    if (this.open) return this.decoder.push(chunk);
    // The handshake response: everything up to the blank line, frames may follow in the same chunk.
    const text = chunk.toString('latin1');
    this.head += text;
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > 16384) this.finish(1006, 'handshake response too long');
      return;
    }
    const problem = checkHandshakeResponse(this.head.slice(0, end + 2), this.accept);
    if (problem) return this.finish(1006, `handshake: ${problem}`);
    const consumed = end + 4 - (this.head.length - text.length);
    this.head = '';
    this.open = true;
    clearTimeout(this.timer);
    this.handlers.open();
    if (consumed < chunk.length && !this.ended) this.decoder.push(chunk.subarray(consumed));
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (this.ended) return;
    switch (opcode) {
      case Opcode.Text:
      case Opcode.Binary:
        if (fin) return this.handlers.message(payload);
        this.fragments = [Buffer.from(payload)];
        return;
      case Opcode.Continuation:
        if (this.fragments === null) return;
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = null;
          this.handlers.message(whole);
        }
        return;
      case Opcode.Ping:
        this.socket.write(encodeFrame(Opcode.Pong, payload));
        return;
      case Opcode.Pong:
        return;
      case Opcode.Close: {
        const { code, reason } = parseClosePayload(payload);
        if (!this.closeSent) {
          this.closeSent = true;
          this.socket.write(encodeFrame(Opcode.Close, payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0)));
        }
        this.socket.end();
        this.finish(code, reason);
        return;
      }
    }
  }

  send(text: string): void {
    if (!this.open || this.ended || this.closeSent) return;
    this.socket.write(encodeFrame(Opcode.Text, text));
  }

  close(): void {
    if (this.ended) return;
    if (!this.open) return this.destroy();
    if (this.closeSent) return;
    this.closeSent = true;
    this.socket.write(encodeFrame(Opcode.Close, closePayload(1000)));
    // The server answers and closes; do not wait forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
    this.finish(1006, 'destroyed');
  }

  private finish(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    this.handlers.close(code, reason);
  }
}

/** The same contract over the `ws` package (realistic client behaviour; costs more CPU). */
class WsConnection implements Connection {
  private readonly socket: WebSocket;
  private ended = false;

  constructor(target: Target, localAddress: string | undefined, private readonly handlers: ConnectionHandlers) {
    this.socket = new WebSocket(`ws://${target.host}:${target.port}${target.path}`, {
      localAddress,
      perMessageDeflate: false,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      skipUTF8Validation: true,
    });
    this.socket.on('open', () => handlers.open());
    this.socket.on('message', (data: Buffer) => handlers.message(data));
    this.socket.on('close', (code: number, reason: Buffer) => this.finish(code, reason.toString()));
    this.socket.on('error', (error: Error) => this.finish(1006, (error as NodeJS.ErrnoException).code ?? error.message));
  }

  send(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
  }

  destroy(): void {
    this.socket.terminate();
    this.finish(1006, 'destroyed');
  }

  private finish(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.close(code, reason);
  }
}

export function transport(name: TransportName): Connect {
  if (name === 'ws') return (target, localAddress, handlers) => new WsConnection(target, localAddress, handlers);
  return (target, localAddress, handlers) => new RawConnection(target, localAddress, handlers);
}
