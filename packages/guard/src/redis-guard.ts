// The distributed guard: every gateway admits against the same Redis, in one Lua script, so
// the numbers are global and concurrent connects never over-admit. Layout and the lease
// design: see keys.ts, lease-keeper.ts and the package README.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GuardClosedError, GuardStoreError } from './errors';
import type { Admission, AdmissionRefusal, Guard } from './guard';
import { guardKeys, type GuardKeys } from './keys';
import { LeaseKeeper } from './lease-keeper';
import { LocalAdmissions } from './local-admissions';
import {
  parseRedisGuardOptions,
  type DegradedOperation,
  type RedisGuardOptions,
  type ResolvedRedisGuardOptions,
} from './options';
import { defineGuardScripts, type GuardScripts } from './scripts';
import { StoreCaller } from './store-call';

const ADMITTED: Admission = Object.freeze({ admitted: true });
const MAINTENANCE: Admission = Object.freeze({ admitted: false, reason: 'maintenance' });
const VERDICTS = new Set(['ok', 'banned', 'toofast', 'toomany']);

type Verdict = 'ok' | Exclude<AdmissionRefusal, 'maintenance'>;

function parseAdmitReply(reply: unknown): { verdict: Verdict; leaseState: number } {
  if (Array.isArray(reply) && VERDICTS.has(reply[0]) && typeof reply[1] === 'number') {
    return { verdict: reply[0] as Verdict, leaseState: reply[1] };
  }
  throw new GuardStoreError('admit', `unexpected reply ${JSON.stringify(reply)}`);
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export class RedisGuard implements Guard {
  private readonly options: ResolvedRedisGuardOptions;
  private readonly redis: Redis;
  private readonly keys: GuardKeys;
  private readonly scripts: GuardScripts;
  private readonly store: StoreCaller;
  /** What this gateway holds (the truth its store field must match) and its fail-open fallback. */
  private readonly ledger: LocalAdmissions;
  private readonly lease: LeaseKeeper;
  private readonly hashTtlMs: number;
  /** Tells this process's lease from that of another process misusing the same gatewayId. */
  private readonly token = randomBytes(8).toString('hex');
  private closed = false;

  constructor(options: RedisGuardOptions) {
    this.options = parseRedisGuardOptions(options);
    const { redis, prefix, limits, leaseMs, commandTimeoutMs, gatewayId } = this.options;
    this.redis = redis;
    this.keys = guardKeys(prefix);
    this.scripts = defineGuardScripts(redis);
    this.store = new StoreCaller(redis, commandTimeoutMs);
    this.ledger = new LocalAdmissions(limits, () => performance.now());
    this.hashTtlMs = 2 * leaseMs;
    this.lease = new LeaseKeeper({
      redis,
      keys: this.keys,
      scripts: this.scripts,
      store: this.store,
      ledger: this.ledger,
      gatewayId,
      token: this.token,
      leaseMs,
      hashTtlMs: this.hashTtlMs,
      report: (op, err) => this.report(op, err),
    });
  }

  /**
   * Takes the lease and renews it every leaseMs / 3 until close(). Idempotent; admit() starts
   * the timer by itself if you forget. Resolves even when the store is down (reported).
   */
  async start(): Promise<void> {
    if (this.closed) throw new GuardClosedError('start');
    this.lease.start();
    await this.lease.renew();
  }

  async admit(ip: string): Promise<Admission> {
    if (this.closed) throw new GuardClosedError('admit');
    this.lease.start();
    const { gatewayId, limits, leaseMs } = this.options;
    const call = this.store.call('admit', () =>
      this.scripts.admit(
        [this.keys.bans, this.keys.last(ip), this.keys.conns(ip), this.keys.lease(gatewayId)],
        [
          ip,
          gatewayId,
          limits.maxConnectionsPerIp,
          limits.connectIntervalMs,
          leaseMs,
          this.hashTtlMs,
          this.token,
          this.keys.leaseHead,
          this.keys.leaseTail,
        ],
      ),
    );
    // Until the ledger shows this admit's outcome, no reconcile may write this IP's count.
    const settled = this.lease.trackAdmit(ip);
    let reply: { verdict: Verdict; leaseState: number };
    try {
      reply = parseAdmitReply(await call.result);
    } catch (err) {
      void call.settled.then(settled); // a timed-out script may still run until the client lets go
      return this.admitWithoutStore(ip, asError(err), call.sent);
    }
    this.lease.onLeaseState(reply.leaseState);
    if (reply.verdict === 'ok') this.ledger.record(ip);
    settled();
    return reply.verdict === 'ok' ? ADMITTED : { admitted: false, reason: reply.verdict };
  }

  async release(ip: string): Promise<void> {
    if (this.closed) return;
    // Only what this gateway holds can be given back: that is what keeps counts >= 0.
    if (!this.ledger.release(ip)) return;
    try {
      await this.store.call('release', () =>
        this.scripts.release([this.keys.conns(ip)], [this.options.gatewayId, this.hashTtlMs]),
      ).result;
    } catch (err) {
      this.lease.markDirty(ip);
      this.report('release', asError(err));
    }
  }

  async ban(ip: string): Promise<void> {
    this.ledger.ban(ip);
    await this.store.call('ban', () => this.redis.sadd(this.keys.bans, ip)).result;
  }

  async unban(ip: string): Promise<void> {
    this.ledger.unban(ip);
    await this.store.call('unban', () => this.redis.srem(this.keys.bans, ip)).result;
  }

  async isBanned(ip: string): Promise<boolean> {
    try {
      return (await this.store.call('isBanned', () => this.redis.sismember(this.keys.bans, ip)).result) === 1;
    } catch (err) {
      this.report('isBanned', asError(err));
      return this.ledger.isBanned(ip);
    }
  }

  async bans(): Promise<string[]> {
    try {
      return await this.store.call('bans', () => this.redis.smembers(this.keys.bans)).result;
    } catch (err) {
      this.report('bans', asError(err));
      return this.ledger.bans();
    }
  }

  async connections(ip: string): Promise<number> {
    const { gatewayId } = this.options;
    try {
      const reply = await this.store.call('connections', () =>
        this.scripts.connections([this.keys.conns(ip)], [gatewayId, this.keys.leaseHead, this.keys.leaseTail]),
      ).result;
      return Number(reply);
    } catch (err) {
      this.report('connections', asError(err));
      return this.ledger.held(ip);
    }
  }

  /** IPs whose store count waits to be rewritten from this gateway's ledger (for stats and tests). */
  get pendingReconciles(): number {
    return this.lease.dirtyIps;
  }

  /**
   * Stops renewing and deletes the lease, so other gateways stop counting this one's
   * connections at once. Never quits the client (the caller owns it). Call after draining.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lease.stop();
    try {
      await this.store.call('close', () => this.redis.del(this.keys.lease(this.options.gatewayId))).result;
    } catch (err) {
      this.report('close', asError(err)); // the lease expires by itself within leaseMs
    }
  }

  private admitWithoutStore(ip: string, err: Error, sent: boolean): Admission {
    this.report('admit', err);
    // The script may have run anyway (timeout), or the ledger may gain a local admission the
    // store never saw: either way the next renew rewrites this IP's count from the ledger.
    if (this.options.failureMode === 'closed') {
      if (sent) this.lease.markDirty(ip);
      return MAINTENANCE;
    }
    const admission = this.ledger.admit(ip);
    if (sent || admission.admitted) this.lease.markDirty(ip);
    return admission;
  }

  private report(op: DegradedOperation, err: Error): void {
    try {
      this.options.onDegraded(op, err);
    } catch {
      // A faulty metrics/log callback must never break admission.
    }
  }
}
