import type { CloseReason } from '@shardgate/protocol';
import type { GameMap, Position } from './game-map';
import type { Outgoing } from './network-manager';
import type { Seen, Viewer } from './visibility';
import type { RejectReason } from './reject-reason';

/**
 * The world as one Player sees it: the only way a Player reaches the network, the map,
 * visibility and the clock. Narrow on purpose (as NetworkManager's ConnectionHost is): a
 * Player changes its own fields, the host changes everything else, and a Player can be
 * tested, moved to another shard or rebuilt from its record without a whole World.
 */
export interface PlayerHost {
  readonly map: GameMap;
  readonly serverId: number;
  readonly gameVersion: string;
  now(): number;
  /** The Handshake's `serverTime` (Kaetram's `~~performance.now()`). */
  serverTime(): number;

  // --- the player's own queue ---
  send(instance: string, packet: Outgoing): void;
  sendSerialized(instance: string, serialized: string): void;
  /** Answers that must not wait for the tick (the handshake). */
  sendImmediate(instance: string, packet: Outgoing): void;
  /** Closes the connection after its queued packets. */
  close(instance: string, reason: CloseReason): void;
  /** The connection is gone: drop its queue. */
  drop(instance: string): void;

  // --- everyone who sees a region ---
  /** To everyone in view of `region` (its 3x3 surroundings), `ignore` left out. */
  sendAround(region: number, packet: Outgoing, ignore?: string): void;
  /** Players in view of `region` (`except` left out), in the world (after Ready), whichever shard holds them. */
  inViewOf(region: number, except?: Viewer): readonly Seen[];
  /** The player `instance` when it is in the world and in view of `region`, whichever shard holds him. */
  visibleFrom(region: number, instance: string): Seen | undefined;

  // --- the player in the world ---
  /** Into the world: Map, List, Spawn to those who see it. */
  enter(player: Viewer): void;
  /**
   * After the player's position (or look) changed: region change, Despawn/Spawn, Map, and a
   * hand-off when the new region belongs to another shard of the world.
   */
  relocate(player: Viewer, cause: 'walk' | 'teleport'): void;
  /** Out of the world: Despawn to those who saw it; forgotten by the world. */
  leave(player: Viewer): void;

  // --- login ---
  /** A world slot for a player logging in; false when the world is full (`worldfull`). */
  takeSlot(player: Viewer): boolean;
  nextGuestName(): string;
  spawnPosition(): Position;
  /** Registers the Ready deadline; returns it. */
  expectReady(player: Viewer): number;

  /** A dropped packet, counted by reason. */
  reject(reason: RejectReason): void;
}
