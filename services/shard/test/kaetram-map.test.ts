// MAP_FILE with Kaetram's server world map (test/kaetram/world-fixture.ts: Kaetram's format,
// our content). Expected values come from Kaetram-Open's server: `Map.isColliding`
// (map.ts), `Regions.getRegion` / `buildTile` (regions.ts), `Map.parseTileData` (map.ts).
import { truncateSync } from 'node:fs';
import { MapSizeError } from '@shardgate/protocol';
import { MAX_MAP_FILE_BYTES } from '../src/game-map';
import { MapFileError } from '../src/errors';
import { KAETRAM_SPAWN_POINT } from '../src/kaetram-map';
import { MapCodec, decodeMapPacket } from '../src/map-codec';
import { loadMapFile } from '../src/map-file';
import { FLIP, GRASS, SIGN, WALL, kaetramClientMap, kaetramWorld, writeTemp } from '../../../test/kaetram/world-fixture';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** Kaetram's region id: 48x48 squares, row by row (`Regions.buildRegions`, `getRegion`). */
const kaetramRegion = (x: number, y: number, width: number) => Math.floor(y / 48) * (width / 48) + Math.floor(x / 48);

describe("Kaetram's world map", () => {
  const layout = kaetramWorld(192, 144, { x: 100, y: 100 });
  const file = writeTemp('world.json', { ...layout.world, spawn: { x: 100, y: 100 } });
  const map = loadMapFile(file);

  it('kaetram map - size, regions and walls come out as Kaetram computes them', () => {
    expect([map.width, map.height]).toEqual([192, 144]);
    expect(map.grid.columns).toBe(4);
    expect(map.grid.count).toBe(12);
    for (const [x, y] of [[0, 0], [47, 47], [48, 0], [100, 100], [191, 143], [50, 97]]) {
      expect(map.grid.regionAt(x!, y!)).toBe(kaetramRegion(x!, y!, 192));
    }
    for (let i = 0; i < 192 * 144; i++) {
      const x = i % 192;
      const y = Math.floor(i / 192);
      if (map.walkable(x, y) === layout.blocked.has(i)) throw new Error(`tile (${x}, ${y}): walkable ${map.walkable(x, y)}`);
    }
  });

  it('kaetram map - data shorter than the map and null entries are empty tiles (blocked)', () => {
    expect(layout.world.data.length).toBe(192 * 143);
    expect(map.walkable(10, 143)).toBe(false);
    expect(map.tile(10, 143)).toBe(0);
    expect(map.walkable(96, 102)).toBe(false); // the null hole
  });

  it('kaetram map - Map packets carry tiles as Regions.buildTile does: c, o, cur, flipped ids as {tileId,h,v,d}', () => {
    const region = map.grid.regionAt(100, 100);
    const tiles = decodeMapPacket(new MapCodec(map).encode([region]))[String(region)]!;
    const at = (x: number, y: number) => tiles.find((t) => t.x === x && t.y === y);
    expect(at(100, 97)).toEqual({ x: 100, y: 97, data: [GRASS, WALL], c: true });
    expect(at(102, 101)).toEqual({ x: 102, y: 101, data: [GRASS, SIGN], c: true, o: true, cur: 'talk' });
    expect(at(98, 101)).toEqual({ x: 98, y: 101, data: [GRASS, { tileId: 5, h: true, v: false, d: true }] });
    expect(at(100, 100)).toEqual({ x: 100, y: 100, data: GRASS });
    expect(at(104, 102)).toBeUndefined(); // data 0: left out
    expect(FLIP.horizontal).toBe(0x8000_0000);
  });

  it("kaetram map - without a spawn the player starts at Kaetram's SPAWN_POINT (328, 892)", () => {
    const full = kaetramWorld();
    const kaetram = loadMapFile(writeTemp('world.json', full.world));
    expect(kaetram.spawn).toEqual(KAETRAM_SPAWN_POINT);
    expect([kaetram.width, kaetram.height, kaetram.grid.columns, kaetram.grid.count]).toEqual([1152, 1008, 24, 24 * 21]);
    expect(kaetram.grid.regionAt(328, 892)).toBe(18 * 24 + 6);
  });

  it("kaetram map - the client's bundled map is refused by name: it has no tiles or collisions", () => {
    const path = writeTemp('map.json', kaetramClientMap());
    const error = errorOf(() => loadMapFile(path)) as MapFileError;
    expect(error).toBeInstanceOf(MapFileError);
    expect(error.message).toContain("Kaetram's client map");
    expect(error.message).toContain('world.json');
  });

  it.each([
    ['tileSize', { tileSize: 0 }],
    ['tileSize', { tileSize: '16' }],
    ['data', { data: 'compressed' }],
    ['data', { data: [GRASS, 'x'] }],
    ['data', { data: new Array(192 * 144 + 1).fill(GRASS) }],
    ['collisions', { collisions: [192 * 144] }],
    ['objects', { objects: 'all' }],
    ['cursors', { cursors: { abc: 'talk' } }],
    ['width', { width: 1_000_000 }],
  ])('kaetram map - a bad %s stops the start naming the file and the field', (field, overrides) => {
    const path = writeTemp('world.json', { ...layout.world, spawn: { x: 100, y: 100 }, ...overrides });
    const error = errorOf(() => loadMapFile(path)) as MapFileError;
    expect(error).toBeInstanceOf(MapFileError);
    expect(error.field).toBe(field);
    expect(error.message).toContain(path);
  });

  it('kaetram map - a file larger than any map is refused unread', () => {
    const path = writeTemp('huge.json', '');
    truncateSync(path, MAX_MAP_FILE_BYTES + 1); // sparse: no disk is used
    const error = errorOf(() => loadMapFile(path)) as MapFileError;
    expect(error).toBeInstanceOf(MapFileError);
    expect(error.field).toBe('file');
    expect(error.message).toContain(`more than the ${MAX_MAP_FILE_BYTES}`);
  });

  it('kaetram map - a size that is not a multiple of 48 is refused; so is a spawn point outside a small map', () => {
    const odd = errorOf(() => loadMapFile(writeTemp('world.json', { ...kaetramWorld(100, 96, { x: 50, y: 50 }).world, width: 100 })));
    expect(odd).toBeInstanceOf(MapSizeError);
    expect(odd.message).toContain('100x96');
    const small = errorOf(() => loadMapFile(writeTemp('world.json', layout.world))) as MapFileError;
    expect(small.field).toBe('spawn');
    expect(small.message).toContain('(328, 892)');
  });
});
