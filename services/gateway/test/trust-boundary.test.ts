import { TrustBoundary } from '../src/trust-boundary';

// The value of the one header the gateway reads (CLIENT_IP_HEADER, X-Forwarded-For by default).
const headers = (forwardedFor = '') => forwardedFor;

describe('trust boundary - the client address', () => {
  const trust = new TrustBoundary(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'], undefined);

  it('trust boundary - a spoofed header from an untrusted peer changes nothing', () => {
    expect(trust.clientIp('198.51.100.9', headers('1.2.3.4, 5.6.7.8'))).toBe('198.51.100.9');
    expect(trust.clientIp('::ffff:198.51.100.9', headers('1.2.3.4'))).toBe('198.51.100.9');
  });

  it('trust boundary - behind a trusted proxy, CF-Connecting-IP names the client only when it is the configured header', () => {
    const cloudflare = new TrustBoundary(['10.0.0.0/8'], undefined, 'cf-connecting-ip');
    expect(cloudflare.header).toBe('cf-connecting-ip');
    expect(cloudflare.clientIp('10.1.2.3', '203.0.113.5')).toBe('203.0.113.5');
    expect(cloudflare.clientIp('10.1.2.3', '2001:0DB8::5')).toBe('2001:db8::5');
    expect(cloudflare.clientIp('10.1.2.3', 'garbage')).toBe('10.1.2.3');
    // By default the gateway reads X-Forwarded-For and nothing else: a client-written
    // CF-Connecting-IP passed through by an ordinary ingress is never consulted.
    expect(trust.header).toBe('x-forwarded-for');
  });

  it('trust boundary - every hop is canonical, brackets and ports dropped', () => {
    expect(trust.clientIp('10.1.2.3', '2001:0DB8:0:0::1')).toBe('2001:db8::1');
    expect(trust.clientIp('10.1.2.3', '::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(trust.clientIp('10.1.2.3', '[2606:4700::1111]:443')).toBe('2606:4700::1111');
    expect(trust.clientIp('10.1.2.3', '203.0.113.5:4711')).toBe('203.0.113.5');
    // A zoned address is no client address.
    expect(trust.clientIp('10.1.2.3', 'fe80::1%eth0')).toBe('10.1.2.3');
    // The trusted proxy written as IPv4-mapped IPv6 is still the trusted proxy.
    expect(trust.clientIp('0000:0000:0000:0000:0000:ffff:0a01:0203', '203.0.113.5')).toBe('203.0.113.5');
  });

  it('trust boundary - behind trusted proxies, the right-most untrusted X-Forwarded-For hop is the client', () => {
    // The client wrote "6.6.6.6" itself; the proxies appended the real hops.
    expect(trust.clientIp('10.1.2.3', headers('6.6.6.6, 203.0.113.5, 10.9.9.9'))).toBe('203.0.113.5');
    expect(trust.clientIp('192.0.2.7', headers('203.0.113.5'))).toBe('203.0.113.5');
    expect(trust.clientIp('2001:db8::1', headers('2001:db8::2, 2606:4700::1111'))).toBe('2606:4700::1111');
  });

  it('trust boundary - a trusted peer without headers, or with garbage, is the client itself', () => {
    expect(trust.clientIp('10.1.2.3', headers())).toBe('10.1.2.3');
    expect(trust.clientIp('10.1.2.3', headers('not-an-ip'))).toBe('10.1.2.3');
    expect(trust.clientIp('10.1.2.3', headers('203.0.113.5, garbage'))).toBe('10.1.2.3');
  });

  it('trust boundary - with no trusted proxies, headers are never read', () => {
    const none = new TrustBoundary([], undefined);
    expect(none.clientIp('10.1.2.3', headers('203.0.113.5'))).toBe('10.1.2.3');
  });
});

describe('trust boundary - origins', () => {
  it('trust boundary - any origin when ALLOWED_ORIGINS is unset', () => {
    expect(new TrustBoundary([], undefined).originAllowed('https://evil.example')).toBe(true);
  });

  it('trust boundary - only listed origins (case-insensitive), and clients that send none', () => {
    const trust = new TrustBoundary([], ['https://play.example.com']);
    expect(trust.originAllowed('https://play.example.com')).toBe(true);
    expect(trust.originAllowed('HTTPS://PLAY.EXAMPLE.COM')).toBe(true);
    expect(trust.originAllowed('https://evil.example')).toBe(false);
    expect(trust.originAllowed('')).toBe(true);
  });
});
