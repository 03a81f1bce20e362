import type { Border } from './border';
import type { GameMap } from './game-map';
import { MapCodec } from './map-codec';
import type { NetworkManager, Recipient } from './network-manager';
import * as P from './packets';
import { RegionIndex } from './regions';

/** Anyone a client can be shown: a player of this shard, or a ghost of another shard's. */
export interface Seen {
  readonly instance: string;
  spawnPacket(): string;
}

/** What visibility needs of a player: where it stands, its queue, its loaded regions, its Spawn. */
export interface Viewer extends Recipient, Seen {
  readonly x: number;
  readonly y: number;
  /** Records `regions` as loaded by this client (Kaetram's regionsLoaded); returns those it did not have. */
  loadRegions(regions: readonly number[]): number[];
}

/** What a region change did: nothing, a move within this shard, or a move into another shard's region. */
export type Relocation = { kind: 'none' } | { kind: 'moved' } | { kind: 'away'; from: number; to: number };

const NONE: Relocation = Object.freeze({ kind: 'none' });
const MOVED: Relocation = Object.freeze({ kind: 'moved' });

/**
 * Who sees whom. Two players see each other when their regions are within each other's
 * 3x3 surroundings, whichever shard holds them. It owns the region index of this shard's
 * players and the Map codec; players of other shards near a border come from the Border's
 * ghosts, and packets about a player reach other shards' players through the Border. Every
 * change costs work proportional to the players in the regions that come into or go out of
 * view, never to the whole world.
 */
export class Visibility<V extends Viewer = Viewer> {
  readonly regions: RegionIndex<V>;
  readonly codec: MapCodec;

  constructor(
    readonly map: GameMap,
    private readonly network: NetworkManager,
    private readonly border: Border,
  ) {
    this.regions = new RegionIndex<V>(map.grid);
    this.codec = new MapCodec(map);
  }

  /** After Ready: Map of the 3x3 regions, List of who is in view, and the newcomer's Spawn to them. */
  enter(viewer: V): void {
    const region = this.map.grid.regionAt(viewer.x, viewer.y);
    const view = this.map.grid.surrounding(region);
    this.regions.add(viewer, region);
    this.sendMissingRegions(viewer, view, true);
    const others = this.localsIn(view, viewer);
    const ghosts = this.ghostsIn(view);
    this.network.send(viewer.instance, P.list([...others, ...ghosts].map((p) => p.instance)));
    const spawn = viewer.spawnPacket();
    this.network.sendSerializedTo(others, spawn);
    this.border.tellIn(view, spawn, viewer.instance);
    this.border.track(viewer, -1);
  }

  /** Out of the world (close, disconnect): Despawn to everyone who saw the viewer. */
  leave(viewer: V): void {
    const region = viewer.region;
    if (region === -1) return;
    this.regions.remove(viewer);
    const despawn = P.despawnText(viewer.instance);
    this.network.sendToSurroundingRegions(region, despawn);
    this.border.tellIn(this.map.grid.surrounding(region), despawn);
    this.border.track(viewer, region);
  }

  /** Out of the world without a word to anyone (everyone is leaving: shutdown). */
  forget(viewer: V): void {
    const region = viewer.region;
    if (region === -1) return;
    this.regions.remove(viewer);
    this.border.track(viewer, region);
  }

  /**
   * The viewer's position (or look) changed. When that is another region: Despawn both ways
   * with players no longer in view, then, if this shard owns the new region, Map for the newly
   * visible regions (one packet each) and Spawn both ways with players newly in view. A new
   * region owned by another shard is `away`: the caller hands the viewer over, and the new
   * shard does the second half (`arrive`).
   */
  relocate(viewer: V): Relocation {
    const from = viewer.region;
    if (from === -1) return NONE;
    const to = this.map.grid.regionAt(viewer.x, viewer.y);
    if (from === to) {
      if (this.border.othersAround(from).length > 0) this.border.track(viewer, from);
      return NONE;
    }
    const grid = this.map.grid;
    const oldView = grid.surrounding(from);
    const newView = grid.surrounding(to);
    this.depart(
      viewer,
      oldView.filter((r) => !newView.includes(r)),
    );
    if (!this.border.owns(to)) {
      this.regions.remove(viewer);
      return { kind: 'away', from, to };
    }
    this.regions.add(viewer, to);
    this.reveal(
      viewer,
      newView.filter((r) => !oldView.includes(r)),
    );
    this.border.track(viewer, from);
    return MOVED;
  }

