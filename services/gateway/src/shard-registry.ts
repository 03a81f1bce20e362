import type { ShardHeartbeat } from '@shardgate/protocol';

export interface ShardInfo {
  shard: string;
  serverId: number;
  players: number;
  capacity: number;
  accepting: boolean;
  lastSeen: number;
  /** Players this gateway sent since the shard's last heartbeat, so a burst cannot overfill it. */
  pending: number;
}

/**
 * The shards this gateway knows, from their heartbeats. Routing: the shard the client asked
 * for when it has room, else the least loaded shard that accepts. A shard silent for longer
 * than the timeout is forgotten and reported as lost.
 */
export class ShardRegistry {
  private readonly shards = new Map<string, ShardInfo>();

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  update(heartbeat: ShardHeartbeat): void {
    this.shards.set(heartbeat.shard, {
      shard: heartbeat.shard,
      serverId: heartbeat.serverId,
      players: heartbeat.players,
      capacity: heartbeat.capacity,
      accepting: heartbeat.accepting,
      lastSeen: this.now(),
      pending: 0,
    });
  }

  /**
   * A batch from the shard: as good a sign of life as a heartbeat. Under load a heartbeat can
   * wait behind many batches in the same connection; the batches prove the shard is there.
   */
  seen(shard: string): void {
    const info = this.shards.get(shard);
    if (info) info.lastSeen = this.now();
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
    const now = this.now();
    for (const info of this.shards.values()) info.lastSeen = now;
  }

  /** Forgets shards silent past the timeout and returns their ids. */
  sweep(): string[] {
    const lost: string[] = [];
    const deadline = this.now() - this.timeoutMs;
    for (const [id, info] of this.shards) {
      if (info.lastSeen < deadline) {
        this.shards.delete(id);
        lost.push(id);
      }
    }
    return lost;
  }

  forget(shard: string): void {
    this.shards.delete(shard);
  }

  get size(): number {
    return this.shards.size;
  }

  list(): ShardInfo[] {
    return [...this.shards.values()];
  }
}
