import { PeerLiveness, type Judgement } from '@shardgate/bus';
import type { ShardHeartbeat } from '@shardgate/protocol';

export interface ShardInfo {
  shard: string;
  serverId: number;
  players: number;
  capacity: number;
  accepting: boolean;
  /** Players this gateway sent since the shard's last heartbeat, so a burst cannot overfill it. */
  pending: number;
  /** The `gVer` the shard accepts, when its heartbeat says. */
  gameVersion?: string;
}

/**
 * The shards this gateway knows, from their heartbeats. Routing: the shard the client asked
 * for when it has room, else the least loaded shard that accepts. A shard silent for longer
 * than the timeout is forgotten and reported as lost (PeerLiveness: not while this gateway's
 * bus is down or right after its own event loop stalled).
 */
export class ShardRegistry {
  private readonly shards = new Map<string, ShardInfo>();
  private readonly liveness: PeerLiveness;

  /**
   * @param stallMs judge() calls further apart than this mean the gateway itself was stalled
   */
  constructor(
    timeoutMs: number,
    private readonly now: () => number = Date.now,
    stallMs = 2000,
  ) {
    this.liveness = new PeerLiveness(timeoutMs, stallMs);
  }

  update(heartbeat: ShardHeartbeat): void {
    this.shards.set(heartbeat.shard, {
      shard: heartbeat.shard,
      serverId: heartbeat.serverId,
      players: heartbeat.players,
      capacity: heartbeat.capacity,
      accepting: heartbeat.accepting,
      pending: 0,
      ...(heartbeat.gameVersion !== undefined ? { gameVersion: heartbeat.gameVersion } : {}),
    });
    this.liveness.seen(heartbeat.shard, this.now());
  }

  /**
   * A batch from the shard: as good a sign of life as a heartbeat. Under load a heartbeat can
   * wait behind many batches in the same connection; the batches prove the shard is there.
   */
  seen(shard: string): void {
    this.liveness.touch(shard, this.now());
  }

  /** The sweep timer starts now: a first sweep that comes late is a stall too. */
  begin(): void {
    this.liveness.begin(this.now());
  }

  /** When the shard was last heard from (heartbeat or batch), if it is known. */
  lastSeenAt(shard: string): number | undefined {
    return this.liveness.lastSeenAt(shard);
  }

  private hasRoom(info: ShardInfo): boolean {
    return info.accepting && info.players + info.pending < info.capacity;
  }

  /** The shard for a new player, or undefined when no shard has room (`worldfull`). */
  pick(preferred?: string): ShardInfo | undefined {
    if (preferred !== undefined) {
      const wanted = this.shards.get(preferred);
      if (wanted && this.hasRoom(wanted)) return wanted;
    }
    let best: ShardInfo | undefined;
    for (const info of this.shards.values()) {
      if (!this.hasRoom(info)) continue;
      if (!best || info.players + info.pending < best.players + best.pending) best = info;
    }
    return best;
  }

  /**
   * The game version a new client should send: that of the shard routing would give it now
   * (`pick`), else of any shard that says; undefined before any heartbeat says.
   */
  gameVersion(preferred?: string): string | undefined {
    const picked = this.pick(preferred)?.gameVersion;
    if (picked !== undefined) return picked;
    for (const info of this.shards.values()) if (info.gameVersion !== undefined) return info.gameVersion;
    return undefined;
  }

  reserve(shard: string): void {
    const info = this.shards.get(shard);
    if (info) info.pending += 1;
  }

  /**
   * The bus came back after an outage, or this process's event loop was stalled: heartbeats
   * could not arrive (or sit unread in the socket), so every known shard gets a full timeout
   * from now instead of being declared lost.
   */
  refresh(): void {
    this.liveness.refresh(this.now());
  }

  /**
   * Forgets the shards silent past the timeout and reports them, when a judgement can be made
   * (the bus is connected, and this call is not the first after a stall). Call it regularly.
   */
  judge(busConnected: boolean): Judgement {
    const judgement = this.liveness.judge(this.now(), busConnected);
    if (judgement.kind === 'judged') for (const { peer } of judgement.lost) this.shards.delete(peer);
    return judgement;
  }

  forget(shard: string): void {
    this.shards.delete(shard);
    this.liveness.forget(shard);
  }

  get size(): number {
    return this.shards.size;
  }

  list(): ShardInfo[] {
    return [...this.shards.values()];
  }
}
