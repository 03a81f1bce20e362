import fc from 'fast-check';
import { CLIENT_PACKETS, DataLimits, MAX_KAETRAM_PACKET_ID, parseClientFrame, validatePacketData } from '../src';
import type { FrameRejection, ParsedFrame } from '../src';

const REJECTIONS: ReadonlySet<FrameRejection> = new Set(['utf8', 'json', 'shape', 'unknown', 'unsupported', 'serveronly', 'data']);
const SERVER_TO_CLIENT_ONLY = new Set([0, 3, 4, 5, 12, 13, 25]);

/** What every result must look like, whatever the input. */
function expectWellFormed(result: ParsedFrame): void {
  if (result.ok) {
    expect(CLIENT_PACKETS.has(result.packet.id)).toBe(true);
  } else {
    expect(REJECTIONS.has(result.reason)).toBe(true);
    expect(result.reason).not.toBe('utf8'); // only the byte decoder can say that
  }
}

/** Has an own key named `__proto__` or `constructor` anywhere inside. */
function hasDangerousKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype && !Array.isArray(value)) return true;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor') return true;
    if (hasDangerousKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** `depth` levels of arrays and objects around `inner`, as text (no recursion in the generator). */
const deepText = (depth: number, kinds: readonly boolean[], inner: string): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const array = kinds[i % kinds.length];
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return open + inner + close;
};

const handledId = fc.constantFrom(...CLIENT_PACKETS);
const nesting = fc.record({
  depth: fc.integer({ min: 1, max: 20_000 }),
  kinds: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
  inner: fc.constantFrom('0', '"x"', 'null', '[]', '{}', '{"gVer":"1"}', '{"opcode":2}'),
});

describe('protocol parseClientFrame properties', () => {
  it('never throws - for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => expectWellFormed(parseClientFrame(text))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => expectWellFormed(parseClientFrame(text))),
      { numRuns: 1000 },
    );
  });

  it('never throws - for any JSON text', () => {
    fc.assert(fc.property(fc.json(), (text) => expectWellFormed(parseClientFrame(text))), { numRuns: 2000 });
  });

  it('never throws - for any JSON data behind any id', () => {
    fc.assert(
      fc.property(fc.oneof(handledId, fc.integer({ min: -5, max: 70 })), fc.jsonValue(), (id, data) => {
        expectWellFormed(parseClientFrame(JSON.stringify([id, data])));
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws - for deeply nested arrays and objects, alone or as packet data', () => {
    fc.assert(
      fc.property(handledId, nesting, (id, { depth, kinds, inner }) => {
        const deep = deepText(depth, kinds, inner);
        expectWellFormed(parseClientFrame(deep));
        expectWellFormed(parseClientFrame(`[${id},${deep}]`));
        expectWellFormed(parseClientFrame(`[${id},[${deep}]]`));
        // and the same, cut short so that it is not JSON
        expect(parseClientFrame(`[${id},${deep.slice(0, -1)}`)).toEqual({ ok: false, reason: 'json' });
      }),
      { numRuns: 200 },
    );
  });

  it('never throws - for nesting far deeper than any parser recursion limit', () => {
    for (const depth of [100_000, 1_000_000]) {
      expectWellFormed(parseClientFrame('['.repeat(depth) + ']'.repeat(depth)));
      expectWellFormed(parseClientFrame(`[19,${'['.repeat(depth)}"x"${']'.repeat(depth)}]`));
      expect(parseClientFrame('['.repeat(depth))).toEqual({ ok: false, reason: 'json' });
    }
  });

  it('classification - any JSON value is either a handled packet or one documented rejection', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseClientFrame(JSON.stringify(value));
        expectWellFormed(result);
        expect(result).not.toMatchObject({ reason: 'json' });
        if (result.ok) {
          expect(Array.isArray(value)).toBe(true);
          expect((value as unknown[])[0]).toBe(result.packet.id);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('classification - the reason follows from the id alone, and names the id', () => {
    fc.assert(
      fc.property(fc.integer({ min: -20, max: 80 }), fc.jsonValue(), (id, data) => {
        const result = parseClientFrame(JSON.stringify([id, data]));
        if (id < 0 || id > MAX_KAETRAM_PACKET_ID) expect(result).toEqual({ ok: false, reason: 'unknown', id });
        else if (SERVER_TO_CLIENT_ONLY.has(id)) expect(result).toEqual({ ok: false, reason: 'serveronly', id });
        else if (!CLIENT_PACKETS.has(id)) expect(result).toEqual({ ok: false, reason: 'unsupported', id });
        else if (result.ok) expect(result.packet.id).toBe(id);
        else expect(result).toEqual({ ok: false, reason: 'data', id });
      }),
      { numRuns: 3000 },
    );
  });

  it('validated data - is plain JSON without prototype keys, whatever the client sent', () => {
    // Built as text: an object literal or fc.dictionary would turn "__proto__" into a prototype.
    const withHostileKeys = fc
      .array(
        fc.tuple(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'opcode', 'gVer', 'playerX', 'playerY', 'username', 'userAgent', 'regionsLoaded'),
          fc.oneof(fc.jsonValue(), fc.integer({ min: 0, max: 3 }), fc.constant('0.5.5')),
        ),
        { maxLength: 8 },
      )
      .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`);
    fc.assert(
      fc.property(handledId, fc.oneof(withHostileKeys, fc.jsonValue().map((v) => JSON.stringify(v))), (id, data) => {
        const text = `[${id},${data}]`;
        const result = parseClientFrame(text);
        if (!result.ok) return;
        expect(hasDangerousKey(result.packet.data)).toBe(false);
        expect(JSON.parse(JSON.stringify(result.packet.data))).toStrictEqual(result.packet.data);
        expect(Object.prototype).not.toHaveProperty('polluted');
      }),
      { numRuns: 3000 },
    );
  });

  it('movement - any well-typed movement a client can send is accepted with its values', () => {
    const coordinate = fc.integer({ min: 0, max: DataLimits.coordinate });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        coordinate,
        coordinate,
        fc.option(fc.record({ requestX: coordinate, requestY: coordinate }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 2 ** 52 }), { nil: undefined }),
        (opcode, playerX, playerY, request, orientation, timestamp) => {
          const data = { opcode, playerX, playerY, ...request, orientation, timestamp };
          const result = parseClientFrame(JSON.stringify([11, data]));
          expect(result).toEqual({ ok: true, packet: { id: 11, data: JSON.parse(JSON.stringify(data)) } });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('protocol - validation is idempotent', () => {
  it('validated data validates again to itself (gateway checks, shard re-checks)', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 6, 7, 9, 11, 18, 19), fc.jsonValue(), (id, data) => {
        const first = validatePacketData(id, data);
        if (!first) return;
        expect(validatePacketData(id, first.data)).toEqual(first);
      }),
    );
    for (const [id, data] of [[19, ['hello']], [18, [1]], [11, { opcode: 2, playerX: 3, playerY: 4, timestamp: 5 }], [9, null]] as const) {
      const first = validatePacketData(id, data);
      expect(first).not.toBeNull();
      expect(validatePacketData(id, first!.data)).toEqual(first);
    }
  });
});
