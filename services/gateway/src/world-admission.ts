import type { Guard } from '@shardgate/guard';
import { CloseReasons, type CloseReason } from '@shardgate/protocol';

/**
 * The seed's `NetworkManager.handleConnection` checks, enforced at the gateway edge so every
 * gateway sees the same numbers: banned IP, too soon after this IP's last connection, too
 * many concurrent connections from this IP. The guard decides atomically (in Redis in the
 * distributed mode); a store outage follows the guard's failure mode.
 */
export class WorldAdmission {
  constructor(private readonly guard: Guard) {}

  /** null when admitted (the caller must `release` later), else the Kaetram close reason. */
  async admit(ip: string): Promise<CloseReason | null> {
    const result = await this.guard.admit(ip);
    if (result.admitted) return null;
    return result.reason === 'maintenance' ? CloseReasons.Maintenance : result.reason;
  }

  release(ip: string): Promise<void> {
    return this.guard.release(ip);
  }
}
