import { readFileSync, statSync } from 'node:fs';
import { MapFileError } from './errors';
import { GameMap, MAX_MAP_FILE_BYTES, checkMapSize } from './game-map';
import { isKaetramMap, parseKaetramMap } from './kaetram-map';
import { readCollisions, readData, readSide, readSpawn, type Doc } from './map-fields';

/**
 * Validates a parsed map document; `file` names it in errors. Two formats (README "Map
 * file"): Kaetram's server world map (it has `tileSize`; kaetram-map.ts), and shardgate's own
 * (`width`, `height`, `data`, `collisions`, `spawn`).
 */
export function parseMap(value: unknown, file: string): GameMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MapFileError(file, 'document', 'must be a JSON object');
  }
  const v = value as Doc;
  if (isKaetramMap(v)) return parseKaetramMap(v, file);
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
    const { size } = statSync(path);
    if (size > MAX_MAP_FILE_BYTES) {
      throw new MapFileError(path, 'file', `is ${size} bytes, more than the ${MAX_MAP_FILE_BYTES} a map may be`);
    }
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if (cause instanceof MapFileError) throw cause;
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
