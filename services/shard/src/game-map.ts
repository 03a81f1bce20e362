import { MapSizeError, REGION_SIZE, RegionGrid } from '@shardgate/protocol';
import { MapFileError } from './errors';

/** A tile's id, or its layer ids bottom to top (Kaetram's format); 0 / [] is an empty tile. */
export type TileData = number | readonly number[];

export interface Position {
  x: number;
  y: number;
}

export interface GameMapInit {
  width: number;
  height: number;
  /** Row-major, `width * height` entries. */
  data: readonly TileData[];
  /** Row-major tile indices (`y * width + x`) that block movement. Empty tiles block too. */
  collisions: Iterable<number>;
  spawn: Position;
  /** Where the map came from, for error messages (a file path or "built-in map"). */
  source: string;
  /** Tile ids that are objects (Kaetram's `objects`): Map packets mark their tiles `o`. */
  objects?: Iterable<number>;
  /** Cursor name by tile id (Kaetram's `cursors`): Map packets give their tiles `cur`. */
  cursors?: ReadonlyMap<number, string>;
}

/** Largest side accepted, so that a typo in a file cannot ask for gigabytes. */
export const MAX_MAP_SIDE = 9_600;

/** Largest map file read (Kaetram's own world.json is tens of MB); a bigger one is refused unread. */
export const MAX_MAP_FILE_BYTES = 256 * 1024 * 1024;

function isEmpty(tile: TileData): boolean {
  return typeof tile === 'number' ? tile === 0 : tile.length === 0;
}

/** Refuses a size Kaetram's regions cannot divide, naming where the map came from. */
export function checkMapSize(width: number, height: number, source: string): void {
  if (width % REGION_SIZE !== 0 || height % REGION_SIZE !== 0) {
    throw new MapSizeError(
      `${source}: map size ${width}x${height} is not a multiple of ${REGION_SIZE} tiles in both directions (Kaetram regions are ${REGION_SIZE}x${REGION_SIZE})`,
    );
  }
}

/** The world's tiles: which are walkable, what each looks like, and where players appear. */
export class GameMap {
  readonly width: number;
  readonly height: number;
  readonly spawn: Readonly<Position>;
  readonly source: string;
  readonly grid: RegionGrid;
  readonly objects: ReadonlySet<number>;
  readonly cursors: ReadonlyMap<number, string>;
  private readonly data: readonly TileData[];
  // One byte per tile: a lookup on every movement packet must not scan a collision list.
  private readonly blocked: Uint8Array;

  constructor(init: GameMapInit) {
    const { width, height, data, source } = init;
    checkMapSize(width, height, source);
    this.grid = new RegionGrid(width, height);
    if (data.length !== width * height) {
      throw new MapFileError(source, 'data', `has ${data.length} tiles, expected width * height = ${width * height}`);
    }
    this.width = width;
    this.height = height;
    this.data = data;
    this.source = source;
    this.objects = new Set(init.objects ?? []);
    this.cursors = init.cursors ?? new Map();
    this.blocked = new Uint8Array(width * height);
    for (let i = 0; i < data.length; i++) if (isEmpty(data[i]!)) this.blocked[i] = 1;
    for (const index of init.collisions) this.blocked[index] = 1;
    if (!this.walkable(init.spawn.x, init.spawn.y)) {
      throw new MapFileError(source, 'spawn', `(${init.spawn.x}, ${init.spawn.y}) is not a walkable tile inside the map`);
    }
    this.spawn = Object.freeze({ x: init.spawn.x, y: init.spawn.y });
  }

  contains(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  walkable(x: number, y: number): boolean {
    return this.contains(x, y) && this.blocked[y * this.width + x] === 0;
  }

  tile(x: number, y: number): TileData {
    return this.contains(x, y) ? this.data[y * this.width + x]! : 0;
  }
}

/** Tile ids of the built-in map (ids into whatever tileset the client uses). */
export const BUILT_IN_TILES = Object.freeze({ grass: 1, wall: 2 });

/**
 * 480x480 grass (10x10 regions) inside a one-tile wall, spawn point near the centre but
 * inside one region so that new players start in one region and see each other.
 */
export function builtInMap(): GameMap {
  const side = 480;
  const data = new Array<number>(side * side).fill(BUILT_IN_TILES.grass);
  const collisions: number[] = [];
  for (let i = 0; i < side; i++) {
    collisions.push(i, (side - 1) * side + i, i * side, i * side + side - 1);
  }
  for (const index of collisions) data[index] = BUILT_IN_TILES.wall;
  return new GameMap({ width: side, height: side, data, collisions, spawn: { x: 236, y: 236 }, source: 'built-in map' });
}
