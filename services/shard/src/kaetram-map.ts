import { MapFileError } from './errors';
import { GameMap, checkMapSize, type Position } from './game-map';
import { isTileId, readCollisions, readData, readSide, readSpawn, type Doc } from './map-fields';

/*
 * Kaetram's server world map (packages/server/data/map/world.json in a Kaetram-Open
 * checkout), read as Kaetram's `Map` (packages/server/src/game/map/map.ts) reads it, from
 * what its map tool writes (packages/tools/map/parser/parser.ts, `ProcessMap.getMap`):
 * `{version, width, height, tileSize, data, collisions, areas, plateau, high, objects,
 * cursors, entities, trees, rocks}`.
 *
 * - `data[y * width + x]`: a tile id, an array of ids (layers), or empty (0, null, or past
 *   the end of the array); flip flags in the top bits (`Modules.MapFlags`).
 * - `collisions`: tile INDICES (`ProcessMap.parseTileLayerData` and `parseBlocking` push the
 *   index); `Map.isColliding` also blocks an empty tile.
 * - regions: `Modules.Constants.MAP_DIVISION_SIZE` (48) squares numbered row by row from the
 *   top left (`Regions.buildRegions`, `getRegion`); our RegionGrid computes the same ids.
 * - `objects`, `cursors`: tile ids whose tiles the Map packet marks `o` / `cur`
 *   (`Regions.buildTile`).
 * Areas, doors, entities, trees, rocks and plateaus are game logic: read past, not used.
 */

/** Kaetram's `Modules.Constants.SPAWN_POINT` ('328,892'): where a player leaves the tutorial. */
export const KAETRAM_SPAWN_POINT: Readonly<Position> = Object.freeze({ x: 328, y: 892 });

/** Kaetram's maps name their tile size in pixels; ours only checks it is sane. */
const MAX_TILE_SIZE = 1024;

/** A document from Kaetram's map tool: it always writes `tileSize`, ours never does. */
export function isKaetramMap(v: Doc): boolean {
  return 'tileSize' in v;
}

/**
 * The client's bundled map (`ProcessMap.getClientMap`: width, height, tileSize, version,
 * high, tilesets, animations) carries no tiles and no collisions: the client draws walls
 * from the server's Map packets. A server cannot run on it, so it is refused by name.
 */
function isKaetramClientMap(v: Doc): boolean {
  return !('data' in v) && ('tilesets' in v || 'animations' in v || 'high' in v);
}

export function parseKaetramMap(v: Doc, file: string): GameMap {
  if (isKaetramClientMap(v)) {
    throw new MapFileError(
      file,
      'data',
      "is missing: this is Kaetram's client map (packages/client/data/maps/map.json), which has no tiles or collisions; use the server's packages/server/data/map/world.json",
    );
  }
  const width = readSide(file, v, 'width');
  const height = readSide(file, v, 'height');
  const { tileSize } = v;
  if (typeof tileSize !== 'number' || !Number.isInteger(tileSize) || tileSize <= 0 || tileSize > MAX_TILE_SIZE) {
    throw new MapFileError(file, 'tileSize', `must be an integer from 1 to ${MAX_TILE_SIZE}, got ${JSON.stringify(tileSize)}`);
  }
  checkMapSize(width, height, `map file ${file}`);
  const count = width * height;
  const data = readData(file, v.data, count, true);
  const collisions = readCollisions(file, v.collisions, count);
  const objects = readObjects(file, v.objects);
  const cursors = readCursors(file, v.cursors);
  // Kaetram has no spawn in the map: its players leave the tutorial at SPAWN_POINT. A `spawn`
  // field (shardgate's) overrides it, for a map of Kaetram's format that is not Kaetram's world.
  const spawn = v.spawn === undefined ? { ...KAETRAM_SPAWN_POINT } : readSpawn(file, v.spawn);
  if (v.spawn === undefined && (spawn.x >= width || spawn.y >= height)) {
    throw new MapFileError(file, 'spawn', `is missing and Kaetram's spawn point (${spawn.x}, ${spawn.y}) is outside this ${width}x${height} map; add "spawn": {"x": ..., "y": ...}`);
  }
  return new GameMap({ width, height, data, collisions, spawn, source: file, objects, cursors });
}

function readObjects(file: string, value: unknown): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isTileId)) throw new MapFileError(file, 'objects', 'must be an array of tile ids');
  return value;
}

function readCursors(file: string, value: unknown): Map<number, string> {
  const cursors = new Map<number, string>();
  if (value === undefined) return cursors;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MapFileError(file, 'cursors', 'must be an object of tile id to cursor name');
  for (const [id, name] of Object.entries(value as Doc)) {
    const tileId = Number(id);
    if (!isTileId(tileId) || typeof name !== 'string') throw new MapFileError(file, 'cursors', `${JSON.stringify(id)} must map a tile id to a cursor name`);
    cursors.set(tileId, name);
  }
  return cursors;
}
