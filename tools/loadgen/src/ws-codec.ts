import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * The pure part of a minimal RFC 6455 client: frame encoding (client frames are masked),
 * an incremental frame decoder, and the opening handshake. No I/O here.
 */

export const Opcode = Object.freeze({ Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const);

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Random masking keys, taken 4 bytes at a time from a refilled pool (one syscall per 16k frames). */
class MaskPool {
  private pool = Buffer.allocUnsafe(65536);
  private offset = this.pool.length;

  next(): Buffer {
    if (this.offset + 4 > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const key = this.pool.subarray(this.offset, this.offset + 4);
    this.offset += 4;
    return key;
  }
}

const masks = new MaskPool();

/** Header length for a payload of `length` bytes, mask included when `masked`. */
export function headerLength(length: number, masked: boolean): number {
  return (length <= 125 ? 2 : length <= 0xffff ? 4 : 10) + (masked ? 4 : 0);
}

function writeHeader(target: Buffer, opcode: number, length: number, masked: boolean, fin = true): number {
  target[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (length <= 125) {
    target[1] = maskBit | length;
    return 2;
  }
  if (length <= 0xffff) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(length, 2);
    return 4;
  }
  target[1] = maskBit | 127;
  target.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  target.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/** XORs `data[start..end)` in place with the 4-byte key. */
export function applyMask(data: Buffer, key: Uint8Array, start = 0, end = data.length): void {
  const k0 = key[0]!, k1 = key[1]!, k2 = key[2]!, k3 = key[3]!;
  let i = start;
  const n = end - start;
  const whole = start + (n & ~3);
  for (; i < whole; i += 4) {
    data[i] ^= k0;
    data[i + 1] ^= k1;
    data[i + 2] ^= k2;
    data[i + 3] ^= k3;
  }
  for (let j = 0; i < end; i++, j++) data[i] ^= key[j]!;
}

/**
 * One complete frame. Client frames (`mask` given, or `true` for a random key) are masked
 * as RFC 6455 5.3 requires; server frames (`mask` false) are not.
 */
export function encodeFrame(opcode: number, payload: Buffer | string, mask: Uint8Array | boolean = true, fin = true): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const masked = mask !== false;
  const header = headerLength(length, masked);
  const frame = Buffer.allocUnsafe(header + length);
  let offset = writeHeader(frame, opcode, length, masked, fin);
  let key: Uint8Array | undefined;
  if (masked) {
    key = mask === true ? masks.next() : mask;
    frame[offset] = key[0]!;
    frame[offset + 1] = key[1]!;
    frame[offset + 2] = key[2]!;
    frame[offset + 3] = key[3]!;
    offset += 4;
  }
  if (typeof payload === 'string') frame.write(payload, offset, 'utf8');
  else payload.copy(frame, offset);
  if (key) applyMask(frame, key, offset, offset + length);
  return frame;
}

export interface DecodedFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/**
 * Incremental decoder: feed it the socket's chunks, it calls `onFrame` once per complete
 * frame (masked frames are unmasked). Chunks are only joined when a frame spans them.
 * `maxPayload` bounds what it will buffer; a bigger frame is reported with `onError`.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private need = 2;

  constructor(
    private readonly onFrame: (fin: boolean, opcode: number, payload: Buffer) => void,
    private readonly onError: (error: Error) => void = () => undefined,
    private readonly maxPayload = 64 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    if (this.size === 0) {
      this.consume(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < this.need) return;
    const joined = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.consume(joined);
  }

  private consume(buf: Buffer): void {
    let off = 0;
    const end = buf.length;
    for (;;) {
      const avail = end - off;
      if (avail < 2) {
        this.need = 2;
        break;
      }
      const b0 = buf[off]!;
      const b1 = buf[off + 1]!;
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (avail < 4) {
          this.need = 4;
          break;
        }
        length = buf.readUInt16BE(off + 2);
        header = 4;
      } else if (length === 127) {
        if (avail < 10) {
          this.need = 10;
          break;
        }
        length = buf.readUInt32BE(off + 2) * 2 ** 32 + buf.readUInt32BE(off + 6);
        header = 10;
      }
      if (length > this.maxPayload) {
        this.onError(new Error(`frame of ${length} bytes exceeds ${this.maxPayload}`));
        this.chunks = [];
        this.size = 0;
        return;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) header += 4;
      if (avail < header + length) {
        this.need = header + length;
        break;
      }
      const start = off + header;
      let payload = buf.subarray(start, start + length);
      if (masked) {
        payload = Buffer.from(payload);
        applyMask(payload, buf.subarray(start - 4, start));
      }
      off = start + length;
      this.onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    if (off < end) {
      const rest = buf.subarray(off);
      this.chunks = [rest];
      this.size = rest.length;
    }
  }
}

/** Decodes every complete frame in `data` (tests and tools). */
export function decodeAll(data: Buffer): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  new FrameDecoder((fin, opcode, payload) => frames.push({ fin, opcode, payload: Buffer.from(payload) })).push(data);
  return frames;
}

/** The client's opening handshake: the request bytes and the accept value to expect. */
export function handshakeRequest(host: string, path: string, extraHeaders: Record<string, string> = {}): { request: string; key: string; accept: string } {
  const key = randomBytes(16).toString('base64');
  let request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
  for (const [name, value] of Object.entries(extraHeaders)) request += `${name}: ${value}\r\n`;
  request += '\r\n';
  return { request, key, accept: acceptFor(key) };
}

export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/**
 * Checks a handshake response head (up to the blank line): status 101 and the expected
 * Sec-WebSocket-Accept. Returns null when fine, else what is wrong.
 */
export function checkHandshakeResponse(head: string, accept: string): string | null {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
  if (!status) return 'not an HTTP/1.1 response';
  if (status[1] !== '101') return `HTTP ${status[1]}`;
  const got = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head);
  if (!got || got[1] !== accept) return 'bad Sec-WebSocket-Accept';
  return null;
}

/** A close frame's payload: code and UTF-8 reason. */
export function parseClosePayload(payload: Buffer): { code: number; reason: string } {
  if (payload.length < 2) return { code: 1005, reason: '' };
  return { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') };
}

export function closePayload(code: number, reason = ''): Buffer {
  const buf = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  buf.writeUInt16BE(code, 0);
  buf.write(reason, 2, 'utf8');
  return buf;
}
