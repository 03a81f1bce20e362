import type { PlayerState } from './player-state';

/**
 * Everything a shard knows about one player, as plain data: what a hand-off to another
 * shard carries (with the player's pending packets), and what a new Player is built from.
 * No Sets, Maps or class instances, so that it survives any serializer unchanged.
 */
export interface PlayerRecord {
  instance: string;
  /** The client's address, as the gateway admitted it. */
  ip: string;
  state: PlayerState;
  name: string;
  x: number;
  y: number;
  orientation: number;
  /** Milliseconds per tile. */
  movementSpeed: number;
  /** Ready must arrive by then (ms since the epoch); 0 before Welcome. */
  readyDeadline: number;
  /** Connected to Welcome must happen by then (ms since the epoch); 0 once logged in. */
  loginDeadline: number;
  /** Regions whose Map this client already has (Kaetram's regionsLoaded). */
  loadedRegions: number[];
  implausibleMoves: number;
  /** Round trip of the last `/ping`, -1 before any. */
  latencyMs: number;
  /** When the unanswered `/ping` was sent, null when none is pending. */
  pingSentAt: number | null;
  /** When the last `/ping` was asked for, null when never. */
  lastPingAt: number | null;
  /** The movement step budget (see StepBudget). */
  steps: { credits: number; refilledAt: number };
}
