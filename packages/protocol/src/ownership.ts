/**
 * Which shard owns which of a world's regions. The table is a pure function of the world's
 * region count and its sorted shard ids, stamped with an epoch that only grows: every shard
 * and gateway that holds the same epoch computes the same owners, so the only thing that has
 * to be agreed on (in a compare-and-set store) is the member list and its epoch.
 *
 * Regions are dealt out in contiguous runs of row-major ids, so each shard's share is a band
 * of whole rows (a part row at either end at most) and a border is about one row of regions
 * long, whatever the number of shards.
 */
export interface OwnershipInit {
  /** Grows by one with every change of members. */
  epoch: number;
  /** The world's shards; order does not matter (sorted here). */
  shards: readonly string[];
  /** Regions in the world (RegionGrid.count). */
  regions: number;
}

export class OwnershipError extends Error {
  override name = 'OwnershipError';
}

export class OwnershipTable {
  readonly epoch: number;
  readonly shards: readonly string[];
  readonly regions: number;
  // starts[i] is the first region of shards[i]; shard i owns [starts[i], starts[i + 1]).
  private readonly starts: number[];

  constructor(init: OwnershipInit) {
    if (!Number.isSafeInteger(init.epoch) || init.epoch < 0) throw new OwnershipError(`epoch ${init.epoch} is not a whole number >= 0`);
    if (!Number.isSafeInteger(init.regions) || init.regions <= 0) throw new OwnershipError(`region count ${init.regions} is not a whole number > 0`);
    const shards = [...new Set(init.shards)].sort();
    if (shards.length !== init.shards.length) throw new OwnershipError('a shard is listed twice');
    if (shards.length === 0) throw new OwnershipError('a world needs at least one shard');
    if (shards.length > init.regions) throw new OwnershipError(`${shards.length} shards for ${init.regions} regions: a shard would own nothing`);
    this.epoch = init.epoch;
    this.shards = Object.freeze(shards);
    this.regions = init.regions;
    this.starts = shards.map((_, i) => Math.floor((i * init.regions) / shards.length));
  }

  /** The shard that owns `region`. */
  ownerOf(region: number): string {
    if (!Number.isInteger(region) || region < 0 || region >= this.regions) throw new OwnershipError(`region ${region} is outside the world's ${this.regions} regions`);
    // Binary search: the last start <= region.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= region) lo = mid;
      else hi = mid - 1;
    }
    return this.shards[lo]!;
  }

  /** The regions of one shard, as a half-open range [from, to); empty when it is not a member. */
  rangeOf(shard: string): { from: number; to: number } {
    const i = this.shards.indexOf(shard);
    if (i < 0) return { from: 0, to: 0 };
    return { from: this.starts[i]!, to: i + 1 < this.starts.length ? this.starts[i + 1]! : this.regions };
  }

  owns(shard: string, region: number): boolean {
    const { from, to } = this.rangeOf(shard);
    return region >= from && region < to;
  }

  /** The next table: these members, epoch + 1. */
  next(shards: readonly string[]): OwnershipTable {
    return new OwnershipTable({ epoch: this.epoch + 1, shards, regions: this.regions });
  }

  /** Regions whose owner differs between this table and `other` (same world). */
  moved(other: OwnershipTable): Array<{ region: number; from: string; to: string }> {
    const out: Array<{ region: number; from: string; to: string }> = [];
    for (let r = 0; r < this.regions; r++) {
      const from = this.ownerOf(r);
      const to = other.ownerOf(r);
      if (from !== to) out.push({ region: r, from, to });
    }
    return out;
  }

  toJSON(): OwnershipInit {
    return { epoch: this.epoch, shards: [...this.shards], regions: this.regions };
  }
}

/** One shard owns everything: a world of one shard, exactly as before there were tables. */
export function soleOwner(shard: string, regions: number): OwnershipTable {
  return new OwnershipTable({ epoch: 0, shards: [shard], regions });
}
