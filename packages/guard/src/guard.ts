/** Why a connection was refused. Each maps to a Kaetram close reason of the same name. */
export type AdmissionRefusal =
  | 'banned'
  | 'toofast'
  | 'toomany'
  /**
   * Only a store-backed guard (RedisGuard with failureMode 'closed') returns it: the shared
   * store could not be asked, so the guard refuses rather than admit without the global view.
   */
  | 'maintenance';

export type Admission = { admitted: true } | { admitted: false; reason: AdmissionRefusal };

export interface GuardLimits {
  /** Concurrent admitted connections allowed from one IP across every gateway (>= 1). */
  maxConnectionsPerIp: number;
  /** Minimum time between two ADMITTED connections from one IP, in ms; 0 = off. */
  connectIntervalMs: number;
}

/**
 * Per-IP admission for the gateways: bans, connect interval, concurrency.
 *
 * Contract:
 * - `admit` checks, in the seed's order, banned -> toofast -> toomany, and when it admits it
 *   counts the connection and records the time, as ONE atomic step. With a shared store
 *   (RedisGuard) that step is atomic across every gateway using the same store and prefix, so
 *   concurrent connects on several gateways never over-admit.
 * - Every admitted connection must be given back with exactly one `release` by the same guard
 *   (the gateway that admitted it). Counts never go below zero.
 * - Counts held by a gateway that dies without releasing are ignored by every other gateway
 *   within the lease time and then deleted (RedisGuard); a live gateway's counts never lapse.
 * - When the store is away, `admit` and `release` never throw and never hang: a store-backed
 *   guard either decides with local limits (fail-open) or refuses with 'maintenance'
 *   (fail-closed), and reports it. Reads (`isBanned`, `bans`, `connections`) fall back to the
 *   local view; `ban`/`unban` apply locally and reject with GuardStoreError so an operator
 *   knows the change did not reach the other gateways.
 * - After `close()`, `admit` rejects with GuardClosedError and `release` does nothing.
 */
export interface Guard {
  /**
   * Seed order: banned -> toofast (sooner than connectIntervalMs after this IP's last ADMITTED
   * connection; refused attempts do not restart the interval) -> toomany (concurrent admitted
   * >= max). Admitting increments the IP's count and records the time. Atomic across every
   * gateway sharing the store.
   */
  admit(ip: string): Promise<Admission>;
  /** Gives back one admitted slot for this IP (never below zero). */
  release(ip: string): Promise<void>;
  /** Bans an IP (idempotent). Bans last until `unban`; they do not expire. */
  ban(ip: string): Promise<void>;
  /** Lifts a ban (idempotent). */
  unban(ip: string): Promise<void>;
  isBanned(ip: string): Promise<boolean>;
  /** Every banned IP, in no particular order. */
  bans(): Promise<string[]>;
  /** Concurrent admitted connections for ip across all gateways (for stats and tests). */
  connections(ip: string): Promise<number>;
  /** Stops timers and gives up this guard's shared state; call after connections are drained. */
  close(): Promise<void>;
}
