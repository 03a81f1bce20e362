import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapSizeError } from '@shardgate/protocol';
import { MapFileError } from '../src/errors';
import { builtInMap } from '../src/game-map';
import { loadMapFile } from '../src/map-file';

const dir = mkdtempSync(join(tmpdir(), 'shard-map-'));
let files = 0;

function mapFile(content: unknown): string {
  const path = join(dir, `map-${(files += 1)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { width: 48, height: 96, data: new Array(48 * 96).fill(1), collisions: [0, 47], spawn: { x: 10, y: 60 }, ...overrides };
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('GameMap', () => {
  it('game map - the built-in map is 480x480 grass inside a wall, spawn near the centre', () => {
    const map = builtInMap();
    expect([map.width, map.height]).toEqual([480, 480]);
    expect(map.grid.count).toBe(100);
    expect(map.walkable(0, 10)).toBe(false);
    expect(map.walkable(479, 10)).toBe(false);
    expect(map.walkable(10, 0)).toBe(false);
    expect(map.walkable(10, 479)).toBe(false);
    expect(map.walkable(1, 1)).toBe(true);
    expect(map.walkable(478, 478)).toBe(true);
    expect(map.walkable(480, 5)).toBe(false);
    expect(map.walkable(-1, 5)).toBe(false);
    expect(map.walkable(1.5, 5)).toBe(false);
    expect(map.tile(0, 0)).toBe(2);
    expect(map.tile(5, 5)).toBe(1);
    expect(Math.abs(map.spawn.x - 240)).toBeLessThan(48);
    expect(Math.abs(map.spawn.y - 240)).toBeLessThan(48);
    expect(map.walkable(map.spawn.x, map.spawn.y)).toBe(true);
  });

  it('game map - a map file loads: tiles, collisions by index, empty tiles blocked, spawn', () => {
    const data = new Array(48 * 96).fill(1);
    data[48 * 2 + 3] = 0;
    data[48 * 2 + 4] = [5, 6];
    const map = loadMapFile(mapFile(valid({ data })));
    expect([map.width, map.height]).toEqual([48, 96]);
    expect(map.walkable(0, 0)).toBe(false);
    expect(map.walkable(47, 0)).toBe(false);
    expect(map.walkable(1, 0)).toBe(true);
    expect(map.walkable(3, 2)).toBe(false);
    expect(map.tile(4, 2)).toEqual([5, 6]);
    expect(map.walkable(4, 2)).toBe(true);
    expect(map.spawn).toEqual({ x: 10, y: 60 });
  });

  it('game map - a size that is not a multiple of 48 is refused, naming the file and the size', () => {
    const path = mapFile(valid({ width: 100, height: 96, data: new Array(100 * 96).fill(1) }));
    const error = errorOf(() => loadMapFile(path));
    expect(error).toBeInstanceOf(MapSizeError);
    expect(error.name).toBe('MapSizeError');
    expect(error.message).toContain(path);
    expect(error.message).toContain('100x96');
    expect(error.message).toContain('multiple of 48');
  });

  it.each([
    ['width', { width: 0 }],
    ['height', { height: 'tall' }],
    ['data', { data: [1, 2, 3] }],
    ['data', { data: Object.assign(new Array(48 * 96).fill(1), { 7: -1 }) }],
    ['collisions', { collisions: [48 * 96] }],
    ['collisions', { collisions: 'all' }],
    ['spawn', { spawn: { x: 1 } }],
    ['spawn', { spawn: { x: 0, y: 0 } }],
    ['spawn', { spawn: { x: 500, y: 10 } }],
  ])('game map - a bad %s is refused naming the file and the field', (field, overrides) => {
    const path = mapFile(valid(overrides));
    const error = errorOf(() => loadMapFile(path)) as MapFileError;
    expect(error).toBeInstanceOf(MapFileError);
    expect(error.name).toBe('MapFileError');
    expect(error.file).toBe(path);
    expect(error.field).toBe(field);
    expect(error.message).toContain(path);
  });

  it('game map - unreadable files and bad JSON are MapFileErrors', () => {
    const missing = errorOf(() => loadMapFile(join(dir, 'nope.json'))) as MapFileError;
    expect(missing).toBeInstanceOf(MapFileError);
    expect(missing.field).toBe('file');
    const broken = errorOf(() => loadMapFile(mapFile('{"width": 48,'))) as MapFileError;
    expect(broken.field).toBe('document');
    expect((errorOf(() => loadMapFile(mapFile('[]'))) as MapFileError).field).toBe('document');
  });
});
