// One canonical form for every IP address and range shardgate reads or writes (bans, per-IP
// limits, logs, TRUSTED_PROXIES): IPv4 as dotted decimal; IPv4-mapped IPv6 (::ffff:a.b.c.d in
// any spelling) as that IPv4; other IPv6 compressed and lower-case (RFC 5952); zones refused.
// Two spellings of one client must never be two keys: six spellings of one IPv6 address once
// got six times MAX_CONNECTIONS_PER_IP, and a ban on one spelling stopped nobody on another.

export type Family = 4 | 6;

export interface Address {
  readonly family: Family;
  /** 1 word (IPv4) or 4 words (IPv6), each an unsigned 32-bit number, most significant first. */
  readonly words: readonly number[];
  /** The canonical spelling. */
  readonly text: string;
}

export interface Cidr {
  readonly family: Family;
  /** The network (host bits zero). */
  readonly words: readonly number[];
  readonly prefix: number;
  /** Canonical: the bare address for a full-length prefix (/32, /128), else `network/prefix`. */
  readonly text: string;
}

export class AddressError extends Error {
  override name = 'AddressError';
}

/** Canonical text of a valid address, or undefined (never throws): for values from the network. */
export function canonicalIp(text: string): string | undefined {
  try {
    return parseAddress(text).text;
  } catch {
    return undefined;
  }
}

/** Parses one address in any standard spelling; throws AddressError saying what is wrong. */
export function parseAddress(input: string): Address {
  const text = input.trim();
  if (text === '') throw new AddressError('empty address');
  if (text.includes('%')) throw new AddressError(`${JSON.stringify(input)}: zoned (link-local scope) addresses are not accepted`);
  if (text.includes(':')) return fromV6Words(parseV6(text, input));
  const v4 = parseV4(text, input);
  // parseV4 refuses leading zeros, so a valid dotted quad is already canonical.
  return { family: 4, words: [v4], text };
}

/**
 * Parses an address or a CIDR range. A range's host bits must be zero (`10.0.0.5/8` is refused
 * with the network it probably meant). IPv4-mapped IPv6 ranges of /96 or longer become IPv4.
 */
export function parseCidr(input: string): Cidr {
  const text = input.trim();
  const slash = text.indexOf('/');
  if (slash < 0) {
    const address = parseAddress(text);
    return { family: address.family, words: address.words, prefix: address.family === 4 ? 32 : 128, text: address.text };
  }
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) throw new AddressError(`${JSON.stringify(input)}: prefix length must be a number`);
  let bits = Number(bitsText);
  const addressText = text.slice(0, slash);
  if (addressText.includes('%')) throw new AddressError(`${JSON.stringify(input)}: zoned (link-local scope) addresses are not accepted`);
  let family: Family;
  let words: number[];
  if (addressText.includes(':')) {
    words = parseV6(addressText, input);
    if (bits > 128) throw new AddressError(`${JSON.stringify(input)}: an IPv6 prefix is at most /128`);
    family = 6;
    if (bits >= 96 && isMapped(words)) {
      family = 4;
      words = [words[3]!];
      bits -= 96;
    }
  } else {
    words = [parseV4(addressText, input)];
    if (bits > 32) throw new AddressError(`${JSON.stringify(input)}: an IPv4 prefix is at most /32`);
    family = 4;
  }
  const masked = maskWords(words, bits);
  if (masked.some((w, i) => w !== words[i])) {
    const network = formatCidr(family, masked, bits);
    throw new AddressError(`${JSON.stringify(input)}: host bits are set; the network is ${network}`);
  }
  return { family, words: masked, prefix: bits, text: formatCidr(family, masked, bits) };
}

/** Whether `address` lies in `cidr` (linear definition; the tables do it by hash per length). */
export function contains(cidr: Cidr, address: Address): boolean {
  if (cidr.family !== address.family) return false;
  const masked = maskWords(address.words, cidr.prefix);
  return masked.every((w, i) => w === cidr.words[i]);
}

/** The words with every bit past `bits` cleared. */
export function maskWords(words: readonly number[], bits: number): number[] {
  return words.map((word, i) => {
    const keep = bits - 32 * i;
    if (keep >= 32) return word;
    if (keep <= 0) return 0;
    return (word & (0xffffffff << (32 - keep))) >>> 0;
  });
}

export function formatCidr(family: Family, words: readonly number[], prefix: number): string {
  const address = family === 4 ? formatV4(words[0]!) : formatV6(words);
  return prefix === (family === 4 ? 32 : 128) ? address : `${address}/${prefix}`;
}

function isMapped(words: readonly number[]): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

function fromV6Words(words: number[]): Address {
  if (isMapped(words)) return { family: 4, words: [words[3]!], text: formatV4(words[3]!) };
  return { family: 6, words, text: formatV6(words) };
}

/** Strict dotted quad: four decimal parts 0-255, no leading zeros (some stacks read them as octal). */
const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string, input: string): number {
  // The common case (admission of every connection) in one match, no allocation per part.
  const m = DOTTED.exec(text);
  if (m !== null && !/(^|\.)0\d/.test(text)) {
    const a = +m[1]!;
    const b = +m[2]!;
    const c = +m[3]!;
    const d = +m[4]!;
    if (a < 256 && b < 256 && c < 256 && d < 256) return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  }
  const parts = text.split('.');
  if (parts.length !== 4) throw new AddressError(`${JSON.stringify(input)}: not an IP address`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) throw new AddressError(`${JSON.stringify(input)}: not an IP address`);
    if (part.length > 1 && part.startsWith('0')) throw new AddressError(`${JSON.stringify(input)}: leading zeros in an IPv4 address are ambiguous`);
    const n = Number(part);
    if (n > 255) throw new AddressError(`${JSON.stringify(input)}: IPv4 parts are at most 255`);
    value = value * 256 + n;
  }
  return value >>> 0;
}

function parseV6(text: string, input: string): number[] {
  const bad = () => new AddressError(`${JSON.stringify(input)}: not an IP address`);
  const lower = text.toLowerCase();
  const halves = lower.split('::');
  if (halves.length > 2) throw bad();
  const groups = (half: string): number[] => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseV4(part, input);
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        throw bad();
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) throw bad();
  let all: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) throw bad();
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) throw bad();
    all = head;
  }
  return [0, 2, 4, 6].map((i) => ((all[i]! << 16) | all[i + 1]!) >>> 0);
}

function formatV4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952: lower-case, no leading zeros, the longest run (>= 2) of zero groups as `::`, the first on a tie. */
function formatV6(words: readonly number[]): string {
  const groups: number[] = [];
  for (const word of words) groups.push(word >>> 16, word & 0xffff);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
