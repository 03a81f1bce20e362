import { gunzipSync, gzipSync } from 'node:zlib';
import { Packets, REGION_SIZE, serializePacket } from '@shardgate/protocol';
import { MapPacketError } from './errors';
import type { GameMap, TileData } from './game-map';

/** A flipped tile as Kaetram's client draws it (`Map.getFlippedTile`, server map.ts). */
export interface RotatedTile {
  tileId: number;
  h: boolean;
  v: boolean;
  d: boolean;
}

/** Tile data as the client gets it: flipped ids turned into RotatedTile. */
export type ClientTileData = number | RotatedTile | Array<number | RotatedTile>;

/**
 * One tile of Kaetram's region data (`Regions.buildTile`): `c` marks a collision, `o` an
 * object tile, `cur` the cursor shown over it.
 */
export interface RegionTile {
  x: number;
  y: number;
  data: ClientTileData;
  c?: true;
  o?: true;
  cur?: string;
}

// Tiled's flip flags (Kaetram's `Modules.MapFlags`); a tile id above the lowest is flipped.
const DIAGONAL_FLAG = 0x2000_0000;
const VERTICAL_FLAG = 0x4000_0000;
const HORIZONTAL_FLAG = 0x8000_0000;

/** Kaetram's `Map.parseTileData` for one id: a flipped id becomes `{tileId, h, v, d}`. */
function clientTileId(id: number): number | RotatedTile {
  if (id <= DIAGONAL_FLAG) return id;
  // `>>> 0` keeps the result unsigned, as the ids are (JavaScript's & gives an int32).
  return {
    tileId: (id & ~(DIAGONAL_FLAG | VERTICAL_FLAG | HORIZONTAL_FLAG)) >>> 0,
    h: (id & HORIZONTAL_FLAG) !== 0,
    v: (id & VERTICAL_FLAG) !== 0,
    d: (id & DIAGONAL_FLAG) !== 0,
  };
}

/** Kaetram's `Map.parseTileData`: the client never sees a raw flipped id. */
export function clientTileData(data: TileData): ClientTileData {
  return typeof data === 'number' ? clientTileId(data) : data.map(clientTileId);
}

/** Kaetram's Map payload: tiles per region id. */
export type RegionData = Record<string, RegionTile[]>;

/** `[4, base64(gzip(json)), utf8ByteLength(json)]`, as the Kaetram client inflates it. */
export type MapPacket = [id: typeof Packets.Map, compressed: string, byteLength: number];

/** Bound on what decodeMapPacket inflates: a hostile packet must not exhaust memory. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/**
 * Builds Map packets for sets of regions. A region's tiles never change, so each region's
 * JSON is built once, and each encoded packet (gzip is the expensive part: a 3x3 block of
 * the built-in map is ~0.5 MB of JSON) is kept for the next player asking for the same set.
 * The packet cache is bounded; the least recently used entry goes first. By default it holds
 * every single-region packet of the map plus 1024 sets: walking and teleports send one packet
 * per region, and a bound below the region count made a 1 600-region map gzip the same
 * regions over and over (a third of the shard's CPU, and stalls of seconds, in the benchmark).
 */
export class MapCodec {
  private readonly regionJson: Array<string | undefined> = [];
  private readonly packets = new Map<string, string>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly map: GameMap,
    private readonly maxCachedPackets = map.grid.count + 1024,
  ) {}

  /** The serialized Map packet for `regions` (any order, duplicates ignored). */
  serialized(regions: Iterable<number>): string {
    const ids = [...new Set(regions)].sort((a, b) => a - b);
    const key = ids.join(',');
    const cached = this.packets.get(key);
    if (cached !== undefined) {
      this.hits += 1;
      // Re-inserted: a Map keeps insertion order, so the first key is the least recently used.
      this.packets.delete(key);
      this.packets.set(key, cached);
      return cached;
    }
    this.misses += 1;
    const packet = serializePacket(this.encode(ids));
    if (this.packets.size >= this.maxCachedPackets) this.packets.delete(this.packets.keys().next().value!);
    this.packets.set(key, packet);
    return packet;
  }

  /** The Map packet itself (uncached; tests and tools). */
  encode(regions: readonly number[]): MapPacket {
    const json = `{${regions.map((r) => this.regionEntry(r)).join(',')}}`;
    const compressed = gzipSync(Buffer.from(json, 'utf8')).toString('base64');
    return [Packets.Map, compressed, Buffer.byteLength(json, 'utf8')];
  }

  /** `"<id>":[tiles]`, built once per region. */
  private regionEntry(region: number): string {
    let entry = this.regionJson[region];
    if (entry === undefined) {
      entry = `${JSON.stringify(String(region))}:${JSON.stringify(this.tilesOf(region))}`;
      this.regionJson[region] = entry;
    }
    return entry;
  }

  private tilesOf(region: number): RegionTile[] {
    const { x: left, y: top } = this.map.grid.origin(region);
    const tiles: RegionTile[] = [];
    for (let y = top; y < top + REGION_SIZE; y++) {
      for (let x = left; x < left + REGION_SIZE; x++) {
        const data = this.map.tile(x, y);
        // Kaetram leaves empty tiles out of region data; the client treats them as void.
        if (data === 0 || (Array.isArray(data) && data.length === 0)) continue;
        const tile: RegionTile = { x, y, data: clientTileData(data) };
        if (!this.map.walkable(x, y)) tile.c = true;
        this.markObjectAndCursor(tile, data);
        tiles.push(tile);
      }
    }
    return tiles;
  }

  /**
   * Kaetram's `Map.isObject` / `getCursor` over the parsed tile: only unflipped ids can match
   * (a flipped one is an object by then), and the topmost layer with a cursor wins.
   */
  private markObjectAndCursor(tile: RegionTile, data: TileData): void {
    const { objects, cursors } = this.map;
    if (objects.size === 0 && cursors.size === 0) return;
    for (const id of typeof data === 'number' ? [data] : data) {
      if (id > DIAGONAL_FLAG) continue;
      if (objects.has(id)) tile.o = true;
      const cursor = cursors.get(id);
      if (cursor !== undefined) tile.cur = cursor;
    }
  }
}

/** Inflates a Map packet back into region data, checking the announced byte length. */
export function decodeMapPacket(packet: unknown): RegionData {
  if (!Array.isArray(packet) || packet[0] !== Packets.Map || typeof packet[1] !== 'string' || typeof packet[2] !== 'number') {
    throw new MapPacketError('not a Map packet [4, base64, byteLength]');
  }
  let json: string;
  try {
    json = gunzipSync(Buffer.from(packet[1], 'base64'), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
  } catch (cause) {
    throw new MapPacketError('Map packet data is not base64 gzip', { cause });
  }
  const length = Buffer.byteLength(json, 'utf8');
  if (length !== packet[2]) throw new MapPacketError(`Map packet announces ${packet[2]} bytes, data has ${length}`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new MapPacketError('Map packet data is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MapPacketError('Map packet data is not an object');
  return value as RegionData;
}
