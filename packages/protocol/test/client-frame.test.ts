import fc from 'fast-check';
import { CLIENT_PACKETS, MAX_KAETRAM_PACKET_ID, decodeUtf8, parseClientFrame } from '../src';

/** Ids only the server sends: the client has handlers for them but never sends them. */
const SERVER_TO_CLIENT_ONLY = [0, 3, 4, 5, 12, 13, 25];

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('protocol parseClientFrame rejections', () => {
  it.each([
    [''],
    [' '],
    ['not json'],
    ['[1,'],
    ['[1,]'],
    ["[1,{'gVer':'1'}]"],
    ['[1,{gVer:"1"}]'],
    ['undefined'],
    ['NaN'],
    ['[1,null]]'],
    ['[1,null][2,null]'],
    ['\u0000'],
  ])('json - %j is rejected as not JSON', (text) => {
    expect(parseClientFrame(text)).toEqual({ ok: false, reason: 'json' });
  });

  it.each([
    ['an object', '{}'],
    ['an object with an id', '{"id":1,"data":{"gVer":"1"}}'],
    ['a string', '"text"'],
    ['a frame inside a string', '"[1,null]"'],
    ['a number', '1'],
    ['null', 'null'],
    ['a boolean', 'true'],
    ['an empty array', '[]'],
    ['three elements', '[1,null,null]'],
    ['a server-style packet with an opcode', '[11,4,{"instance":"1"}]'],
    ['a batch of two packets', '[[1,{"gVer":"1"}],[6,null]]'],
    ['a fractional id', '[1.5,null]'],
    ['a negative fractional id', '[-0.5,null]'],
    ['a string id', '["1",null]'],
    ['a null id', '[null,null]'],
    ['a boolean id', '[true]'],
    ['an array id', '[[1],null]'],
    ['an object id', '[{"id":1},null]'],
    ['an id that overflows to Infinity', '[1e400,null]'],
  ])('shape - %s is rejected as not [id, data]', (_what, text) => {
    const result = parseClientFrame(text);
    expect(result).toEqual({ ok: false, reason: 'shape' });
  });

  it.each([[-1], [-60], [61], [100], [255], [65536], [1e21]])('unknown - id %d is not a Kaetram packet', (id) => {
    expect(parseClientFrame(JSON.stringify([id, null]))).toEqual({ ok: false, reason: 'unknown', id });
  });

  it('unknown - the boundaries are 0 and 60', () => {
    expect(parseClientFrame('[-1,null]')).toMatchObject({ ok: false, reason: 'unknown' });
    expect(parseClientFrame(`[${MAX_KAETRAM_PACKET_ID + 1},null]`)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(parseClientFrame('[0,null]')).not.toMatchObject({ reason: 'unknown' });
    expect(parseClientFrame(`[${MAX_KAETRAM_PACKET_ID},null]`)).not.toMatchObject({ reason: 'unknown' });
  });

  it.each(SERVER_TO_CLIENT_ONLY.map((id) => [id]))('serveronly - a client sending server packet %d is rejected', (id) => {
    expect(parseClientFrame(JSON.stringify([id, null]))).toEqual({ ok: false, reason: 'serveronly', id });
    expect(parseClientFrame(JSON.stringify([id, { instance: '0000011' }]))).toEqual({ ok: false, reason: 'serveronly', id });
  });

  it.each([[8], [10], [14], [20], [39], [49], [51], [52], [53], [58], [60]])(
    'unsupported - Kaetram packet %d is known but not handled',
    (id) => {
      expect(parseClientFrame(JSON.stringify([id, null]))).toEqual({ ok: false, reason: 'unsupported', id });
      expect(parseClientFrame(JSON.stringify([id, [1, 'x']]))).toEqual({ ok: false, reason: 'unsupported', id });
    },
  );

  it('classification - every id from 0 to 60 lands in exactly one documented class', () => {
    for (let id = 0; id <= MAX_KAETRAM_PACKET_ID; id++) {
      const result = parseClientFrame(JSON.stringify([id, null]));
      if (SERVER_TO_CLIENT_ONLY.includes(id)) {
        expect(result).toEqual({ ok: false, reason: 'serveronly', id });
      } else if (CLIENT_PACKETS.has(id)) {
        if (!result.ok) expect(result).toEqual({ ok: false, reason: 'data', id });
        else expect(result.packet.id).toBe(id);
      } else {
        expect(result).toEqual({ ok: false, reason: 'unsupported', id });
      }
    }
  });

  it('shape - a one-element frame [id] counts as data null', () => {
    expect(parseClientFrame('[6]')).toEqual({ ok: true, packet: { id: 6, data: null } });
    expect(parseClientFrame('[9]')).toEqual({ ok: true, packet: { id: 9, data: { regionsLoaded: 0, userAgent: '' } } });
    expect(parseClientFrame('[1]')).toEqual({ ok: false, reason: 'data', id: 1 });
  });

  it('shape - whitespace around valid JSON is accepted', () => {
    expect(parseClientFrame(' \n[ 6 , null ]\t')).toEqual({ ok: true, packet: { id: 6, data: null } });
  });

  it('shape - the id -0 is treated as Connected, which only the server sends', () => {
    expect(parseClientFrame('[-0,null]')).toMatchObject({ ok: false, reason: 'serveronly' });
  });
});

describe('protocol decodeUtf8', () => {
  it('utf8 - decodes multi-byte text from a Uint8Array and from an ArrayBuffer', () => {
    const text = '[19,["héllo € 😀 日本"]]';
    const bytes = utf8(text);
    expect(decodeUtf8(bytes)).toBe(text);
    expect(decodeUtf8(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))).toBe(text);
  });

  it('utf8 - decodes only the viewed part of a larger buffer', () => {
    const backing = utf8('xx[6,null]yy');
    expect(decodeUtf8(backing.subarray(2, 10))).toBe('[6,null]');
  });

  it('utf8 - an empty frame decodes to an empty string', () => {
    expect(decodeUtf8(new Uint8Array(0))).toBe('');
  });

  it.each([
    ['a lone 0xff byte', [0xff]],
    ['a bad continuation byte', [0xc3, 0x28]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated three-byte sequence', [0xe2, 0x82]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a stray continuation byte', [0x80]],
  ])('utf8 - %s is rejected instead of being replaced', (_what, bytes) => {
    expect(decodeUtf8(new Uint8Array(bytes))).toBeNull();
  });

  it('utf8 - one invalid byte inside an otherwise valid frame rejects the whole frame', () => {
    const bytes = new Uint8Array([...utf8('[19,["hi'), 0xff, ...utf8('"]]')]);
    expect(decodeUtf8(bytes)).toBeNull();
  });

  it('utf8 - any Unicode text round-trips through its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        // A leading BOM is consumed by the decoder; the client never sends one.
        fc.pre(!text.startsWith('\uFEFF'));
        expect(decodeUtf8(utf8(text))).toBe(text);
      }),
    );
  });

  it('utf8 - arbitrary bytes never throw, and accepted bytes are exactly the text they decode to', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = decodeUtf8(bytes);
        if (text === null) return;
        const withoutBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
        expect(Array.from(utf8(text))).toEqual(Array.from(withoutBom));
      }),
      { numRuns: 2000 },
    );
  });
});
