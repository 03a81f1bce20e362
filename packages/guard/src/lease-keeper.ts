// Keeps one gateway's counts in the store alive and true.
//
// Alive: every leaseMs / 3 the gateway renews its lease key and the TTL of every conns hash
// in which it holds connections, so a live gateway's counts never lapse however long an IP
// stays idle, and a dead gateway's are ignored once its lease expires (leaseMs) and gone with
// the hash TTL (2 * leaseMs after the last touch).
//
// True: the local ledger (LocalAdmissions) is what this gateway really holds. When a store
// call fails or times out, or the lease had expired (others may have pruned our fields), the
// IP is marked dirty and the next renew writes the ledger's absolute count for it
// (reconcile.lua). One client keeps command order, so the write lands after everything sent
// before it; the only unknown is an admit still on its way, whose outcome the ledger does not
// know yet, so an IP with such an admit waits for the next round.
import type { Redis } from 'ioredis';
import { GuardLeaseConflictError } from './errors';
import type { GuardKeys } from './keys';
import type { LocalAdmissions } from './local-admissions';
import type { DegradedOperation } from './options';
import type { GuardScripts } from './scripts';
import type { StoreCaller } from './store-call';

/** Keys per script call: large gateways renew in several short scripts, never one long one. */
const BATCH = 500;

/** Lease states returned by admit.lua and renew.lua. */
export const LEASE_HELD = 0;
export const LEASE_EXPIRED = 1;
export const LEASE_FOREIGN = 2;

export interface LeaseKeeperDeps {
  redis: Redis;
  keys: GuardKeys;
  scripts: GuardScripts;
  store: StoreCaller;
  ledger: LocalAdmissions;
  gatewayId: string;
  token: string;
  leaseMs: number;
  hashTtlMs: number;
  report(op: DegradedOperation, err: Error): void;
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  /** IP -> generation when marked; a reconcile clears only what it wrote. */
  private readonly dirty = new Map<string, number>();
  private generation = 0;
  /** IP -> admits handed to the client and not yet settled by it. */
  private readonly inflight = new Map<string, number>();

  constructor(private readonly deps: LeaseKeeperDeps) {}

  /** Starts the renew timer (idempotent). Unref'd: the gateway's server keeps the process up. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.deps.leaseMs / 3)));
    this.timer.unref();
  }

  /** Stops the timer and waits for a renew in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** One renew round (never rejects; failures are reported). Overlapping calls share one round. */
  renew(): Promise<void> {
    this.current ??= this.round().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  markDirty(ip: string): void {
    this.generation += 1;
    this.dirty.set(ip, this.generation);
  }

  /** IPs whose store count may differ from the ledger (for stats and tests). */
  get dirtyIps(): number {
    return this.dirty.size;
  }

  /**
   * Counts an admit handed to the client for `ip`; call the returned function (once is enough)
   * when the ledger reflects its outcome, or when the client is done with it after a failure.
   */
  trackAdmit(ip: string): () => void {
    this.inflight.set(ip, (this.inflight.get(ip) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.inflight.get(ip) ?? 1) - 1;
      if (left > 0) this.inflight.set(ip, left);
      else this.inflight.delete(ip);
    };
  }

  onLeaseState(state: number): void {
    if (state === LEASE_EXPIRED) {
      for (const [ip] of this.deps.ledger.heldEntries()) this.markDirty(ip);
    } else if (state === LEASE_FOREIGN) {
      this.deps.report('lease', new GuardLeaseConflictError(this.deps.gatewayId));
    }
  }

  private async round(): Promise<void> {
    if (!(await this.step('renew', () => this.renewLease()))) return;
    await this.step('bans', () => this.refreshBans());
    await this.step('reconcile', () => this.reconcile());
  }

  private async step(op: DegradedOperation, run: () => Promise<void>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (err) {
      this.deps.report(op, err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  }

  private async renewLease(): Promise<void> {
    const { keys, scripts, store, gatewayId, token, leaseMs, hashTtlMs } = this.deps;
    const held = [...this.deps.ledger.heldEntries()].map(([ip]) => ip);
    // At least one call even when nothing is held: the lease itself must be renewed.
    for (let start = 0; start === 0 || start < held.length; start += BATCH) {
      const ips = held.slice(start, start + BATCH);
      const reply = await store.call('renew', () =>
        scripts.renew([keys.lease(gatewayId), ...ips.map(keys.conns)], [token, leaseMs, gatewayId, hashTtlMs]),
      ).result;
      const [state, ...missing] = reply as number[];
      this.onLeaseState(state);
      for (const index of missing) this.markDirty(ips[index - 2]);
    }
  }

  private async refreshBans(): Promise<void> {
    const { redis, keys, store, ledger } = this.deps;
    ledger.replaceBans(await store.call('bans', () => redis.smembers(keys.bans)).result);
  }

  private async reconcile(): Promise<void> {
    const { keys, scripts, store, ledger, gatewayId, hashTtlMs } = this.deps;
    // A snapshot, so IPs marked again while this runs wait for the next round.
    const due = [...this.dirty];
    for (let start = 0; start < due.length; start += BATCH) {
      // Checked per batch, right before sending: an admit sent meanwhile would be overwritten.
      const batch = due.slice(start, start + BATCH).filter(([ip]) => !this.inflight.has(ip));
      if (batch.length === 0) continue;
      // Counts are read and the script handed to the client in the same tick: order is kept.
      const counts = batch.map(([ip]) => ledger.held(ip));
      await store.call('reconcile', () =>
        scripts.reconcile(
          batch.map(([ip]) => keys.conns(ip)),
          [gatewayId, hashTtlMs, ...counts],
        ),
      ).result;
      for (const [ip, generation] of batch) if (this.dirty.get(ip) === generation) this.dirty.delete(ip);
    }
  }
}
