import fc from 'fast-check';
import { normalizeIp } from '../src/client-address';

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

describe('client address', () => {
  test('client address - an IPv4-mapped IPv6 address becomes plain IPv4', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('::FFFF:10.1.2.3')).toBe('10.1.2.3');
  });

  test("client address - uWS's long IPv4-mapped form becomes plain IPv4", () => {
    expect(normalizeIp('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(normalizeIp('0000:0000:0000:0000:0000:FFFF:C0A8:0A01')).toBe('192.168.10.1');
    expect(normalizeIp('0:0:0:0:0:ffff:ffff:ffff')).toBe('255.255.255.255');
  });

  test('client address - plain IPv4 is unchanged', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '0.0.0.0', '255.255.255.255']) expect(normalizeIp(ip)).toBe(ip);
  });

  test('client address - IPv6 is written compressed and lower-case', () => {
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeIp('2001:DB8::ABCD')).toBe('2001:db8::abcd');
    expect(normalizeIp('::1')).toBe('::1');
    // One canonical form (RFC 5952): six spellings of one client once got six times the per-IP limit.
    expect(normalizeIp('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(normalizeIp('2001:0DB8:0000:0000:0000:FFFF:7F00:0001')).toBe('2001:db8::ffff:7f00:1');
    expect(normalizeIp('2001:0db8::1')).toBe('2001:db8::1');
  });

  test('client address - surrounding whitespace is dropped', () => {
    expect(normalizeIp(' 10.0.0.1\n')).toBe('10.0.0.1');
    expect(normalizeIp(' ::ffff:10.0.0.1 ')).toBe('10.0.0.1');
  });

  test('client address - ::ffff: followed by something that is not IPv4 is left alone', () => {
    expect(normalizeIp('::ffff:999.0.0.1')).toBe('::ffff:999.0.0.1');
    expect(normalizeIp('::ffff:')).toBe('::ffff:');
  });

  test('client address - one IPv4 client is one key whichever form it arrived in (property)', () => {
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), (a, b, c, d) => {
        const v4 = `${a}.${b}.${c}.${d}`;
        const long = `0000:0000:0000:0000:0000:ffff:${hex4((a << 8) | b)}:${hex4((c << 8) | d)}`;
        expect(normalizeIp(v4)).toBe(v4);
        expect(normalizeIp(`::ffff:${v4}`)).toBe(v4);
        expect(normalizeIp(long)).toBe(v4);
        expect(normalizeIp(long.toUpperCase())).toBe(v4);
      }),
    );
  });

  test('client address - normalizing twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((v4) => `::ffff:${v4}`)), (ip) => {
        expect(normalizeIp(normalizeIp(ip))).toBe(normalizeIp(ip));
      }),
    );
  });
});
