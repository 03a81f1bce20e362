// A world map in the format of Kaetram's server world.json (what Kaetram-Open's map tool
// writes, packages/tools/map/parser/parser.ts `ProcessMap.getMap`, and what its server's
// `Map` reads, packages/server/src/game/map/map.ts), with our own content: no Kaetram data.
// Used by the conformance suite (test/kaetram) and the shard's map tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Kaetram's `Modules.MapFlags`: Tiled's flip bits on a tile id. */
export const FLIP = Object.freeze({ diagonal: 0x2000_0000, vertical: 0x4000_0000, horizontal: 0x8000_0000 });

export const GRASS = 1;
export const WALL = 2;
/** A tile id listed in `objects` and `cursors` (say, a signpost). */
export const SIGN = 57;

export interface KaetramWorld {
  version: number;
  width: number;
  height: number;
  tileSize: number;
  data: Array<number | number[] | null>;
  collisions: number[];
  areas: Record<string, unknown[]>;
  plateau: Record<string, number>;
  high: number[];
  objects: number[];
  cursors: Record<string, string>;
  entities: Record<string, string>;
  trees: unknown[];
  rocks: unknown[];
  spawn?: { x: number; y: number };
}

export interface WorldLayout {
  world: KaetramWorld;
  /** Tile indices that block: listed collisions and empty tiles (Kaetram's `Map.isColliding`). */
  blocked: Set<number>;
  /** Tile indices that are empty (no tile data): left out of Map packets. */
  empty: Set<number>;
  /** Index of a flipped tile, of a layered tile with an object, of a null hole. */
  flippedAt: number;
  signAt: number;
}

/**
 * A grass world of `width` x `height` with walls: a wall across the spawn area, a border of
 * walls, a few holes (0 and null), a layered signpost, a flipped tile, and the last row left
 * out of `data` (Kaetram's tool stops the array at the last non-empty tile).
 */
export function kaetramWorld(width = 1152, height = 1008, spawn = { x: 328, y: 892 }): WorldLayout {
  const at = (x: number, y: number) => y * width + x;
  const data: Array<number | number[] | null> = new Array(width * (height - 1)).fill(GRASS);
  const collisions: number[] = [];
  const empty = new Set<number>();
  for (let x = 0; x < width; x++) collisions.push(at(x, 0));
  for (let y = 0; y < height - 1; y++) collisions.push(at(0, y), at(width - 1, y));
  // A wall three tiles north of the spawn point, with its tiles listed twice (blocking layer + tile layer).
  for (let x = spawn.x - 10; x <= spawn.x + 10; x++) {
    data[at(x, spawn.y - 3)] = [GRASS, WALL];
    collisions.push(at(x, spawn.y - 3), at(x, spawn.y - 3));
  }
  const hole = at(spawn.x + 4, spawn.y + 2);
  data[hole] = 0;
  empty.add(hole);
  const nullHole = at(spawn.x - 4, spawn.y + 2);
  data[nullHole] = null;
  empty.add(nullHole);
  const signAt = at(spawn.x + 2, spawn.y + 1);
  data[signAt] = [GRASS, SIGN];
  collisions.push(signAt);
  const flippedAt = at(spawn.x - 2, spawn.y + 1);
  data[flippedAt] = [GRASS, 5 + FLIP.horizontal + FLIP.diagonal];
  for (let x = 0; x < width; x++) empty.add(at(x, height - 1));
  const blocked = new Set<number>([...collisions, ...empty]);
  return {
    world: {
      version: 1,
      width,
      height,
      tileSize: 16,
      data,
      collisions,
      areas: { doors: [], warps: [] },
      plateau: {},
      high: [],
      objects: [SIGN],
      cursors: { [SIGN]: 'talk' },
      entities: {},
      trees: [],
      rocks: [],
    },
    blocked,
    empty,
    flippedAt,
    signAt,
  };
}

/** What Kaetram's map tool writes for the client (`ProcessMap.getClientMap`): no tiles, no collisions. */
export function kaetramClientMap(width = 1152, height = 1008): Record<string, unknown> {
  return { width, height, tileSize: 16, version: 1, high: [], tilesets: { 0: 0 }, animations: {} };
}

/** Writes `content` (JSON, or a string as is) to a new file in a temporary directory. */
export function writeTemp(name: string, content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-kaetram-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
