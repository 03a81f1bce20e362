// Prefix lookups (which ranges hold this address?) in O(number of distinct prefix lengths in use), which is at
// most 33 (IPv4) or 129 (IPv6) whatever the number of entries: one hash map per prefix length,
// keyed by the masked network. Why not a plain binary trie: 100 000 IPv6 /128 entries would be
// ~11 million nodes (a chain of ~110 per entry below the shared top), hundreds of MB; a map per
// length holds one entry per range and answers in the same bound (ARCHITECTURE.md, "Bans").
import type { Address, Cidr, Family } from './address';

/**
 * One prefix length's entries: nested maps keyed by the masked 32-bit words of the network,
 * one map per word the prefix reaches (IPv4: one; IPv6 /64: two). Number keys only: no string
 * is built per lookup, and an address whose first word matches no ban stops at one Map.get.
 */
interface Level {
  prefix: number;
  /** Words the prefix reaches (at least one, so /0 is keyed by 0). */
  depth: number;
  root: Map<number, unknown>;
}

const maskedWord = (words: readonly number[], i: number, prefix: number): number => {
  const keep = prefix - 32 * i;
  if (keep >= 32) return words[i]!;
  if (keep <= 0) return 0;
  return (words[i]! & (0xffffffff << (32 - keep))) >>> 0;
};

export class PrefixTable<T> {
  /** Per family, the levels in use, shortest prefix first. */
  private readonly levels: Record<Family, Level[]> = { 4: [], 6: [] };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds or replaces the value of this range. */
  set(cidr: Cidr, value: T): void {
    const level = this.level(cidr.family, cidr.prefix, true)!;
    let map = level.root;
    for (let i = 0; i < level.depth - 1; i++) {
      const key = maskedWord(cidr.words, i, cidr.prefix);
      let next = map.get(key) as Map<number, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        map.set(key, next);
      }
      map = next;
    }
    const key = maskedWord(cidr.words, level.depth - 1, cidr.prefix);
    if (!map.has(key)) this.count += 1;
    map.set(key, value);
  }

  get(cidr: Cidr): T | undefined {
    const level = this.level(cidr.family, cidr.prefix, false);
    return level === undefined ? undefined : this.at(level, cidr.words);
  }

  delete(cidr: Cidr): boolean {
    const levels = this.levels[cidr.family];
    const index = levels.findIndex((l) => l.prefix === cidr.prefix);
    if (index < 0) return false;
    const level = levels[index]!;
    const path: Array<[Map<number, unknown>, number]> = [];
    let map: Map<number, unknown> | undefined = level.root;
    for (let i = 0; i < level.depth && map !== undefined; i++) {
      const key = maskedWord(cidr.words, i, cidr.prefix);
      path.push([map, key]);
      if (i < level.depth - 1) map = map.get(key) as Map<number, unknown> | undefined;
    }
    if (map === undefined || path.length < level.depth) return false;
    const [last, lastKey] = path[path.length - 1]!;
    if (!last.delete(lastKey)) return false;
    this.count -= 1;
    // Prune maps left empty, bottom up.
    for (let i = path.length - 2; i >= 0; i--) {
      const [parent, key] = path[i]!;
      if ((parent.get(key) as Map<number, unknown>).size > 0) break;
      parent.delete(key);
    }
    if (level.root.size === 0) levels.splice(index, 1);
    return true;
  }

  clear(): void {
    this.levels[4] = [];
    this.levels[6] = [];
    this.count = 0;
  }

  /** The first value, from the broadest range down, for which `accept` holds (default any). */
  find(address: Address, accept?: (value: T) => boolean): T | undefined {
    const levels = this.levels[address.family];
    for (let i = 0; i < levels.length; i++) {
      const value = this.at(levels[i]!, address.words);
      if (value !== undefined && (accept === undefined || accept(value))) return value;
    }
    return undefined;
  }

  /** Every range containing the address, broadest first. */
  findAll(address: Address): T[] {
    const found: T[] = [];
    for (const level of this.levels[address.family]) {
      const value = this.at(level, address.words);
      if (value !== undefined) found.push(value);
    }
    return found;
  }

  *values(): IterableIterator<T> {
    function* walk(map: Map<number, unknown>, depth: number): IterableIterator<T> {
      if (depth === 1) yield* map.values() as IterableIterator<T>;
      else for (const next of map.values()) yield* walk(next as Map<number, unknown>, depth - 1);
    }
    for (const family of [4, 6] as const) for (const level of this.levels[family]) yield* walk(level.root, level.depth);
  }

  /** The value stored at this level for the network containing `words`. */
  private at(level: Level, words: readonly number[]): T | undefined {
    let map = level.root;
    const last = level.depth - 1;
    for (let i = 0; i < last; i++) {
      const next = map.get(maskedWord(words, i, level.prefix)) as Map<number, unknown> | undefined;
      if (next === undefined) return undefined;
      map = next;
    }
    return map.get(maskedWord(words, last, level.prefix)) as T | undefined;
  }

  private level(family: Family, prefix: number, create: boolean): Level | undefined {
    const levels = this.levels[family];
    let i = 0;
    while (i < levels.length && levels[i]!.prefix < prefix) i++;
    if (levels[i]?.prefix === prefix) return levels[i];
    if (!create) return undefined;
    const level: Level = { prefix, depth: Math.max(1, Math.ceil(prefix / 32)), root: new Map() };
    levels.splice(i, 0, level);
    return level;
  }
}
