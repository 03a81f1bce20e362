import { MapFileError } from './errors';
import { MAX_MAP_SIDE, type Position, type TileData } from './game-map';

// Field readers shared by both map formats (map-file.ts, kaetram-map.ts): every check names
// the file and the field, so a bad map stops the shard with one line that says what to fix.

export type Doc = Record<string, unknown>;

export function readSide(file: string, v: Doc, field: 'width' | 'height'): number {
  const value = v[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_MAP_SIDE) {
    throw new MapFileError(file, field, `must be an integer from 1 to ${MAX_MAP_SIDE}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Tiled's global tile ids are unsigned 32-bit, flip flags in the top three bits. */
export function isTileId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

/**
 * `data`: one entry per tile, row-major. `shortTail` accepts fewer entries than tiles and
 * `nullIsEmpty` accepts null (Kaetram's map tool leaves both when the last tiles are empty:
 * its `format()` skips array holes, which JSON then writes as null); both read as empty.
 */
export function readData(file: string, value: unknown, count: number, kaetram = false): TileData[] {
  const fits = Array.isArray(value) && (kaetram ? value.length <= count : value.length === count);
  if (!fits) {
    const got = Array.isArray(value) ? `${value.length} entries` : typeof value;
    const expected = kaetram ? `at most width * height = ${count}` : `width * height = ${count}`;
    throw new MapFileError(file, 'data', `must be an array of ${expected} tiles, got ${got}`);
  }
  const tiles = value as unknown[];
  const out: TileData[] = kaetram ? new Array<TileData>(count).fill(0) : (tiles as TileData[]);
  for (let i = 0; i < tiles.length; i++) {
    const tile = tiles[i];
    if (isTileId(tile) || (Array.isArray(tile) && tile.every(isTileId))) {
      if (kaetram) out[i] = tile as TileData;
      continue;
    }
    if (kaetram && tile === null) continue;
    throw new MapFileError(file, 'data', `[${i}] must be a tile id (integer >= 0) or an array of them, got ${JSON.stringify(tile)}`);
  }
  return out;
}

export function readCollisions(file: string, value: unknown, count: number): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new MapFileError(file, 'collisions', `must be an array of tile indices, got ${typeof value}`);
  value.forEach((index: unknown, i) => {
    if (!isTileId(index) || index >= count) {
      throw new MapFileError(file, 'collisions', `[${i}] must be a tile index from 0 to ${count - 1}, got ${JSON.stringify(index)}`);
    }
  });
  return value as number[];
}

export function readSpawn(file: string, value: unknown): Position {
  const v = value as Doc | null;
  if (typeof v !== 'object' || v === null || !Number.isInteger(v.x) || !Number.isInteger(v.y)) {
    throw new MapFileError(file, 'spawn', `must be {"x": <integer>, "y": <integer>}, got ${JSON.stringify(value)}`);
  }
  return { x: v.x as number, y: v.y as number };
}
