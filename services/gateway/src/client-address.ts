import { isIP } from 'node:net';

/**
 * The client address as the guard should count it: IPv4-mapped IPv6 addresses
 * (`::ffff:1.2.3.4`, or uWS's long form `0000:...:ffff:0102:0304`) become plain IPv4 so one
 * client is one key whichever way it arrived.
 */
export function normalizeIp(raw: string): string {
  const text = raw.trim().toLowerCase();
  const mapped = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  if (text.startsWith('::ffff:') && isIP(text.slice(7)) === 4) return text.slice(7);
  return text;
}
