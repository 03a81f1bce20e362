import fc from 'fast-check';
import { MapSizeError, REGION_SIZE, RegionGrid } from '../src';

/** docs/kaetram-wire.md: id = floor(y / 48) * (mapWidth / 48) + floor(x / 48) */
const formula = (width: number, x: number, y: number) => Math.floor(y / 48) * (width / 48) + Math.floor(x / 48);

/** A map of 1..30 by 1..30 regions and a tile on it. */
const mapAndTile = fc
  .record({ columns: fc.integer({ min: 1, max: 30 }), rows: fc.integer({ min: 1, max: 30 }) })
  .chain(({ columns, rows }) =>
    fc.record({
      grid: fc.constant(new RegionGrid(columns * 48, rows * 48)),
      x: fc.integer({ min: 0, max: columns * 48 - 1 }),
      y: fc.integer({ min: 0, max: rows * 48 - 1 }),
    }),
  );

const mapAndRegion = fc
  .record({ columns: fc.integer({ min: 1, max: 30 }), rows: fc.integer({ min: 1, max: 30 }) })
  .chain(({ columns, rows }) => fc.record({ grid: fc.constant(new RegionGrid(columns * 48, rows * 48)), region: fc.integer({ min: 0, max: columns * rows - 1 }) }));

describe('protocol RegionGrid', () => {
  const grid = new RegionGrid(480, 480); // 10 x 10 regions

  it('size - regions are 48 x 48 tiles', () => {
    expect(REGION_SIZE).toBe(48);
    expect(new RegionGrid(960, 480)).toMatchObject({ columns: 20, rows: 10, count: 200 });
    expect(new RegionGrid(48, 48)).toMatchObject({ columns: 1, rows: 1, count: 1 });
  });

  it('region ids - are numbered row by row as in docs/kaetram-wire.md', () => {
    expect(grid.regionAt(0, 0)).toBe(0);
    expect(grid.regionAt(47, 47)).toBe(0);
    expect(grid.regionAt(48, 0)).toBe(1);
    expect(grid.regionAt(479, 0)).toBe(9);
    expect(grid.regionAt(0, 48)).toBe(10);
    expect(grid.regionAt(100, 200)).toBe(42);
    expect(grid.regionAt(479, 479)).toBe(99);
    const wide = new RegionGrid(960, 480);
    expect(wide.regionAt(0, 48)).toBe(20);
    expect(wide.regionAt(959, 479)).toBe(199);
  });

  it('region ids - match the formula for every tile of any map', () => {
    fc.assert(
      fc.property(mapAndTile, ({ grid: g, x, y }) => {
        const region = g.regionAt(x, y);
        expect(region).toBe(formula(g.width, x, y));
        expect(region).toBeGreaterThanOrEqual(0);
        expect(region).toBeLessThan(g.count);
        const origin = g.origin(region);
        expect(x - origin.x).toBeGreaterThanOrEqual(0);
        expect(x - origin.x).toBeLessThan(48);
        expect(y - origin.y).toBeGreaterThanOrEqual(0);
        expect(y - origin.y).toBeLessThan(48);
      }),
      { numRuns: 2000 },
    );
  });

  it('origin - is the top-left tile of the region', () => {
    expect(grid.origin(0)).toEqual({ x: 0, y: 0 });
    expect(grid.origin(42)).toEqual({ x: 96, y: 192 });
    expect(grid.origin(99)).toEqual({ x: 432, y: 432 });
  });

  it('contains - accepts tiles inside the map only', () => {
    expect(grid.contains(0, 0)).toBe(true);
    expect(grid.contains(479, 479)).toBe(true);
    expect(grid.contains(480, 0)).toBe(false);
    expect(grid.contains(0, 480)).toBe(false);
    expect(grid.contains(-1, 0)).toBe(false);
    expect(grid.contains(0, -1)).toBe(false);
  });

  it('surrounding - a corner region sees itself and its 3 neighbours', () => {
    expect(grid.surrounding(0)).toEqual([0, 1, 10, 11]);
    expect(grid.surrounding(9)).toEqual([8, 9, 18, 19]);
    expect(grid.surrounding(90)).toEqual([80, 81, 90, 91]);
    expect(grid.surrounding(99)).toEqual([88, 89, 98, 99]);
  });

  it('surrounding - an edge region sees 6 regions, without wrapping to the other side', () => {
    expect(grid.surrounding(5)).toEqual([4, 5, 6, 14, 15, 16]);
    expect(grid.surrounding(50)).toEqual([40, 41, 50, 51, 60, 61]);
    expect(grid.surrounding(59)).toEqual([48, 49, 58, 59, 68, 69]);
    expect(grid.surrounding(95)).toEqual([84, 85, 86, 94, 95, 96]);
  });

  it('surrounding - a middle region sees the full 3 x 3 block', () => {
    expect(grid.surrounding(55)).toEqual([44, 45, 46, 54, 55, 56, 64, 65, 66]);
    expect(grid.surrounding(11)).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]);
  });

  it('surrounding - thin and tiny maps clip on both sides', () => {
    expect(new RegionGrid(48, 48).surrounding(0)).toEqual([0]);
    const row = new RegionGrid(144, 48);
    expect([0, 1, 2].map((r) => row.surrounding(r))).toEqual([[0, 1], [0, 1, 2], [1, 2]]);
    const column = new RegionGrid(48, 144);
    expect([0, 1, 2].map((r) => column.surrounding(r))).toEqual([[0, 1], [0, 1, 2], [1, 2]]);
    const square = new RegionGrid(96, 96);
    for (let r = 0; r < 4; r++) expect(square.surrounding(r)).toEqual([0, 1, 2, 3]);
  });

  it('surrounding - asking twice gives the same regions', () => {
    const g = new RegionGrid(480, 480);
    const first = [...g.surrounding(55)];
    expect(g.surrounding(55)).toEqual(first);
    expect(g.surrounding(55)).toEqual([44, 45, 46, 54, 55, 56, 64, 65, 66]);
  });

  it.each([[-1], [100], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])('surrounding - region %p outside the map throws RangeError', (region) => {
    expect(() => grid.surrounding(region)).toThrow(RangeError);
  });

  it('surrounding - always contains the region, is ascending, and holds only adjacent regions', () => {
    fc.assert(
      fc.property(mapAndRegion, ({ grid: g, region }) => {
        const ids = g.surrounding(region);
        expect(ids).toContain(region);
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
        const column = region % g.columns;
        const row = Math.floor(region / g.columns);
        const spanX = Math.min(g.columns - 1, column + 1) - Math.max(0, column - 1) + 1;
        const spanY = Math.min(g.rows - 1, row + 1) - Math.max(0, row - 1) + 1;
        expect(ids).toHaveLength(spanX * spanY);
        for (const id of ids) {
          expect(id).toBeGreaterThanOrEqual(0);
          expect(id).toBeLessThan(g.count);
          expect(Math.abs((id % g.columns) - column)).toBeLessThanOrEqual(1);
          expect(Math.abs(Math.floor(id / g.columns) - row)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('surrounding - is symmetric: every neighbour sees the region back', () => {
    fc.assert(
      fc.property(mapAndRegion, ({ grid: g, region }) => {
        for (const neighbour of g.surrounding(region)) expect(g.surrounding(neighbour)).toContain(region);
      }),
      { numRuns: 2000 },
    );
  });

  it('surrounding - two players see each other exactly when their regions touch', () => {
    fc.assert(
      fc.property(mapAndTile, fc.nat(), fc.nat(), ({ grid: g, x, y }, ox, oy) => {
        const other = { x: ox % g.width, y: oy % g.height };
        const a = g.regionAt(x, y);
        const b = g.regionAt(other.x, other.y);
        const touching = Math.abs(Math.floor(x / 48) - Math.floor(other.x / 48)) <= 1 && Math.abs(Math.floor(y / 48) - Math.floor(other.y / 48)) <= 1;
        expect(g.surrounding(a).includes(b)).toBe(touching);
      }),
      { numRuns: 2000 },
    );
  });

  it.each<[string, number, number, RegExp]>([
    ['a width that is not a multiple of 48', 500, 480, /map width 500 is not a positive multiple of 48 tiles/],
    ['a height that is not a multiple of 48', 480, 500, /map height 500 is not a positive multiple of 48 tiles/],
    ['a zero width', 0, 480, /map width 0 is not a positive multiple of 48/],
    ['a zero height', 480, 0, /map height 0 is not a positive multiple of 48/],
    ['a negative width', -48, 480, /map width -48 is not a positive multiple of 48/],
    ['a negative height', 480, -96, /map height -96 is not a positive multiple of 48/],
    ['a fractional width', 48.5, 480, /map width 48.5 /],
    ['a NaN height', 480, Number.NaN, /map height NaN /],
    ['an infinite width', Number.POSITIVE_INFINITY, 480, /map width Infinity /],
  ])('map size - %s throws MapSizeError naming the field and value', (_what, width, height, message) => {
    let error: unknown;
    try {
      new RegionGrid(width, height);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MapSizeError);
    expect(error).toBeInstanceOf(Error);
    expect((error as MapSizeError).name).toBe('MapSizeError');
    expect((error as MapSizeError).message).toMatch(message);
  });
});
