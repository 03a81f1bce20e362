import fc from 'fast-check';
import { BanList, contains, formatCidr, parseAddress, parseCidr, type BanRecord, type Cidr } from '@shardgate/bans';

// The ban table against a model: a plain list of ranges, scanned linearly.
const v4 = fc.integer({ min: 0, max: 0xffffffff });
// Few distinct high bits, so random ranges and addresses actually overlap.
const v4Near = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })).map(([hi, lo]) => ((0x0a000000 | (hi << 16) | lo) >>> 0));
const v6Near = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffffffff })).map(([a, b, c]) => [0x20010db8, a, b, c]);

const cidrOf = (family: 4 | 6, words: number[], prefix: number): Cidr => {
  const masked = words.map((w, i) => {
    const keep = prefix - 32 * i;
    return keep >= 32 ? w : keep <= 0 ? 0 : (w & (0xffffffff << (32 - keep))) >>> 0;
  });
  return parseCidr(formatCidr(family, masked, prefix));
};
const range = fc.oneof(
  fc.tuple(fc.oneof(v4Near, v4), fc.integer({ min: 8, max: 32 })).map(([w, p]) => cidrOf(4, [w], p)),
  fc.tuple(v6Near, fc.integer({ min: 32, max: 128 })).map(([w, p]) => cidrOf(6, w, p)),
);
const address = fc.oneof(v4Near.map((w) => parseAddress(formatCidr(4, [w], 32))), v6Near.map((w) => parseAddress(formatCidr(6, w, 128))));

type Op = { op: 'ban'; cidr: Cidr; expiresAt: number | null } | { op: 'unban'; cidr: Cidr } | { op: 'check'; address: ReturnType<typeof parseAddress> } | { op: 'tick'; ms: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('ban' as const), cidr: range, expiresAt: fc.option(fc.integer({ min: 1, max: 100 })) }),
  fc.record({ op: fc.constant('unban' as const), cidr: range }),
  fc.record({ op: fc.constant('check' as const), address }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 }) }),
);

describe('BanList (hash per prefix length) against a linear-scan model', () => {
  it('agrees on every lookup after random bans, unbans, expiries and sweeps', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 200 }), (ops) => {
        let now = 1000;
        const list = new BanList(() => now);
        const model = new Map<string, { cidr: Cidr; expiresAt: number | null }>();
        const record = (cidr: Cidr, expiresAt: number | null): BanRecord => ({ target: cidr.text, reason: '', by: 't', at: now, expiresAt });
        for (const o of ops) {
          if (o.op === 'ban') {
            const expiresAt = o.expiresAt === null ? null : now + o.expiresAt;
            list.put(record(o.cidr, expiresAt));
            model.set(o.cidr.text, { cidr: o.cidr, expiresAt });
          } else if (o.op === 'unban') {
            list.remove(o.cidr.text);
            model.delete(o.cidr.text);
          } else if (o.op === 'tick') {
            now += o.ms;
            if (o.ms % 2 === 0) list.sweep();
          } else {
            const expected = [...model.values()].filter((b) => (b.expiresAt === null || b.expiresAt > now) && contains(b.cidr, o.address)).map((b) => b.cidr.text).sort();
            expect(list.matches(o.address).map((e) => e.record.target).sort()).toEqual(expected);
            expect(list.match(o.address) !== undefined).toBe(expected.length > 0);
          }
        }
        const inForce = [...model.values()].filter((b) => b.expiresAt === null || b.expiresAt > now).length;
        expect(list.list()).toHaveLength(inForce);
      }),
      { numRuns: 300 },
    );
  });

  it('a /24 refuses every address in it and none outside; an IPv6 /64 likewise', () => {
    const list = new BanList();
    list.put({ target: '198.51.100.0/24', reason: '', by: 't', at: 0, expiresAt: null });
    list.put({ target: '2001:db8:1:2::/64', reason: '', by: 't', at: 0, expiresAt: null });
    for (let i = 0; i < 256; i++) expect(list.match(parseAddress(`198.51.100.${i}`))).toBeDefined();
    for (const outside of ['198.51.99.255', '198.51.101.0', '10.0.0.1']) expect(list.match(parseAddress(outside))).toBeUndefined();
    expect(list.match(parseAddress('::ffff:198.51.100.77'))).toBeDefined();
    expect(list.match(parseAddress('2001:db8:1:2:ffff:ffff:ffff:ffff'))).toBeDefined();
    expect(list.match(parseAddress('2001:0DB8:0001:0002::1'))).toBeDefined();
    expect(list.match(parseAddress('2001:db8:1:3::'))).toBeUndefined();
    expect(list.match(parseAddress('2001:db8:1:1:ffff:ffff:ffff:ffff'))).toBeUndefined();
  });
});
