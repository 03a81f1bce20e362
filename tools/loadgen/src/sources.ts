/**
 * Source addresses: bots bind local addresses from 127.0.0.0/8 (all loopback on Linux), so
 * the server sees many client IPs and per-IP limits can stay at their defaults.
 */

function toInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function ipOf(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** An ordered list of addresses given as `a-b`, `a/bits` or `a`, comma-separated. */
export class SourceList {
  private readonly ranges: Array<[number, number]> = [];
  readonly size: number;

  constructor(spec: string) {
    let size = 0;
    for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      let start: number;
      let end: number;
      if (part.includes('-')) {
        const [a, b] = part.split('-');
        start = toInt(a!);
        end = toInt(b!);
      } else if (part.includes('/')) {
        const [a, bits] = part.split('/');
        const n = Number(bits);
        if (!Number.isInteger(n) || n < 8 || n > 32) throw new Error(`bad prefix length in ${part}`);
        const span = 2 ** (32 - n);
        start = toInt(a!) - (toInt(a!) % span);
        end = start + span - 1;
        // Skip the network and broadcast-looking addresses of a block: harmless on lo, but clearer.
        if (span > 2) {
          start += 1;
          end -= 1;
        }
      } else {
        start = end = toInt(part);
      }
      if (end < start) throw new Error(`empty range ${part}`);
      this.ranges.push([start, end]);
      size += end - start + 1;
    }
    if (size === 0) throw new Error('no source addresses');
    this.size = size;
  }

  at(index: number): string {
    let i = index % this.size;
    for (const [start, end] of this.ranges) {
      const n = end - start + 1;
      if (i < n) return ipOf(start + i);
      i -= n;
    }
    throw new Error('unreachable');
  }
}

/**
 * Hands out source addresses so that no address has more than `maxPerSource` connections
 * open or connects twice within `intervalMs` (the server's CONNECT_INTERVAL_MS, plus a margin).
 */
export class SourcePool {
  private readonly nextAt: Float64Array;
  private readonly open: Uint16Array;
  private cursor = 0;

  constructor(
    readonly list: SourceList,
    private readonly maxPerSource: number,
    private readonly intervalMs: number,
  ) {
    this.nextAt = new Float64Array(list.size);
    this.open = new Uint16Array(list.size);
  }

  /** An address free to connect now (its index), or -1 when every one is resting or full. */
  take(now: number): number {
    const n = this.list.size;
    for (let tried = 0; tried < n; tried++) {
      const i = this.cursor;
      this.cursor = (this.cursor + 1) % n;
      if (this.nextAt[i]! <= now && this.open[i]! < this.maxPerSource) {
        this.nextAt[i] = now + this.intervalMs;
        this.open[i]! += 1;
        return i;
      }
    }
    return -1;
  }

  release(index: number): void {
    if (this.open[index]! > 0) this.open[index]! -= 1;
  }

  address(index: number): string {
    return this.list.at(index);
  }
}
