// The embedded-mode guard: one process, no store. Its state dies with the process, which is
// exactly the lifetime of the connections it counts.
import { GuardClosedError } from './errors';
import type { Admission, Guard, GuardLimits } from './guard';
import { LocalAdmissions } from './local-admissions';
import { parseLimits } from './options';

export interface MemoryGuardOptions {
  limits: GuardLimits;
  /** Clock in ms; default a monotonic one (performance.now), so wall-clock jumps do not matter. */
  now?: () => number;
}

export class MemoryGuard implements Guard {
  private readonly table: LocalAdmissions;
  private closed = false;

  constructor(options: MemoryGuardOptions) {
    this.table = new LocalAdmissions(parseLimits(options.limits), options.now ?? (() => performance.now()));
  }

  async admit(ip: string): Promise<Admission> {
    if (this.closed) throw new GuardClosedError('admit');
    return this.table.admit(ip);
  }

  async release(ip: string): Promise<void> {
    if (!this.closed) this.table.release(ip);
  }

  async ban(ip: string): Promise<void> {
    this.table.ban(ip);
  }

  async unban(ip: string): Promise<void> {
    this.table.unban(ip);
  }

  async isBanned(ip: string): Promise<boolean> {
    return this.table.isBanned(ip);
  }

  async bans(): Promise<string[]> {
    return this.table.bans();
  }

  async connections(ip: string): Promise<number> {
    return this.table.held(ip);
  }

  /** IPs currently remembered (holding connections or inside their interval): for stats and tests. */
  get trackedIps(): number {
    return this.table.trackedIps;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
