import { TrustBoundary } from '../src/trust-boundary';

const headers = (forwardedFor = '', cfConnectingIp = '') => ({ forwardedFor, cfConnectingIp });

describe('trust boundary - the client address', () => {
  const trust = new TrustBoundary(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'], undefined);

  it('trust boundary - a spoofed header from an untrusted peer changes nothing', () => {
    expect(trust.clientIp('198.51.100.9', headers('1.2.3.4', '5.6.7.8'))).toBe('198.51.100.9');
    expect(trust.clientIp('::ffff:198.51.100.9', headers('1.2.3.4'))).toBe('198.51.100.9');
  });

  it('trust boundary - behind a trusted proxy, CF-Connecting-IP names the client', () => {
    expect(trust.clientIp('10.1.2.3', headers('9.9.9.9', '203.0.113.5'))).toBe('203.0.113.5');
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
    expect(trust.clientIp('10.1.2.3', headers('', 'garbage'))).toBe('10.1.2.3');
  });

  it('trust boundary - with no trusted proxies, headers are never read', () => {
    const none = new TrustBoundary([], undefined);
    expect(none.clientIp('10.1.2.3', headers('203.0.113.5', '203.0.113.6'))).toBe('10.1.2.3');
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
