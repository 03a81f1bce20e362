import { PrefixTable, parseAddress, parseCidr } from '@shardgate/bans';
import { headerAddress, normalizeIp } from './client-address';

/** Headers that may name the client behind a trusted proxy (CLIENT_IP_HEADER). */
export const CLIENT_IP_HEADERS = ['x-forwarded-for', 'cf-connecting-ip', 'x-real-ip', 'true-client-ip'] as const;
export type ClientIpHeader = (typeof CLIENT_IP_HEADERS)[number];

/**
 * Who the client is, and whether its page may connect. The ONE header the operator named
 * (`CLIENT_IP_HEADER`, default `X-Forwarded-For`) names the client, and only when the socket's
 * peer is a configured trusted proxy; from anyone else it is ignored, so nobody can pick the
 * address the per-IP limits and bans see. Any other header is ignored even from a proxy: an
 * ordinary ingress appends to X-Forwarded-For but passes `CF-Connecting-IP` through as the
 * client wrote it, and honouring that let a client choose a new address per connection.
 */
export class TrustBoundary {
  private readonly proxies = new PrefixTable<true>();
  private readonly origins: ReadonlySet<string> | undefined;
  readonly header: ClientIpHeader;

  /** `trustedProxies`: CIDRs or single addresses; `allowedOrigins`: exact origins, or undefined for any. */
  constructor(trustedProxies: readonly string[], allowedOrigins: readonly string[] | undefined, header: ClientIpHeader = 'x-forwarded-for') {
    for (const entry of trustedProxies) this.proxies.set(parseCidr(entry), true);
    this.origins = allowedOrigins ? new Set(allowedOrigins.map((o) => o.toLowerCase())) : undefined;
    this.header = header;
  }

  private trusted(ip: string): boolean {
    try {
      return this.proxies.find(parseAddress(ip)) !== undefined;
    } catch {
      return false;
    }
  }

  /**
   * The client address, canonical. Behind trusted proxies: for X-Forwarded-For the right-most
   * entry that is not itself a trusted proxy (entries to its left were written by the client
   * and prove nothing); for a single-value header, its value. Garbage: the socket's peer.
   */
  clientIp(peer: string, headerValue: string): string {
    const socketIp = normalizeIp(peer);
    if (this.proxies.size === 0 || !this.trusted(socketIp) || headerValue.trim() === '') return socketIp;
    if (this.header !== 'x-forwarded-for') return headerAddress(headerValue) ?? socketIp;
    const hops = headerValue.split(',').map((h) => h.trim()).filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = headerAddress(hops[i]!);
      if (hop === undefined) return socketIp; // garbage in the chain: trust only the socket
      if (!this.trusted(hop)) return hop;
    }
    return headerAddress(hops[0] ?? '') ?? socketIp;
  }

  /** A browser page from another site may not connect when ALLOWED_ORIGINS is set; clients without an Origin may. */
  originAllowed(origin: string): boolean {
    return !this.origins || origin === '' || this.origins.has(origin.toLowerCase());
  }
}
