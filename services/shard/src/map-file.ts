import { readFileSync } from 'node:fs';
import { MapFileError } from './errors';
import { GameMap, MAX_MAP_SIDE, checkMapSize, type Position, type TileData } from './game-map';

// The map file format (README "Map file"): every check names the file and the field.

function readSide(file: string, v: Record<string, unknown>, field: 'width' | 'height'): number {
  const value = v[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_MAP_SIDE) {
    throw new MapFileError(file, field, `must be an integer from 1 to ${MAX_MAP_SIDE}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function isTileId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function readData(file: string, value: unknown, count: number): TileData[] {
  if (!Array.isArray(value) || value.length !== count) {
    const got = Array.isArray(value) ? `${value.length} entries` : typeof value;
    throw new MapFileError(file, 'data', `must be an array of width * height = ${count} tiles, got ${got}`);
  }
  for (let i = 0; i < value.length; i++) {
    const tile: unknown = value[i];
    if (isTileId(tile) || (Array.isArray(tile) && tile.every(isTileId))) continue;
    throw new MapFileError(file, 'data', `[${i}] must be a tile id (integer >= 0) or an array of them, got ${JSON.stringify(tile)}`);
  }
  return value as TileData[];
}

function readCollisions(file: string, value: unknown, count: number): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new MapFileError(file, 'collisions', `must be an array of tile indices, got ${typeof value}`);
  value.forEach((index: unknown, i) => {
    if (!isTileId(index) || index >= count) {
      throw new MapFileError(file, 'collisions', `[${i}] must be a tile index from 0 to ${count - 1}, got ${JSON.stringify(index)}`);
    }
  });
  return value as number[];
}

function readSpawn(file: string, value: unknown): Position {
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || !Number.isInteger(v.x) || !Number.isInteger(v.y)) {
    throw new MapFileError(file, 'spawn', `must be {"x": <integer>, "y": <integer>}, got ${JSON.stringify(value)}`);
  }
  return { x: v.x as number, y: v.y as number };
}

/** Validates a parsed map document (README "Map file"); `file` names it in errors. */
export function parseMap(value: unknown, file: string): GameMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MapFileError(file, 'document', 'must be a JSON object');
  }
  const v = value as Record<string, unknown>;
  const width = readSide(file, v, 'width');
  const height = readSide(file, v, 'height');
  checkMapSize(width, height, `map file ${file}`);
  const count = width * height;
  const data = readData(file, v.data, count);
  const collisions = readCollisions(file, v.collisions, count);
  const spawn = readSpawn(file, v.spawn);
  return new GameMap({ width, height, data, collisions, spawn, source: file });
}

/** Reads and validates a map file; throws MapFileError or MapSizeError naming the file. */
export function loadMapFile(path: string): GameMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new MapFileError(path, 'file', `cannot be read: ${(cause as Error).message}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MapFileError(path, 'document', `is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseMap(value, path);
}
