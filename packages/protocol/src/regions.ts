/**
 * Kaetram regions: 48x48-tile squares numbered row by row,
 * `id = floor(y / 48) * (width / 48) + floor(x / 48)`. "Surrounding" is the region and its
 * up to 8 neighbours, clipped at the map's edges. Client and server compute the same ids.
 */
export const REGION_SIZE = 48;

export class MapSizeError extends Error {
  override name = 'MapSizeError';
}

export class RegionGrid {
  readonly columns: number;
  readonly rows: number;
  readonly count: number;
  private readonly surroundingCache: number[][] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    for (const [name, value] of [['width', width], ['height', height]] as const) {
      if (!Number.isInteger(value) || value <= 0 || value % REGION_SIZE !== 0) {
        throw new MapSizeError(`map ${name} ${value} is not a positive multiple of ${REGION_SIZE} tiles (Kaetram regions are ${REGION_SIZE}x${REGION_SIZE})`);
      }
    }
    this.columns = width / REGION_SIZE;
    this.rows = height / REGION_SIZE;
    this.count = this.columns * this.rows;
  }

  contains(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  regionAt(x: number, y: number): number {
    return Math.floor(y / REGION_SIZE) * this.columns + Math.floor(x / REGION_SIZE);
  }

  /** The region and its neighbours, ascending; cached since regions never move. */
  surrounding(region: number): readonly number[] {
    let ids = this.surroundingCache[region];
    if (ids) return ids;
    if (!Number.isInteger(region) || region < 0 || region >= this.count) {
      throw new RangeError(`region ${region} is outside the map's ${this.count} regions`);
    }
    ids = [];
    const cx = region % this.columns;
    const cy = Math.floor(region / this.columns);
    for (let y = Math.max(0, cy - 1); y <= Math.min(this.rows - 1, cy + 1); y++) {
      for (let x = Math.max(0, cx - 1); x <= Math.min(this.columns - 1, cx + 1); x++) ids.push(y * this.columns + x);
    }
    this.surroundingCache[region] = ids;
    return ids;
  }

  /** Top-left tile of a region. */
  origin(region: number): { x: number; y: number } {
    return { x: (region % this.columns) * REGION_SIZE, y: Math.floor(region / this.columns) * REGION_SIZE };
  }
}
