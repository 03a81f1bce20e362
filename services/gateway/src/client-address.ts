import { canonicalIp } from '@shardgate/bans';

/**
 * The client address as everything counts and logs it: the one canonical form of
 * `@shardgate/bans` (IPv4-mapped IPv6 such as `::ffff:1.2.3.4`, or uWS's long form
 * `0000:...:ffff:0102:0304`, become plain IPv4; IPv6 compressed and lower-case). Text that is
 * no address comes back trimmed and lower-cased, so the caller can still tell it apart.
 */
export function normalizeIp(raw: string): string {
  return canonicalIp(raw) ?? raw.trim().toLowerCase();
}

/**
 * One entry of a proxy header: an address, possibly bracketed, possibly with a port
 * (`[2001:db8::1]:443`, `203.0.113.5:4711`): the canonical address, or undefined.
 */
export function headerAddress(entry: string): string | undefined {
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  return canonicalIp(text);
}
