import * as P from './packets';
import type { Player } from './player';
import type { World } from './world';

/**
 * Who sees whom. Two players see each other when their regions are within each other's
 * 3x3 surroundings. Every change costs work proportional to the players in the regions
 * that come into or go out of view, never to the whole world.
 */

/**
 * Map for the regions in `regions` this client does not have yet. `together` sends them as
 * one packet (entering the world: the 3x3 block, cached by set). Otherwise each region
 * goes in its own packet: the sets seen when walking depend on each player's history, so
 * caching them by set would miss often (a miss costs milliseconds of gzip), while one
 * cached packet per region is encoded once per region, ever.
 */
function sendMissingRegions(world: World, player: Player, regions: readonly number[], together: boolean): void {
  const missing = regions.filter((r) => !player.loadedRegions.has(r));
  if (missing.length === 0) return;
  for (const r of missing) player.loadedRegions.add(r);
  if (together) return world.network.sendSerialized(player.instance, world.codec.serialized(missing));
  for (const r of missing) world.network.sendSerialized(player.instance, world.codec.serialized([r]));
}

function membersOf(world: World, regions: readonly number[], except: Player): Player[] {
  const found: Player[] = [];
  for (const r of regions) for (const p of world.regions.membersOf(r)) if (p !== except) found.push(p);
  return found;
}

/** After Ready: Map of the 3x3 regions, List of who is in view, and the newcomer's Spawn to them. */
export function enterWorld(world: World, player: Player): void {
  const region = world.map.grid.regionAt(player.x, player.y);
  const view = world.map.grid.surrounding(region);
  world.regions.add(player, region);
  sendMissingRegions(world, player, view, true);
  const others = membersOf(world, view, player);
  world.network.send(player.instance, P.list(others.map((p) => p.instance)));
  world.network.sendSerializedTo(others, player.spawnPacket());
}

/** Out of the world (close, disconnect): Despawn to everyone who saw the player. */
export function leaveWorld(world: World, player: Player): void {
  const region = player.region;
  if (region === -1) return;
  world.regions.remove(player);
  world.network.sendToSurroundingRegions(region, P.despawnText(player.instance));
}

/**
 * The player walked from region `from` into `to`: Despawn both ways with players no longer
 * in view, Map for the newly visible regions (one packet each), Spawn both ways with players
 * newly in view.
 */
export function changeRegion(world: World, player: Player, from: number, to: number): void {
  const grid = world.map.grid;
  const oldView = grid.surrounding(from);
  const newView = grid.surrounding(to);
  world.regions.add(player, to);
  const gone = membersOf(world, oldView.filter((r) => !newView.includes(r)), player);
  const entered = newView.filter((r) => !oldView.includes(r));
  const seen = membersOf(world, entered, player);
  sendMissingRegions(world, player, entered, false);
  if (gone.length > 0) {
    world.network.sendToRecipients(gone, P.despawnText(player.instance));
    for (const other of gone) world.network.send(player.instance, P.despawnText(other.instance));
  }
  if (seen.length > 0) {
    world.network.sendSerializedTo(seen, player.spawnPacket());
    for (const other of seen) world.network.sendSerialized(player.instance, other.spawnPacket());
  }
}
