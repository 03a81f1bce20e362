import { BlockList, isIP } from 'node:net';
import { normalizeIp } from './client-address';

/**
 * Who the client is, and whether its page may connect. A proxy header (`CF-Connecting-IP`,
 * `X-Forwarded-For`) names the client only when the socket's peer is a configured trusted
 * proxy; from anyone else it is ignored, so nobody can pick the address the per-IP limits
 * and bans see (Kaetram trusted the header from anyone).
 */
export class TrustBoundary {
  private readonly proxies = new BlockList();
  private readonly hasProxies: boolean;
  private readonly origins: ReadonlySet<string> | undefined;

  /** `trustedProxies`: CIDRs or single addresses; `allowedOrigins`: exact origins, or undefined for any. */
  constructor(trustedProxies: readonly string[], allowedOrigins: readonly string[] | undefined) {
    for (const entry of trustedProxies) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      const prefix = bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits);
      this.proxies.addSubnet(normalizeIp(address), prefix, type);
    }
    this.hasProxies = trustedProxies.length > 0;
    this.origins = allowedOrigins ? new Set(allowedOrigins.map((o) => o.toLowerCase())) : undefined;
  }

  private trusted(ip: string): boolean {
    const type = isIP(ip);
    return type !== 0 && this.proxies.check(ip, type === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client address. Behind trusted proxies: CF-Connecting-IP if present, else the
   * right-most X-Forwarded-For entry that is not itself a trusted proxy (entries to its left
   * were written by the client and prove nothing).
   */
  clientIp(peer: string, headers: { cfConnectingIp: string; forwardedFor: string }): string {
    const socketIp = normalizeIp(peer);
    if (!this.hasProxies || !this.trusted(socketIp)) return socketIp;
    const cf = normalizeIp(headers.cfConnectingIp);
    if (cf && isIP(cf) !== 0) return cf;
    const hops = headers.forwardedFor.split(',').map((h) => normalizeIp(h)).filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return socketIp; // garbage in the chain: trust only the socket
      if (!this.trusted(hop)) return hop;
    }
    return hops[0] ?? socketIp;
  }

  /** A browser page from another site may not connect when ALLOWED_ORIGINS is set; clients without an Origin may. */
  originAllowed(origin: string): boolean {
    return !this.origins || origin === '' || this.origins.has(origin.toLowerCase());
  }
}
