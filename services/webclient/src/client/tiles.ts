import { REGION_SIZE } from './wire';

/** A flipped tile as Kaetram sends it (`{tileId, h, v, d}`; Kaetram's `Map.parseTileData`). */
export interface RotatedTile {
  tileId: number;
}

export type TileLayer = number | RotatedTile;

/** One tile of Kaetram's region data: a tile or layers (bottom to top); `c` blocks. */
export interface RegionTile {
  x: number;
  y: number;
  data: TileLayer | TileLayer[];
  c?: boolean;
}

export type RegionData = Record<string, RegionTile[]>;

export interface Tile {
  data: TileLayer | TileLayer[];
  blocked: boolean;
}

/** The id this client colours a tile by: its top layer's, flips ignored. */
export function topTileId(data: TileLayer | TileLayer[]): number {
  const top = Array.isArray(data) ? data[data.length - 1] : data;
  if (typeof top === 'number') return top;
  return typeof top?.tileId === 'number' ? top.tileId : 0;
}

/** Larger than any map side shardgate accepts (9,600): a collision-free numeric key. */
const KEY_SPAN = 16384;

/**
 * The tiles this client was sent, by position, and the regions they came in. Tiles the
 * server left out are empty (Kaetram's void): not walkable, drawn dark.
 */
export class TileStore {
  private readonly tiles = new Map<number, Tile>();
  /** Region id to its top-left tile, for labels. */
  readonly regions = new Map<number, { x: number; y: number }>();

  get size(): number {
    return this.tiles.size;
  }

  add(data: RegionData): void {
    for (const [id, tiles] of Object.entries(data)) {
      if (!Array.isArray(tiles)) continue;
      let origin: { x: number; y: number } | undefined;
      for (const tile of tiles) {
        if (!Number.isInteger(tile?.x) || !Number.isInteger(tile?.y) || tile.x < 0 || tile.y < 0 || tile.x >= KEY_SPAN || tile.y >= KEY_SPAN) continue;
        this.tiles.set(tile.y * KEY_SPAN + tile.x, { data: tile.data, blocked: tile.c === true });
        origin ??= { x: Math.floor(tile.x / REGION_SIZE) * REGION_SIZE, y: Math.floor(tile.y / REGION_SIZE) * REGION_SIZE };
      }
      const regionId = Number(id);
      if (origin && Number.isInteger(regionId)) this.regions.set(regionId, origin);
    }
  }

  get(x: number, y: number): Tile | undefined {
    if (x < 0 || y < 0 || x >= KEY_SPAN || y >= KEY_SPAN) return undefined;
    return this.tiles.get(y * KEY_SPAN + x);
  }

  walkable(x: number, y: number): boolean {
    const tile = this.get(x, y);
    return tile !== undefined && !tile.blocked;
  }
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Decodes a Map packet's payload: base64, then gzip (the browser's DecompressionStream),
 * then JSON; the announced UTF-8 byte length must match.
 */
export async function decodeMapData(compressed: string, byteLength: number): Promise<RegionData> {
  const stream = new Blob([base64ToBytes(compressed)]).stream().pipeThrough(new DecompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  if (bytes.byteLength !== byteLength) throw new Error(`Map packet announces ${byteLength} bytes, got ${bytes.byteLength}`);
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Map packet data is not an object');
  return value as RegionData;
}

/**
 * A shortest 4-direction walk over known walkable tiles (Kaetram's client paths the same
 * way), without the start tile; [] when `to` cannot be reached within `maxNodes` visits.
 */
export function findPath(tiles: TileStore, from: { x: number; y: number }, to: { x: number; y: number }, maxNodes = 40_000): Array<{ x: number; y: number }> {
  if (from.x === to.x && from.y === to.y) return [];
  if (!tiles.walkable(to.x, to.y)) return [];
  const key = (x: number, y: number) => y * KEY_SPAN + x;
  const cameFrom = new Map<number, number>([[key(from.x, from.y), -1]]);
  const queue: number[] = [key(from.x, from.y)];
  const target = key(to.x, to.y);
  for (let head = 0; head < queue.length && cameFrom.size <= maxNodes; head++) {
    const current = queue[head]!;
    if (current === target) break;
    const cx = current % KEY_SPAN;
    const cy = Math.floor(current / KEY_SPAN);
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
      const nx = cx + dx;
      const ny = cy + dy;
      if (!tiles.walkable(nx, ny)) continue;
      const next = key(nx, ny);
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, current);
      queue.push(next);
    }
  }
  if (!cameFrom.has(target)) return [];
  const path: Array<{ x: number; y: number }> = [];
  for (let at = target; at !== key(from.x, from.y); at = cameFrom.get(at)!) path.push({ x: at % KEY_SPAN, y: Math.floor(at / KEY_SPAN) });
  return path.reverse();
}
