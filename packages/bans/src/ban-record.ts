import { AddressError, parseCidr, type Cidr } from './address';

/** One ban as stored and served: the unit of the ban list. */
export interface BanRecord {
  /** Canonical address or range (`203.0.113.7`, `198.51.100.0/24`, `2001:db8::/64`). */
  target: string;
  reason: string;
  /** The admin token's name that made it. */
  by: string;
  /** Wall-clock ms when it was made. */
  at: number;
  /** Wall-clock ms when it lapses; null = until unbanned. */
  expiresAt: number | null;
}

/** One entry of the audit trail (stored durably with every ban and unban). */
export interface AuditEntry {
  /** Position in the trail, increasing; pass as `before` to page back. */
  seq: number;
  action: 'ban' | 'unban';
  target: string;
  by: string;
  at: number;
  reason: string;
  expiresAt?: number | null;
}

export type BanKind = 'ipv4_address' | 'ipv4_range' | 'ipv6_address' | 'ipv6_range';
export const BAN_KINDS: readonly BanKind[] = ['ipv4_address', 'ipv4_range', 'ipv6_address', 'ipv6_range'];

export function kindOf(cidr: Cidr): BanKind {
  const full = cidr.prefix === (cidr.family === 4 ? 32 : 128);
  return `ipv${cidr.family}_${full ? 'address' : 'range'}` as BanKind;
}

/** The widest ranges a ban may cover: a typo must not lock out a continent. */
export const MIN_PREFIX = { 4: 8, 6: 32 } as const;

/** Parses a ban target (address or range) within the limits; throws AddressError naming the problem. */
export function parseBanTarget(text: string): Cidr {
  const cidr = parseCidr(text);
  const min = MIN_PREFIX[cidr.family];
  if (cidr.prefix < min) throw new AddressError(`${JSON.stringify(text)}: an IPv${cidr.family} ban covers at most a /${min}`);
  return cidr;
}

export const MAX_REASON_LENGTH = 500;

/** Validates a record read back from a store (files and buckets can be edited by hand). */
export function isBanRecord(value: unknown): value is BanRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.target === 'string' &&
    typeof r.reason === 'string' &&
    typeof r.by === 'string' &&
    typeof r.at === 'number' &&
    (r.expiresAt === null || typeof r.expiresAt === 'number')
  );
}
