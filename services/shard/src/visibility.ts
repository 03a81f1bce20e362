import type { GameMap } from './game-map';
import { MapCodec } from './map-codec';
import type { NetworkManager, Recipient } from './network-manager';
import * as P from './packets';
import { RegionIndex } from './regions';

/** What visibility needs of a player: where it stands, its queue, its loaded regions, its Spawn. */
export interface Viewer extends Recipient {
  readonly x: number;
  readonly y: number;
  /** Records `regions` as loaded by this client (Kaetram's regionsLoaded); returns those it did not have. */
  loadRegions(regions: readonly number[]): number[];
  spawnPacket(): string;
}

/**
 * Who sees whom. Two players see each other when their regions are within each other's
 * 3x3 surroundings. It owns the region index and the Map codec, and speaks to the clients
 * through the network manager only. Every change costs work proportional to the players in
 * the regions that come into or go out of view, never to the whole world.
 */
export class Visibility<V extends Viewer = Viewer> {
  readonly regions: RegionIndex<V>;
  readonly codec: MapCodec;

  constructor(
    readonly map: GameMap,
    private readonly network: NetworkManager,
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
    const others = this.membersOf(view, viewer);
    this.network.send(viewer.instance, P.list(others.map((p) => p.instance)));
    this.network.sendSerializedTo(others, viewer.spawnPacket());
  }

  /** Out of the world (close, disconnect): Despawn to everyone who saw the viewer. */
  leave(viewer: V): void {
    const region = viewer.region;
    if (region === -1) return;
    this.regions.remove(viewer);
    this.network.sendToSurroundingRegions(region, P.despawnText(viewer.instance));
  }

  /** Out of the world without a word to anyone (everyone is leaving: shutdown). */
  forget(viewer: V): void {
    this.regions.remove(viewer);
  }

  /**
   * The viewer now stands at its (new) position: when that is another region, Despawn both
   * ways with players no longer in view, Map for the newly visible regions (one packet each),
   * Spawn both ways with players newly in view.
   */
  relocate(viewer: V): void {
    const from = viewer.region;
    const to = this.map.grid.regionAt(viewer.x, viewer.y);
    if (from === to || from === -1) return;
    const grid = this.map.grid;
    const oldView = grid.surrounding(from);
    const newView = grid.surrounding(to);
    this.regions.add(viewer, to);
    const gone = this.membersOf(
      oldView.filter((r) => !newView.includes(r)),
      viewer,
    );
    const entered = newView.filter((r) => !oldView.includes(r));
    const seen = this.membersOf(entered, viewer);
    this.sendMissingRegions(viewer, entered, false);
    if (gone.length > 0) {
      this.network.sendToRecipients(gone, P.despawnText(viewer.instance));
      for (const other of gone) this.network.send(viewer.instance, P.despawnText(other.instance));
    }
    if (seen.length > 0) {
      this.network.sendSerializedTo(seen, viewer.spawnPacket());
      for (const other of seen) this.network.sendSerialized(viewer.instance, other.spawnPacket());
    }
  }

  /** Everyone in view of `region` (its 3x3 surroundings), `except` left out. */
  inViewOf(region: number, except?: V): V[] {
    if (region < 0) return [];
    return this.membersOf(this.map.grid.surrounding(region), except);
  }

  /** Whether a member in region `a` sees one in region `b`. */
  sees(a: number, b: number): boolean {
    return this.regions.inView(a, b);
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

  private membersOf(regions: readonly number[], except?: V): V[] {
    const found: V[] = [];
    for (const r of regions) for (const p of this.regions.membersOf(r)) if (p !== except) found.push(p);
    return found;
  }
}
