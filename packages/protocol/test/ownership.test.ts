import fc from 'fast-check';
import { OwnershipError, OwnershipTable, RegionGrid, soleOwner } from '../src';

describe('OwnershipTable', () => {
  it('ownership - one shard owns every region', () => {
    const t = soleOwner('a', 100);
    for (let r = 0; r < 100; r++) expect(t.ownerOf(r)).toBe('a');
    expect(t.rangeOf('a')).toEqual({ from: 0, to: 100 });
  });

  it('ownership - three shards get contiguous runs that cover the world once', () => {
    const t = new OwnershipTable({ epoch: 4, shards: ['c', 'a', 'b'], regions: 100 });
    expect(t.shards).toEqual(['a', 'b', 'c']);
    expect([t.rangeOf('a'), t.rangeOf('b'), t.rangeOf('c')]).toEqual([
      { from: 0, to: 33 },
      { from: 33, to: 66 },
      { from: 66, to: 100 },
    ]);
    expect(t.ownerOf(32)).toBe('a');
    expect(t.ownerOf(33)).toBe('b');
    expect(t.ownerOf(99)).toBe('c');
    expect(t.owns('b', 65)).toBe(true);
    expect(t.owns('b', 66)).toBe(false);
    expect(t.rangeOf('zz')).toEqual({ from: 0, to: 0 });
  });

  it('ownership - any member list: every region has exactly one owner, runs are contiguous and balanced', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 12 }), fc.integer({ min: 12, max: 600 }), (shards, regions) => {
        const t = new OwnershipTable({ epoch: 1, shards, regions });
        const counts = new Map<string, number>();
        let last = '';
        let runs = 0;
        for (let r = 0; r < regions; r++) {
          const owner = t.ownerOf(r);
          expect(t.owns(owner, r)).toBe(true);
          counts.set(owner, (counts.get(owner) ?? 0) + 1);
          if (owner !== last) runs += 1;
          last = owner;
        }
        expect(runs).toBe(shards.length); // one run each: contiguous
        const sizes = [...counts.values()];
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  it('ownership - the same members give the same table on every process (order does not matter)', () => {
    const a = new OwnershipTable({ epoch: 2, shards: ['s2', 's1', 's3'], regions: 90 });
    const b = new OwnershipTable({ epoch: 2, shards: ['s3', 's2', 's1'], regions: 90 });
    for (let r = 0; r < 90; r++) expect(a.ownerOf(r)).toBe(b.ownerOf(r));
  });

  it('ownership - a border between two shards is about one row of regions long', () => {
    const grid = new RegionGrid(480, 480); // 10x10 regions
    const t = new OwnershipTable({ epoch: 1, shards: ['a', 'b'], regions: grid.count });
    let borderRegions = 0;
    for (let r = 0; r < grid.count; r++) if (grid.surrounding(r).some((n) => t.ownerOf(n) !== t.ownerOf(r))) borderRegions += 1;
    expect(borderRegions).toBeLessThanOrEqual(2 * (grid.columns + 1));
  });

  it('ownership - next() grows the epoch; moved() lists what changes hands', () => {
    const one = soleOwner('a', 10);
    const two = one.next(['a', 'b']);
    expect(two.epoch).toBe(1);
    expect(one.moved(two)).toEqual([5, 6, 7, 8, 9].map((region) => ({ region, from: 'a', to: 'b' })));
    expect(two.moved(two.next(['a', 'b']))).toEqual([]);
  });

  it('ownership - refuses tables that would leave a region ownerless or a shard listed twice', () => {
    expect(() => new OwnershipTable({ epoch: 0, shards: [], regions: 4 })).toThrow(OwnershipError);
    expect(() => new OwnershipTable({ epoch: 0, shards: ['a', 'a'], regions: 4 })).toThrow(/twice/);
    expect(() => new OwnershipTable({ epoch: 0, shards: ['a', 'b', 'c'], regions: 2 })).toThrow(/own nothing/);
    expect(() => new OwnershipTable({ epoch: -1, shards: ['a'], regions: 4 })).toThrow(/epoch/);
    expect(() => soleOwner('a', 4).ownerOf(4)).toThrow(OwnershipError);
  });
});
