import fc from 'fast-check';
import { isIP } from 'node:net';
import { AddressError, canonicalIp, parseAddress, parseCidr } from '@shardgate/bans';

describe('canonical addresses', () => {
  it.each([
    ['127.0.0.9', '127.0.0.9'],
    ['::ffff:127.0.0.9', '127.0.0.9'],
    ['0:0:0:0:0:ffff:127.0.0.9', '127.0.0.9'],
    ['::ffff:7f00:9', '127.0.0.9'],
    ['::FFFF:7F00:0009', '127.0.0.9'],
    ['0000:0000:0000:0000:0000:ffff:7f00:0001', '127.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['  10.1.2.3 ', '10.1.2.3'],
    ['::1.2.3.4', '::102:304'],
  ])('%s is %s', (input, canonical) => {
    expect(parseAddress(input).text).toBe(canonical);
  });

  it.each([
    ['fe80::1%eth0', /zoned/],
    ['fe80::1%25eth0', /zoned/],
    ['1.2.3', /not an IP/],
    ['01.2.3.4', /leading zeros/],
    ['256.1.1.1', /at most 255/],
    ['1:2:3:4:5:6:7:8:9', /not an IP/],
    ['1::2::3', /not an IP/],
    ['12345::', /not an IP/],
    ['not-an-ip', /not an IP/],
    ['', /empty/],
    ['1.2.3.4::', /not an IP/],
  ])('refuses %s', (input, message) => {
    expect(() => parseAddress(input)).toThrow(AddressError);
    expect(() => parseAddress(input)).toThrow(message);
  });

  // Every way to spell one address must give one canonical text; a different address another.
  const v6Groups = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
  const spell = (groups: number[], style: { upper: boolean; pad: boolean; compress: number | null }) => {
    let parts = groups.map((g) => {
      const hex = style.pad ? g.toString(16).padStart(4, '0') : g.toString(16);
      return style.upper ? hex.toUpperCase() : hex;
    });
    if (style.compress !== null) {
      // Compress some run of zero groups (any run, not only the longest): still valid.
      const start = groups.findIndex((g, i) => g === 0 && i >= style.compress!);
      if (start >= 0) {
        let end = start;
        while (end < 8 && groups[end] === 0) end++;
        return `${parts.slice(0, start).join(':')}::${parts.slice(end).join(':')}`;
      }
    }
    return parts.join(':');
  };
  const style = fc.record({ upper: fc.boolean(), pad: fc.boolean(), compress: fc.option(fc.integer({ min: 0, max: 7 })) });

  it('gives every spelling of an IPv6 address one canonical form, and node agrees it is an address', () => {
    fc.assert(
      fc.property(fc.oneof(v6Groups, v6Groups.map((g) => g.map((x, i) => (i % 3 === 0 ? 0 : x)))), style, style, (groups, a, b) => {
        const one = parseAddress(spell(groups, a)).text;
        expect(parseAddress(spell(groups, b)).text).toBe(one);
        expect(isIP(one)).not.toBe(0);
        expect(one).toBe(one.toLowerCase());
        expect(parseAddress(one).text).toBe(one); // idempotent
      }),
      { numRuns: 2000 },
    );
  });

  it('spells IPv4-mapped IPv6 in every form as the IPv4 address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), style, fc.constantFrom('', '::ffff:', '::FFFF:', '0:0:0:0:0:ffff:', '0000:0000:0000:0000:0000:FFFF:', '0::ffff:', '::0:ffff:', '0:0::0:ffff:'), (v4, s, dottedHead) => {
        const text = `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
        const groups = [0, 0, 0, 0, 0, 0xffff, v4 >>> 16, v4 & 0xffff];
        const spelled = dottedHead ? `${dottedHead}${text}` : spell(groups, s);
        expect(canonicalIp(spelled)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells different addresses apart', () => {
    fc.assert(
      fc.property(v6Groups, v6Groups, (a, b) => {
        fc.pre(a.some((x, i) => x !== b[i]));
        expect(parseAddress(a.map((g) => g.toString(16)).join(':')).text).not.toBe(parseAddress(b.map((g) => g.toString(16)).join(':')).text);
      }),
    );
  });
});

describe('canonical ranges', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/32', '10.1.2.3'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:db8:0:0::/64', '2001:db8::/64'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1/128', '127.0.0.1'],
  ])('%s is %s', (input, canonical) => {
    expect(parseCidr(input).text).toBe(canonical);
  });

  it.each([
    ['10.0.0.5/8', /host bits are set; the network is 10.0.0.0\/8/],
    ['10.0.0.0/33', /at most \/32/],
    ['::/129', /at most \/128/],
    ['10.0.0.0/x', /prefix length/],
    ['fe80::%eth0/64', /zoned/],
  ])('refuses %s', (input, message) => {
    expect(() => parseCidr(input)).toThrow(message);
  });
});
