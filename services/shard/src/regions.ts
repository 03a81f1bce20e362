import type { RegionGrid } from '@shardgate/protocol';

/** What a region keeps about a member; the index maintains `region` and `slot`. */
export interface RegionMember {
  readonly instance: string;
  /** Current region, -1 when not in the world. */
  region: number;
  /** Position in its region's member array (swap-remove in O(1)). */
  slot: number;
}

/**
 * Region membership: for each region, the members standing in it. Arrays (not Sets, not
 * instance strings) because a region broadcast walks them for every packet: iterating an
 * array of objects is the cheapest walk there is, and holding the member itself spares a
 * Map lookup per recipient.
 */
export class RegionIndex<M extends RegionMember> {
  private readonly members: M[][];

  constructor(readonly grid: RegionGrid) {
    this.members = Array.from({ length: grid.count }, () => []);
  }

  /** Members of one region; empty for an unknown region. Do not modify. */
  membersOf(region: number): readonly M[] {
    return this.members[region] ?? [];
  }

  add(member: M, region: number): void {
    if (member.region !== -1) this.remove(member);
    const list = this.members[region];
    if (list === undefined) throw new RangeError(`region ${region} is outside the map's ${this.grid.count} regions`);
    member.region = region;
    member.slot = list.length;
    list.push(member);
  }

  remove(member: M): void {
    const list = this.members[member.region];
    if (list === undefined || list[member.slot] !== member) return;
    const last = list.pop()!;
    if (last !== member) {
      list[member.slot] = last;
      last.slot = member.slot;
    }
    member.region = -1;
    member.slot = -1;
  }

  /** Calls `fn` for every member in the region's 3x3 surroundings (the region included). */
  forEachInView(region: number, fn: (member: M) => void): void {
    for (const r of this.grid.surrounding(region)) for (const m of this.membersOf(r)) fn(m);
  }

  /** Whether a member in region `a` sees one in region `b` (surroundings are symmetric). */
  inView(a: number, b: number): boolean {
    if (a < 0 || b < 0) return false;
    return this.grid.surrounding(a).includes(b);
  }
}
