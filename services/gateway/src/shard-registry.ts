import { PeerLiveness, type Judgement } from '@shardgate/bus';
import type { ShardHeartbeat } from '@shardgate/protocol';

export interface ShardInfo {
  shard: string;
  serverId: number;
  players: number;
  capacity: number;
  accepting: boolean;
  /**
   * Logins this gateway forwarded since the shard's last heartbeat: they take room, so that a
   * burst of players cannot be routed to a shard their logins already fill.
   */
  pending: number;
  /**
   * Connections this gateway sent since the shard's last heartbeat: they spread a burst over
   * the shards, but take no room (a connection takes a world slot at Login, on the shard).
   */
  opened: number;
  /** It owns its world's spawn region: new players of that world start there (no hand-off at login). */
  spawn: boolean;
  /** The process behind the id (ShardHeartbeat.boot), when it says. */
  boot?: string;
  /** The `gVer` the shard accepts, when its heartbeat says. */
  gameVersion?: string;
}

/**
 * The shards this gateway knows, from their heartbeats. Routing: the shard the client asked
 * for when it has room, else the least loaded shard that accepts (players plus what was sent
 * since its heartbeat). A shard silent for longer
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

  /**
   * Records a heartbeat. True when it comes from a new process under a known shard id (another
   * `boot`): the players routed to the old one are lost, whatever the silence says.
   */
  update(heartbeat: ShardHeartbeat): boolean {
    const before = this.shards.get(heartbeat.shard)?.boot;
    this.shards.set(heartbeat.shard, {
      shard: heartbeat.shard,
      serverId: heartbeat.serverId,
      players: heartbeat.players,
      capacity: heartbeat.capacity,
      accepting: heartbeat.accepting,
      pending: 0,
      opened: 0,
      spawn: heartbeat.spawn ?? false,
      ...(heartbeat.boot !== undefined ? { boot: heartbeat.boot } : {}),
      ...(heartbeat.gameVersion !== undefined ? { gameVersion: heartbeat.gameVersion } : {}),
    });
    this.liveness.seen(heartbeat.shard, this.now());
    return before !== undefined && heartbeat.boot !== undefined && before !== heartbeat.boot;
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

  /**
   * Room for one more player: the heartbeat's `players` (the shard's slots, taken at Login)
   * plus the logins sent since. Connections that have not logged in are not counted: silent
   * or handshaking sockets must not push real players into `worldfull`. The shard refuses
   * the Login past MAX_PLAYERS itself, so a guess here can never overfill it.
   */
  private hasRoom(info: ShardInfo): boolean {
    return info.accepting && info.players + info.pending < info.capacity;
  }

  private load(info: ShardInfo): number {
    return info.players + Math.max(info.pending, info.opened);
  }

  /**
   * The shard for a new player, or undefined when no shard has room (`worldfull`). `world`
   * names a world (SERVER_ID) or, as before worlds had several shards, a shard. Without one,
   * the least loaded world. Within the world: the shard that owns its spawn region when it has
   * room (the player appears there), else the least loaded one (it hands him over at login).
   */
  pick(world?: string): ShardInfo | undefined {
    const open = [...this.shards.values()].filter((info) => this.hasRoom(info));
    if (open.length === 0) return undefined;
    if (world !== undefined) {
      // A world first: a shard's id may look like a world's (both are numbers by default).
      const inWorld = open.filter((info) => String(info.serverId) === world);
      if (inWorld.length > 0) return this.within(inWorld);
      const byShard = open.find((info) => info.shard === world);
      if (byShard !== undefined) return byShard;
    }
    return this.within(this.leastLoadedWorld(open));
  }

  private within(shards: readonly ShardInfo[]): ShardInfo {
    const spawn = shards.find((info) => info.spawn);
    if (spawn !== undefined) return spawn;
    let best = shards[0]!;
    for (const info of shards) if (this.load(info) < this.load(best)) best = info;
    return best;
  }

  /** The accepting shards of the world with the lowest share of its capacity in use. */
  private leastLoadedWorld(open: readonly ShardInfo[]): ShardInfo[] {
    const worlds = new Map<number, { used: number; capacity: number; shards: ShardInfo[] }>();
    for (const info of open) {
      let w = worlds.get(info.serverId);
      if (w === undefined) worlds.set(info.serverId, (w = { used: 0, capacity: 0, shards: [] }));
      w.used += this.load(info);
      w.capacity += info.capacity;
      w.shards.push(info);
    }
    let best: { used: number; capacity: number; shards: ShardInfo[] } | undefined;
    for (const w of worlds.values()) if (best === undefined || w.used / w.capacity < best.used / best.capacity) best = w;
    return best!.shards;
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

  /** A connection was sent to the shard: it weighs the choice until the next heartbeat. */
  reserve(shard: string): void {
    const info = this.shards.get(shard);
    if (info) info.opened += 1;
  }

  /** A connection's Login was sent to the shard: it takes room until the next heartbeat counts it. */
  loggingIn(shard: string): void {
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

  get size(): number {
    return this.shards.size;
  }

  list(): ShardInfo[] {
    return [...this.shards.values()];
  }
}