  /**
   * A viewer handed over by another shard, which already did the first half of its region
   * change from `from` (the Despawns): here the second half (Map, Spawns both ways).
   */
  arrive(viewer: V, from: number): void {
    this.border.forgetGhost(viewer.instance);
    // Handed over on his way into the world: the whole entrance happens here.
    if (from < 0) return this.enter(viewer);
    const to = this.map.grid.regionAt(viewer.x, viewer.y);
    this.regions.add(viewer, to);
    if (from !== to) {
      const oldView = this.map.grid.surrounding(from);
      this.reveal(
        viewer,
        this.map.grid.surrounding(to).filter((r) => !oldView.includes(r)),
      );
    }
    this.border.track(viewer, -1);
  }

  /** Everyone in view of `region` (its 3x3 surroundings), ghosts included, `except` left out. */
  inViewOf(region: number, except?: V): Seen[] {
    if (region < 0) return [];
    const view = this.map.grid.surrounding(region);
    return [...this.localsIn(view, except), ...this.ghostsIn(view)];
  }

  /** The player or ghost `instance` when it stands in view of `region`. */
  visibleFrom(region: number, local: V | undefined, instance: string): Seen | undefined {
    if (region < 0) return undefined;
    if (local !== undefined) return local.region >= 0 && this.regions.inView(region, local.region) ? local : undefined;
    const ghost = this.border.ghost(instance);
    return ghost !== undefined && this.regions.inView(region, ghost.region) ? ghost : undefined;
  }

  /** Despawn both ways with everyone standing in `gone`. */
  private depart(viewer: V, gone: readonly number[]): void {
    const locals = this.localsIn(gone, viewer);
    const ghosts = this.ghostsIn(gone);
    const despawn = P.despawnText(viewer.instance);
    if (locals.length > 0) this.network.sendToRecipients(locals, despawn);
    this.border.tellIn(gone, despawn);
    for (const other of locals) this.network.send(viewer.instance, P.despawnText(other.instance));
    for (const other of ghosts) this.network.send(viewer.instance, P.despawnText(other.instance));
  }

  /** Map for `entered`, and Spawn both ways with everyone standing there. */
  private reveal(viewer: V, entered: readonly number[]): void {
    this.sendMissingRegions(viewer, entered, false);
    const locals = this.localsIn(entered, viewer);
    const ghosts = this.ghostsIn(entered);
    const spawn = viewer.spawnPacket();
    if (locals.length > 0) this.network.sendSerializedTo(locals, spawn);
    this.border.tellIn(entered, spawn, viewer.instance);
    for (const other of locals) this.network.sendSerialized(viewer.instance, other.spawnPacket());
    for (const other of ghosts) this.network.sendSerialized(viewer.instance, other.spawnPacket());
  }

  /**
   * Map for the regions in `regions` this client does not have yet. `together` sends them as
   * one packet (entering the world: the 3x3 block, cached by set). Otherwise each region
   * goes in its own packet: the sets seen when walking depend on each player's history, so
   * caching them by set would miss often (a miss costs milliseconds of gzip), while one
   * cached packet per region is encoded once per region, ever.
   */
  private sendMissingRegions(viewer: V, regions: readonly number[], together: boolean): void {
    const missing = viewer.loadRegions(regions);
    if (missing.length === 0) return;
    if (together) return this.network.sendSerialized(viewer.instance, this.codec.serialized(missing));
    for (const r of missing) this.network.sendSerialized(viewer.instance, this.codec.serialized([r]));
  }

  private localsIn(regions: readonly number[], except?: V): V[] {
    const found: V[] = [];
    for (const r of regions) for (const p of this.regions.membersOf(r)) if (p !== except) found.push(p);
    return found;
  }

  private ghostsIn(regions: readonly number[]): Seen[] {
    if (this.border.ghostCount === 0) return [];
    const found: Seen[] = [];
    for (const r of regions) for (const g of this.border.ghosts.membersOf(r)) found.push(g);
    return found;
  }
}
