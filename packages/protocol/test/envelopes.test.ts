import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import {
  CloseReasons,
  EnvelopeError,
  EventKind,
  decodeControl,
  decodeGatewayBatch,
  decodeGatewayHeartbeat,
  decodeShardBatch,
  decodeShardHeartbeat,
  encodeEnvelope,
  encodeShardBatch,
  encodeShardBatchWithin,
  encodePeerMessage,
  encodePeerMessageWithin,
  decodePeerMessage,
  messageEvent,
  parseClientFrame,
} from '../src';
import type { ClientEvent, ControlMessage, GatewayBatch, GatewayHeartbeat, PeerOp, ShardBatch, ShardHeartbeat } from '../src';

const DECODERS = {
  'gateway batch': decodeGatewayBatch,
  'shard batch': decodeShardBatch,
  'shard heartbeat': decodeShardHeartbeat,
  'gateway heartbeat': decodeGatewayHeartbeat,
  control: decodeControl,
} as const;
const DECODER_CASES = Object.entries(DECODERS);

/** The error a decoder throws, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectEnvelopeError(fn: () => unknown, message?: RegExp): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(EnvelopeError);
  expect((error as Error).name).toBe('EnvelopeError');
  if (message) expect((error as Error).message).toMatch(message);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function packetOf(text: string) {
  const result = parseClientFrame(text);
  if (!result.ok) throw new Error(`test frame ${text} rejected: ${result.reason}`);
  return result.packet;
}

const sampleEvents: ClientEvent[] = [
  [EventKind.Open, '0000010000001', '203.0.113.7', '1'],
  messageEvent('0000010000001', packetOf('[1,{"gVer":"0.5.5"}]')),
  messageEvent('0000010000001', packetOf('[2,{"opcode":2}]')),
  messageEvent('0000010000001', packetOf('[6,null]')),
  messageEvent('0000010000001', packetOf('[7,["0000010000002","1000010000003"]]')),
  messageEvent('0000010000001', packetOf('[9,{"regionsLoaded":4,"userAgent":"Mozilla/5.0"}]')),
  messageEvent('0000010000001', packetOf('[11,{"opcode":2,"playerX":18,"playerY":30,"timestamp":1767225600123.5}]')),
  messageEvent('0000010000001', packetOf('[18,[1]]')),
  messageEvent('0000010000001', packetOf('[19,["héllo 😀"]]')),
  [EventKind.Close, '0000010000001', 'client'],
  [EventKind.Close, '0000010000002', CloseReasons.RateLimit],
];

describe('protocol envelopes', () => {
  it('event kinds - open, message, close and fence are 0, 1, 2 and 3', () => {
    expect(EventKind).toEqual({ Open: 0, Message: 1, Close: 2, Fence: 3 });
    expect(Object.isFrozen(EventKind)).toBe(true);
  });

  it('message event - carries the instance, packet id and validated data', () => {
    expect(messageEvent('0000010000001', packetOf('[19,["hi"]]'))).toEqual([1, '0000010000001', 19, { message: 'hi' }]);
    expect(messageEvent('0000010000001', packetOf('[6]'))).toEqual([1, '0000010000001', 6, null]);
  });

  it('round trip - a gateway batch with every event kind and every handled packet', () => {
    const batch: GatewayBatch = { gateway: '1', events: sampleEvents };
    const bytes = encodeEnvelope(batch);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeGatewayBatch(bytes)).toEqual(batch);
    expect(decodeGatewayBatch(encodeEnvelope({ gateway: '2', events: [] }))).toEqual({ gateway: '2', events: [] });
  });

  it('round trip - a shard batch keeps packets, frame indices and closes in order', () => {
    const batch: ShardBatch = {
      shard: '1',
      packets: ['[0,null]', '[11,4,{"instance":"0000010000002","x":11,"y":12,"forced":false}]', '[19,{"message":"héllo 😀"}]'],
      frames: [
        ['0000010000001', [1, 2]],
        ['0000010000003', [2, 1, 0]],
      ],
      closes: [
        ['0000010000004', CloseReasons.Timeout],
        ['0000010000005', CloseReasons.Cheating],
      ],
    };
    expect(decodeShardBatch(encodeShardBatch(batch))).toEqual(batch);
    expect(decodeShardBatch(encodeShardBatch({ shard: '2', packets: [], frames: [], closes: [] }))).toEqual({ shard: '2', packets: [], frames: [], closes: [] });
  });

  it('round trip - shard batch packets survive any text: newlines, escapes, surrogates, empty strings', () => {
    const packets = ['', '[1,"a\\nb"]', 'raw\nnewline', '"\u2028"', '😀😀', '\ud83d', 'x'.repeat(70_000), ''];
    const batch: ShardBatch = { shard: '1', packets, frames: [['0000010000001', packets.map((_, i) => i)]], closes: [] };
    expect(decodeShardBatch(encodeShardBatch(batch)).packets).toEqual(packets.map((p) => (p === '\ud83d' ? '\ufffd' : p)));
  });

  it('round trip - heartbeats', () => {
    const shard: ShardHeartbeat = { shard: '3', players: 120, capacity: 500, accepting: true, serverId: 3 };
    const gateway: GatewayHeartbeat = { gateway: '7', connections: 42 };
    expect(decodeShardHeartbeat(encodeEnvelope(shard))).toEqual(shard);
    expect(decodeShardHeartbeat(encodeEnvelope({ ...shard, accepting: false, players: 0 }))).toEqual({ ...shard, accepting: false, players: 0 });
    expect(decodeGatewayHeartbeat(encodeEnvelope(gateway))).toEqual(gateway);
    // The game version rides along; a heartbeat without one (an older shard) still decodes.
    expect(decodeShardHeartbeat(encodeEnvelope({ ...shard, gameVersion: '0.5.5-beta' }))).toEqual({ ...shard, gameVersion: '0.5.5-beta' });
  });

  it('round trip - control messages', () => {
    const ban: ControlMessage = { type: 'ban', ip: '198.51.100.23' };
    const kick: ControlMessage = { type: 'kick', instance: '0000010000001', reason: CloseReasons.Banned };
    expect(decodeControl(encodeEnvelope(ban))).toStrictEqual(ban);
    expect(decodeControl(encodeEnvelope(kick))).toStrictEqual(kick);
  });

  it('round trip - control messages come back without unknown fields', () => {
    expect(decodeControl(encode({ type: 'ban', ip: '::1', extra: { deep: true } }))).toStrictEqual({ type: 'ban', ip: '::1' });
    expect(decodeControl(encode({ type: 'kick', instance: '1', reason: 'lost', ip: 'x' }))).toStrictEqual({ type: 'kick', instance: '1', reason: 'lost' });
  });

  it('round trip - any heartbeat or batch of text and numbers survives', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const count = fc.nat({ max: 2 ** 31 });
    const event: fc.Arbitrary<ClientEvent> = fc.oneof(
      fc.tuple(fc.constant(0 as const), text, text, text),
      fc.tuple(fc.constant(1 as const), text, fc.integer({ min: 0, max: 60 }), fc.oneof(fc.constant(null), text, fc.array(text), fc.record({ opcode: fc.nat(3), playerX: count, playerY: count }))),
      fc.tuple(fc.constant(2 as const), text, fc.constantFrom(...Object.values(CloseReasons))),
    );
    fc.assert(
      fc.property(
        fc.record({ gateway: text, events: fc.array(event, { maxLength: 20 }) }),
        fc.record({ shard: text, players: count, capacity: count, accepting: fc.boolean(), serverId: fc.integer({ min: 1, max: 99_999 }) }),
        fc.record({ gateway: text, connections: count }),
        (gatewayBatch, shardHeartbeat, gatewayHeartbeat) => {
          expect(decodeGatewayBatch(encodeEnvelope(gatewayBatch))).toEqual(gatewayBatch);
          expect(decodeShardHeartbeat(encodeEnvelope(shardHeartbeat))).toEqual(shardHeartbeat);
          expect(decodeGatewayHeartbeat(encodeEnvelope(gatewayHeartbeat))).toEqual(gatewayHeartbeat);
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each(DECODER_CASES)('garbage - the %s decoder throws EnvelopeError on bytes that are not msgpack', (what, decode) => {
    const garbage = [
      new Uint8Array(0),
      new Uint8Array([0xc1]), // never used in msgpack
      new Uint8Array([0x82, 0xa1, 0x61]), // a map cut short
      new TextEncoder().encode('{"gateway":"1","events":[]}'), // JSON is not msgpack
      new Uint8Array([0x80, 0x00]), // an empty map followed by a stray byte
      new Uint8Array(200_000).fill(0x91), // arrays nested 200k deep, never closed
    ];
    for (const bytes of garbage) expectEnvelopeError(() => decode(bytes), new RegExp(`^${what}: not msgpack$`));
    const error = thrown(() => decode(new Uint8Array([0xc1]))) as Error;
    expect(error.cause).toBeDefined();
  });

  it.each(DECODER_CASES)('not a map - the %s decoder throws EnvelopeError on arrays and scalars', (what, decode) => {
    const notMaps: unknown[] = [[], [{ gateway: '1', events: [] }], ['ban', '1.2.3.4'], 'text', 42, 1.5, null, true];
    for (const value of notMaps) expectEnvelopeError(() => decode(encode(value)), new RegExp(`^${what}: not a map$`));
    // msgpack binary decodes to a Uint8Array, which fails on its (missing) fields instead
    expectEnvelopeError(() => decode(encode(new Uint8Array([1, 2]))));
  });

  it.each<[string, (bytes: Uint8Array) => unknown, unknown]>([
    ['gateway batch without gateway', decodeGatewayBatch, { events: [] }],
    ['gateway batch with a numeric gateway', decodeGatewayBatch, { gateway: 1, events: [] }],
    ['gateway batch without events', decodeGatewayBatch, { gateway: '1' }],
    ['gateway batch with events as a map', decodeGatewayBatch, { gateway: '1', events: { 0: [0, 'a', 'b', 'c'] } }],
    ['gateway batch with events as a string', decodeGatewayBatch, { gateway: '1', events: 'x' }],
    ['shard batch without shard', decodeShardBatch, { lens: [], text: new Uint8Array(0), frames: [], closes: [] }],
    ['shard batch with a numeric shard', decodeShardBatch, { shard: 1, lens: [], text: new Uint8Array(0), frames: [], closes: [] }],
    ['shard batch with packets as strings (the old wire form)', decodeShardBatch, { shard: '1', packets: ['[0,null]'], frames: [], closes: [] }],
    ['shard batch with text as a string', decodeShardBatch, { shard: '1', lens: [8], text: '[0,null]', frames: [], closes: [] }],
    ['shard batch with lengths past the text', decodeShardBatch, { shard: '1', lens: [8, 1], text: utf8('[0,null]'), frames: [], closes: [] }],
    ['shard batch with lengths short of the text', decodeShardBatch, { shard: '1', lens: [7], text: utf8('[0,null]'), frames: [], closes: [] }],
    ['shard batch with a negative length', decodeShardBatch, { shard: '1', lens: [-1, 9], text: utf8('[0,null]'), frames: [], closes: [] }],
    ['shard batch without frames', decodeShardBatch, { shard: '1', lens: [], text: new Uint8Array(0), closes: [] }],
    ['shard batch with closes as a map', decodeShardBatch, { shard: '1', lens: [], text: new Uint8Array(0), frames: [], closes: {} }],
    ['shard heartbeat with a game version that has a space', decodeShardHeartbeat, { shard: '1', players: 1, capacity: 2, accepting: true, serverId: 1, gameVersion: 'a b' }],
    ['shard heartbeat with a numeric game version', decodeShardHeartbeat, { shard: '1', players: 1, capacity: 2, accepting: true, serverId: 1, gameVersion: 5 }],
    ['shard heartbeat without shard', decodeShardHeartbeat, { players: 1, capacity: 2, accepting: true, serverId: 1 }],
    ['shard heartbeat with numeric shard', decodeShardHeartbeat, { shard: 1, players: 1, capacity: 2, accepting: true, serverId: 1 }],
    ['shard heartbeat with string players', decodeShardHeartbeat, { shard: '1', players: '1', capacity: 2, accepting: true, serverId: 1 }],
    ['shard heartbeat without capacity', decodeShardHeartbeat, { shard: '1', players: 1, accepting: true, serverId: 1 }],
    ['shard heartbeat with numeric accepting', decodeShardHeartbeat, { shard: '1', players: 1, capacity: 2, accepting: 1, serverId: 1 }],
    ['gateway heartbeat without gateway', decodeGatewayHeartbeat, { connections: 1 }],
    ['gateway heartbeat with numeric gateway', decodeGatewayHeartbeat, { gateway: 7, connections: 1 }],
    ['control without type', decodeControl, { ip: '1.2.3.4' }],
    ['control of an unknown type', decodeControl, { type: 'shutdown' }],
    ['control ban without ip', decodeControl, { type: 'ban' }],
    ['control ban with a numeric ip', decodeControl, { type: 'ban', ip: 16909060 }],
    ['control kick without instance', decodeControl, { type: 'kick', reason: 'lost' }],
    ['control kick with a numeric instance', decodeControl, { type: 'kick', instance: 1, reason: 'lost' }],
    ['control kick without reason', decodeControl, { type: 'kick', instance: '1' }],
    ['control kick with a numeric reason', decodeControl, { type: 'kick', instance: '1', reason: 1010 }],
  ])('wrong types - %s throws EnvelopeError', (_what, decode, value) => {
    expectEnvelopeError(() => decode(encode(value)));
  });

  it('wrong types - one envelope kind is not accepted as another', () => {
    const gatewayBatch = encodeEnvelope({ gateway: '1', events: [] });
    const shardHeartbeat = encodeEnvelope({ shard: '1', players: 0, capacity: 1, accepting: true, serverId: 1 });
    expectEnvelopeError(() => decodeShardBatch(gatewayBatch));
    expectEnvelopeError(() => decodeShardHeartbeat(gatewayBatch));
    expectEnvelopeError(() => decodeControl(gatewayBatch));
    expectEnvelopeError(() => decodeGatewayBatch(shardHeartbeat));
    expectEnvelopeError(() => decodeGatewayHeartbeat(shardHeartbeat));
  });

  it.each(DECODER_CASES)('prototype - the %s decoder refuses a __proto__ key without polluting Object.prototype', (_what, decode) => {
    const hostile = JSON.parse('{"__proto__":{"polluted":"yes"},"type":"ban","ip":"x","gateway":"1","events":[],"shard":"1"}');
    expectEnvelopeError(() => decode(encode(hostile)));
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('errors - EnvelopeError is an Error subclass with its own name', () => {
    const error = new EnvelopeError('x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EnvelopeError');
  });

  it.each(DECODER_CASES)('garbage - the %s decoder only ever throws EnvelopeError on random bytes', (_what, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const error = thrown(() => decode(bytes));
        if (error !== undefined) expect(error).toBeInstanceOf(EnvelopeError);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(DECODER_CASES)('garbage - the %s decoder only ever throws EnvelopeError on any msgpack value', (_what, decode) => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const error = thrown(() => decode(encode(value)));
        if (error !== undefined) expect(error).toBeInstanceOf(EnvelopeError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('envelopes - fields the decoders check (found by review)', () => {
  it('decode - a shard heartbeat without a valid serverId or with a negative count is refused', () => {
    expect(() => decodeShardHeartbeat(encode({ shard: '1', players: 0, capacity: 1, accepting: true }))).toThrow(EnvelopeError);
    expect(() => decodeShardHeartbeat(encode({ shard: '1', players: 0, capacity: 1, accepting: true, serverId: 'abc' }))).toThrow(EnvelopeError);
    expect(() => decodeShardHeartbeat(encode({ shard: '1', players: -1, capacity: 1, accepting: true, serverId: 1 }))).toThrow(EnvelopeError);
    expect(() => decodeShardHeartbeat(encode({ shard: '1', players: 0.5, capacity: 1, accepting: true, serverId: 1 }))).toThrow(EnvelopeError);
  });

  it('decode - a gateway heartbeat needs its connection count', () => {
    expect(() => decodeGatewayHeartbeat(encode({ gateway: '1', connections: 'x' }))).toThrow(EnvelopeError);
    expect(() => decodeGatewayHeartbeat(encode({ gateway: '1' }))).toThrow(EnvelopeError);
  });

  it('decode - a kick with a reason the Kaetram client does not know is refused', () => {
    expect(() => decodeControl(encode({ type: 'kick', instance: '1', reason: 'bogus' }))).toThrow(EnvelopeError);
    expect(decodeControl(encode({ type: 'kick', instance: '1', reason: 'banned' }))).toEqual({ type: 'kick', instance: '1', reason: 'banned' });
  });
});

describe('shard batch moves', () => {
  it('moves - survive the wire after the frames, and are absent when there are none', () => {
    const batch = { shard: 's1', packets: ['[0,null]'], frames: [['01', [0]]] as Array<[string, number[]]>, closes: [], moves: [['01', 's2']] as Array<[string, string]> };
    expect(decodeShardBatch(encodeShardBatch(batch))).toEqual(batch);
    const plain = decodeShardBatch(encodeShardBatch({ shard: 's1', packets: [], frames: [], closes: [] }));
    expect(plain.moves).toBeUndefined();
  });

  it('moves - a batch cut in pieces carries its moves in the last piece', () => {
    const packets = Array.from({ length: 40 }, (_, i) => `[19,"${'x'.repeat(200)}${i}"]`);
    const frames = packets.map((_, i) => [`p${i}`, [i]] as [string, number[]]);
    const pieces = encodeShardBatchWithin({ shard: 's1', packets, frames, closes: [], moves: [['p3', 's2']] }, 2048).map(decodeShardBatch);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.slice(0, -1).every((p) => p.moves === undefined)).toBe(true);
    expect(pieces.at(-1)!.moves).toEqual([['p3', 's2']]);
  });

  it('moves - a malformed moves field is refused', () => {
    const bytes = encode({ shard: 's1', lens: [], frames: [], closes: [], moves: [['01']], text: new Uint8Array(0) });
    expect(() => decodeShardBatch(bytes)).toThrow(/moves/);
  });
});

describe('peer messages', () => {
  it('peer - a message over the bus limit is cut into pieces of whole ops, in order', () => {
    const ops: PeerOp[] = Array.from({ length: 200 }, (_, i) => ['a', [1, 2, 3], `[19,"${'x'.repeat(500)}${i}"]`, null, i + 1]);
    const pieces = encodePeerMessageWithin({ from: 's1', epoch: 3, ops }, 16 * 1024).map(decodePeerMessage);
    expect(pieces.length).toBeGreaterThan(4);
    for (const p of pieces) expect(encodePeerMessage(p).byteLength).toBeLessThanOrEqual(16 * 1024);
    expect(pieces.flatMap((p) => p.ops)).toEqual(ops);
    expect(pieces.every((p) => p.from === 's1' && p.epoch === 3)).toBe(true);
    expect(encodePeerMessageWithin({ from: 's1', epoch: 3, ops: ops.slice(0, 3) }, 16 * 1024)).toHaveLength(1);
  });
});
