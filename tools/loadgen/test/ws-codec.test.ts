import { FrameDecoder, Opcode, acceptFor, applyMask, checkHandshakeResponse, decodeAll, encodeFrame, headerLength } from '../src/ws-codec';
import { countPackets } from '../src/frames';

const KEY = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

describe('client frame encoding', () => {
  it('masks the payload with the key, as RFC 6455 5.7 shows ("Hello", masked)', () => {
    const frame = encodeFrame(Opcode.Text, 'Hello', KEY);
    expect([...frame]).toEqual([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('leaves server frames unmasked', () => {
    expect([...encodeFrame(Opcode.Text, 'Hello', false)]).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  });

  it('uses a fresh random key per frame when none is given', () => {
    const a = encodeFrame(Opcode.Text, 'x'.repeat(8));
    const b = encodeFrame(Opcode.Text, 'x'.repeat(8));
    expect(a[1]! & 0x80).toBe(0x80);
    expect(a.subarray(2, 6).equals(b.subarray(2, 6))).toBe(false);
  });

  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
    [70000, 10],
  ])('a %i-byte payload takes the %i-byte length form', (length, header) => {
    const payload = Buffer.alloc(length, 0x61);
    const frame = encodeFrame(Opcode.Text, payload, KEY);
    expect(frame.length).toBe(header + 4 + length);
    expect(headerLength(length, true)).toBe(header + 4);
    const lengthBits = frame[1]! & 0x7f;
    if (length <= 125) expect(lengthBits).toBe(length);
    else if (length <= 0xffff) {
      expect(lengthBits).toBe(126);
      expect(frame.readUInt16BE(2)).toBe(length);
    } else {
      expect(lengthBits).toBe(127);
      expect(frame.readUInt32BE(2)).toBe(0);
      expect(frame.readUInt32BE(6)).toBe(length);
    }
    // Decoding unmasks it back to the original bytes.
    const [decoded] = decodeAll(frame);
    expect(decoded!.fin).toBe(true);
    expect(decoded!.opcode).toBe(Opcode.Text);
    expect(decoded!.payload.equals(payload)).toBe(true);
  });

  it('masking twice gives the original back, whatever the alignment', () => {
    const data = Buffer.from('0123456789abcdefg');
    const copy = Buffer.from(data);
    applyMask(copy, KEY, 3, 14);
    expect(copy.equals(data)).toBe(false);
    applyMask(copy, KEY, 3, 14);
    expect(copy.equals(data)).toBe(true);
  });
});

describe('frame decoding', () => {
  const frames = [
    encodeFrame(Opcode.Text, 'a'.repeat(125), false),
    encodeFrame(Opcode.Text, 'b'.repeat(126), false),
    encodeFrame(Opcode.Binary, Buffer.alloc(65536, 7), false),
    encodeFrame(Opcode.Ping, 'p', false),
    encodeFrame(Opcode.Text, '[[0,null]]', false),
  ];
  const stream = Buffer.concat(frames);

  it.each([1, 2, 3, 7, 125, 4096, stream.length])('decodes a stream cut into %i-byte chunks', (size) => {
    const seen: Array<[number, number]> = [];
    const decoder = new FrameDecoder((_fin, opcode, payload) => seen.push([opcode, payload.length]));
    for (let i = 0; i < stream.length; i += size) decoder.push(stream.subarray(i, i + size));
    expect(seen).toEqual([
      [Opcode.Text, 125],
      [Opcode.Text, 126],
      [Opcode.Binary, 65536],
      [Opcode.Ping, 1],
      [Opcode.Text, 10],
    ]);
  });

  it('reports a frame over the payload bound', () => {
    const errors: Error[] = [];
    const decoder = new FrameDecoder(() => undefined, (e) => errors.push(e), 1000);
    decoder.push(encodeFrame(Opcode.Text, Buffer.alloc(1001), false));
    expect(errors).toHaveLength(1);
  });

  it('keeps the FIN bit of fragments', () => {
    const parts = Buffer.concat([encodeFrame(Opcode.Text, 'ab', false, false), encodeFrame(Opcode.Continuation, 'cd', false, true)]);
    expect(decodeAll(parts).map((f) => [f.fin, f.opcode, f.payload.toString()])).toEqual([
      [false, Opcode.Text, 'ab'],
      [true, Opcode.Continuation, 'cd'],
    ]);
  });
});

describe('handshake', () => {
  it('computes the accept value of RFC 6455 1.3', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('checks status and accept', () => {
    const accept = acceptFor('dGhlIHNhbXBsZSBub25jZQ==');
    expect(checkHandshakeResponse(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${accept}\r\n`, accept)).toBeNull();
    expect(checkHandshakeResponse('HTTP/1.1 403 Forbidden\r\n', accept)).toBe('HTTP 403');
    expect(checkHandshakeResponse('HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: nope\r\n', accept)).toBe('bad Sec-WebSocket-Accept');
  });
});

describe('counting packets in a server frame', () => {
  it('counts the top-level packets, not nested arrays or brackets inside strings', () => {
    const frame = JSON.stringify([[0, null], [6, 0, { entities: ['01', '02'] }], [19, { message: 'a [b] ,[c "quoted" \\ ]' }], [4, 'abc', 3]]);
    expect(countPackets(Buffer.from(frame))).toBe(4);
    expect(countPackets(Buffer.from('[[0,null]]'))).toBe(1);
  });
});
