import type { GameMap, Position } from './game-map';

/** Kaetram's `Modules.Defaults.MOVEMENT_SPEED` (packages/common/network/modules.ts): milliseconds to walk one tile. */
export const DEFAULT_MOVEMENT_SPEED = 220;

/** Why a reported position was refused (metrics label and log field). */
export type MoveRejection = 'outside' | 'blocked' | 'distance' | 'speed';

export type MoveVerdict = { ok: true; moved: boolean } | { ok: false; reason: MoveRejection };

/**
 * How fast a client may report steps: a token bucket holding `burst` steps, refilled at
 * `tolerance` times the walking speed. Steps reach the shard in bunches (TCP, gateway
 * batching, a tab coming back to the foreground), so checking the gap between two steps
 * would punish honest players; the bucket allows a short bunch but no sustained speed-up.
 */
/** Steps a client may report in one bunch. */
export const STEP_BURST = 3;

export class StepBudget {
  private credits: number;
  private refilledAt: number;

  constructor(
    private speedMs: number,
    now: number,
    private readonly burst = STEP_BURST,
    private readonly tolerance = 1.25,
  ) {
    this.credits = burst;
    this.refilledAt = now;
  }

  /** The budget as plain data (a hand-off carries it). */
  snapshot(): { credits: number; refilledAt: number } {
    return { credits: this.credits, refilledAt: this.refilledAt };
  }

  /** Continues from a snapshot (taken here or on another shard). */
  restore(snapshot: { credits: number; refilledAt: number }): void {
    this.credits = Math.min(this.burst, Math.max(0, snapshot.credits));
    this.refilledAt = snapshot.refilledAt;
  }

  setSpeed(speedMs: number): void {
    this.speedMs = speedMs;
  }

  /** Spends one step if the budget allows it. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    this.credits = Math.min(this.burst, this.credits + (elapsed * this.tolerance) / this.speedMs);
    if (this.credits < 1) return false;
    this.credits -= 1;
    return true;
  }
}

/**
 * Is a step from `from` to `to` plausible: inside the map, on a walkable tile, at most one
 * tile away (Kaetram's no-clip check: |dx| <= 1 and |dy| <= 1), and within the step budget.
 * Standing still is always fine and costs nothing.
 */
export function checkStep(map: GameMap, from: Position, to: Position, budget: StepBudget, now: number): MoveVerdict {
  if (!map.contains(to.x, to.y)) return { ok: false, reason: 'outside' };
  if (to.x === from.x && to.y === from.y) return { ok: true, moved: false };
  if (!map.walkable(to.x, to.y)) return { ok: false, reason: 'blocked' };
  if (Math.abs(to.x - from.x) > 1 || Math.abs(to.y - from.y) > 1) return { ok: false, reason: 'distance' };
  if (!budget.take(now)) return { ok: false, reason: 'speed' };
  return { ok: true, moved: true };
}
