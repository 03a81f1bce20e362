import { CloseReasons, type CloseReason } from '@shardgate/protocol';
import type { ShardInfo, ShardRegistry } from './shard-registry';

export type MainDecision = { ok: true; shard: ShardInfo } | { ok: false; reason: CloseReason };

/**
 * The seed's `Main`: the server-level checks before the world sees a connection. Is this
 * gateway ready and accepting (else `maintenance`)? Does some shard have room (else
 * `worldfull`)?
 */
export class Main {
  constructor(
    private readonly registry: ShardRegistry,
    private readonly acceptingConnections: () => boolean,
  ) {}

  handleConnection(preferredWorld?: string): MainDecision {
    if (!this.acceptingConnections()) return { ok: false, reason: CloseReasons.Maintenance };
    const shard = this.registry.pick(preferredWorld);
    if (!shard) return { ok: false, reason: CloseReasons.WorldFull };
    return { ok: true, shard };
  }
}
