// Longest-to-shortest prefix lookups in O(number of distinct prefix lengths in use), which is at
// most 33 (IPv4) or 129 (IPv6) whatever the number of entries: one hash map per prefix length,
// keyed by the masked network. Why not a plain binary trie: 100 000 IPv6 /128 entries would be
// ~11 million nodes (a chain of ~110 per entry below the shared top), hundreds of MB; a map per
// length holds one entry per range and answers in the same bound (ARCHITECTURE.md, "Bans").
import { maskWords, type Address, type Cidr, type Family } from './address';

interface Level<T> {
  prefix: number;
  /** IPv4: the masked number; IPv6: the masked words joined. */
  entries: Map<number | string, T>;
}

const keyOf = (family: Family, words: readonly number[], prefix: number): number | string => {
  if (family === 4) return prefix === 0 ? 0 : (words[0]! & (0xffffffff << (32 - prefix))) >>> 0;
  const m = maskWords(words, prefix);
  return `${m[0]},${m[1]},${m[2]},${m[3]}`;
};

export class PrefixTable<T> {
  /** Per family, the levels in use, shortest prefix first. */
  private readonly levels: Record<Family, Level<T>[]> = { 4: [], 6: [] };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds or replaces the value of this range. */
  set(cidr: Cidr, value: T): void {
    const level = this.level(cidr.family, cidr.prefix, true)!;
    const key = keyOf(cidr.family, cidr.words, cidr.prefix);
    if (!level.entries.has(key)) this.count += 1;
    level.entries.set(key, value);
  }

  get(cidr: Cidr): T | undefined {
    return this.level(cidr.family, cidr.prefix, false)?.entries.get(keyOf(cidr.family, cidr.words, cidr.prefix));
  }

  delete(cidr: Cidr): boolean {
    const levels = this.levels[cidr.family];
    const index = levels.findIndex((l) => l.prefix === cidr.prefix);
    if (index < 0) return false;
    const level = levels[index]!;
    if (!level.entries.delete(keyOf(cidr.family, cidr.words, cidr.prefix))) return false;
    this.count -= 1;
    if (level.entries.size === 0) levels.splice(index, 1);
    return true;
  }

  clear(): void {
    this.levels[4] = [];
    this.levels[6] = [];
    this.count = 0;
  }

  /** The first value, from the broadest range down, for which `accept` holds (default any). */
  find(address: Address, accept?: (value: T) => boolean): T | undefined {
    for (const level of this.levels[address.family]) {
      const value = level.entries.get(keyOf(address.family, address.words, level.prefix));
      if (value !== undefined && (accept === undefined || accept(value))) return value;
    }
    return undefined;
  }

  /** Every range containing the address, broadest first. */
  findAll(address: Address): T[] {
    const found: T[] = [];
    for (const level of this.levels[address.family]) {
      const value = level.entries.get(keyOf(address.family, address.words, level.prefix));
      if (value !== undefined) found.push(value);
    }
    return found;
  }

  *values(): IterableIterator<T> {
    for (const family of [4, 6] as const) for (const level of this.levels[family]) yield* level.entries.values();
  }

  private level(family: Family, prefix: number, create: boolean): Level<T> | undefined {
    const levels = this.levels[family];
    let i = 0;
    while (i < levels.length && levels[i]!.prefix < prefix) i++;
    if (levels[i]?.prefix === prefix) return levels[i];
    if (!create) return undefined;
    const level: Level<T> = { prefix, entries: new Map() };
    levels.splice(i, 0, level);
    return level;
  }
}
