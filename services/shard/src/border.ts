import type { OwnershipTable, PeerMessage, PeerOp, RegionGrid } from '@shardgate/protocol';
import { RegionIndex, type RegionMember } from './regions';

/** A player of another shard standing near this shard's regions: enough to List, Who and Spawn him. */
export class Ghost implements RegionMember {
  region = -1;
  slot = -1;
  constructor(
    readonly instance: string,
    /** The shard that holds him. */
    public holder: string,
    private spawn: string,
  ) {}

  spawnPacket(): string {
    return this.spawn;
  }

  update(holder: string, spawn: string): void {
    this.holder = holder;
    this.spawn = spawn;
  }
}

/** A client event that waits for its player's fence: when it arrived, and the packet (null: a close). */
export interface HeldEvent {
  at: number;
  packet: [id: number, data: unknown] | null;
}

/** What one player of this shard looks like to the border: where he stands, his Spawn. */
export interface Tracked {
  readonly instance: string;
  readonly region: number;
  spawnPacket(): string;
}

const NO_SHARDS: readonly string[] = Object.freeze([]);

/** Own broadcasts kept for players arriving by hand-off (a few seconds of chat and movement). */
const RECENT_BROADCASTS = 4096;

/** How long a shard that left the world is still heard (its drain's hand-offs and fences). */
export const DEPARTED_GRACE_MS = 60_000;

/**
 * This shard's side of its world's borders. It knows who owns which region (the current
 * ownership table, and the previous one while players still move between them), keeps the
 * ghosts (players of other shards within sight of this shard's regions), and collects what
 * this shard has for each other shard during a tick: broadcasts for players near a border,
 * ghost updates, hand-offs. Pure state: the world decides, the shard sends.
 *
 * The rule that makes a border invisible: a packet TO a player is queued by the shard that
 * holds him; a packet ABOUT a player (his Move, Chat, Spawn, Despawn) goes from his shard to
 * every shard owning a region in its area, and each delivers it to the players it holds
 * there. Every player is held by exactly one shard, so each gets it exactly once.
 */
export class Border {
  readonly ghosts: RegionIndex<Ghost>;
  private readonly byInstance = new Map<string, Ghost>();
  private table: OwnershipTable;
  private previous: OwnershipTable | null = null;
  // The epoch before the current one: messages written under it are still current enough.
  private before: number;
  private readonly departed = new Map<string, number>();
  // Other shards owning a region in each region's 3x3 view (current and previous table).
  private viewOwners: Array<readonly string[]> = [];
  private outgoing = new Map<string, PeerOp[]>();
  // This shard's broadcasts are numbered; what each peer last sent us is remembered, and our
  // own recent ones are kept a while: a player handed to us is owed those we made while he
  // was on his way (his old shard had not had them, and we did not hold him yet).
  private seq = 0;
  private readonly lastFrom = new Map<string, number>();
  private readonly recent: Array<{ seq: number; at: number; region: number; text: string; ignore: string | null }> = [];

  /** Players handed away whose gateway has not fenced yet: their late events follow them. */
  private readonly movedTo = new Map<string, string>();
  /** Players handed here whose gateway has not fenced yet: their direct events wait. */
  private readonly waiting = new Map<string, { since: number; forwarded: HeldEvent[]; direct: HeldEvent[]; gatewayFenced: boolean }>();

  constructor(
    readonly self: string,
    private readonly grid: RegionGrid,
    table: OwnershipTable,
  ) {
    this.ghosts = new RegionIndex<Ghost>(grid);
    this.table = table;
    this.before = table.epoch;
    this.recompute();
  }

  get epoch(): number {
    return this.table.epoch;
  }

  get current(): OwnershipTable {
    return this.table;
  }

  /** True while this shard is the world's only one and no transition is under way: borders cost nothing. */
  get alone(): boolean {
    return this.table.shards.length === 1 && this.previous === null;
  }

  owns(region: number): boolean {
    return this.table.owns(this.self, region);
  }

  ownerOf(region: number): string {
    return this.table.ownerOf(region);
  }

  regionsOwned(): number {
    const { from, to } = this.table.rangeOf(this.self);
    return to - from;
  }

  /**
   * A new table: the old one keeps counting for routing until `settle()`, and shards that left
   * stay known for `DEPARTED_GRACE_MS` (a draining shard still sends its players and their
   * late events, and its hand-offs may be in flight when the table arrives).
   */
  apply(table: OwnershipTable, now: number): void {
    if (table.epoch <= this.table.epoch) return;
    for (const shard of this.table.shards) if (!table.shards.includes(shard)) this.departed.set(shard, now);
    for (const shard of table.shards) this.departed.delete(shard);
    this.before = this.table.epoch;
    this.previous = this.table;
    this.table = table;
    this.recompute();
    // Ghosts held by shards that left the world are gone with them.
    for (const ghost of [...this.byInstance.values()]) if (!table.shards.includes(ghost.holder)) this.forgetGhost(ghost.instance);
  }

  /** The transition is over: route by the current table alone. */
  settle(): void {
    if (this.previous === null) return;
    this.previous = null;
    this.recompute();
  }

  get settling(): boolean {
    return this.previous !== null;
  }

  /** Whether `shard` is a member of the world, or left it recently enough to be heard out. */
  knows(shard: string, now: number): boolean {
    if (this.table.shards.includes(shard) || (this.previous?.shards.includes(shard) ?? false)) return true;
    const left = this.departed.get(shard);
    return left !== undefined && now - left <= DEPARTED_GRACE_MS;
  }

  /** The oldest epoch still accepted from a peer: the table before the current one. */
  get oldestEpoch(): number {
    return this.before;
  }

  /** Other shards that may hold players in view of `region`. */
  othersAround(region: number): readonly string[] {
    return this.viewOwners[region] ?? NO_SHARDS;
  }

  /** Other shards that may hold players standing in any of `regions`. */
  othersIn(regions: readonly number[]): string[] {
    const found = new Set<string>();
    for (const r of regions) {
      const owner = this.table.ownerOf(r);
      if (owner !== this.self) found.add(owner);
      const before = this.previous?.ownerOf(r);
      if (before !== undefined && before !== this.self) found.add(before);
    }
    return [...found];
  }

  /**
   * A packet about one of this shard's players, for the players other shards hold around
   * `region`. In a world of several shards it is numbered and kept a while (`owed`), whether
   * or not another shard sees the region now.
   */
  tellAround(region: number, text: string, ignore: string | undefined, now: number): number {
    if (this.alone) return 0;
    const seq = ++this.seq;
    this.recent.push({ seq, at: now, region, text, ignore: ignore ?? null });
    if (this.recent.length > RECENT_BROADCASTS) this.recent.splice(0, this.recent.length - RECENT_BROADCASTS);
    const shards = this.othersAround(region);
    if (shards.length === 0) return 0;
    const regions = this.grid.surrounding(region) as number[];
    for (const shard of shards) this.push(shard, ['a', regions, text, ignore ?? null, seq]);
    return shards.length;
  }

  /** The same for the players standing in `regions` (a region change's gone or entered set). */
  tellIn(regions: readonly number[], text: string, ignore?: string): number {
    if (regions.length === 0) return 0;
    const shards = this.othersIn(regions);
    for (const shard of shards) this.push(shard, ['a', [...regions], text, ignore ?? null, this.seq]);
    return shards.length;
  }

  /** A peer's broadcast numbered `seq` reached us. */
  heard(shard: string, seq: number): void {
    if (seq > (this.lastFrom.get(shard) ?? 0)) this.lastFrom.set(shard, seq);
  }

  /** The last of `shard`'s broadcasts we had (a hand-off to it says so). */
  lastHeardFrom(shard: string): number {
    return this.lastFrom.get(shard) ?? 0;
  }

  /**
   * Our broadcasts a player handed to us (now in `region`) missed on his way: after `seen`
   * (the last of ours his old shard had), not before he left (`since`), in view of his region.
   */
  owed(region: number, instance: string, seen: number, since: number): string[] {
    const view = this.grid.surrounding(region);
    const texts: string[] = [];
    for (const b of this.recent) {
      if (b.seq > seen && b.at >= since && b.ignore !== instance && view.includes(b.region)) texts.push(b.text);
    }
    return texts;
  }

  /**
   * One of this shard's players stands in `player.region` now (-1: left the world), having
   * stood in `before` (-1: was not in the world here). Shards that see him get his Spawn as
   * a ghost; shards that no longer see him forget him.
   */
  track(player: Tracked, before: number): void {
    const now = player.region >= 0 ? this.othersAround(player.region) : NO_SHARDS;
    if (before >= 0) for (const shard of this.othersAround(before)) if (!now.includes(shard)) this.push(shard, ['x', player.instance]);
    if (now.length === 0) return;
    const spawn = player.spawnPacket();
    for (const shard of now) this.push(shard, ['g', player.instance, player.region, spawn]);
  }

  /** Another shard's player, as it told us. */
  upsertGhost(holder: string, instance: string, region: number, spawn: string): void {
    if (region >= this.grid.count) return;
    let ghost = this.byInstance.get(instance);
    if (ghost === undefined) this.byInstance.set(instance, (ghost = new Ghost(instance, holder, spawn)));
    else ghost.update(holder, spawn);
    if (ghost.region !== region) this.ghosts.add(ghost, region);
  }

  forgetGhost(instance: string): void {
    const ghost = this.byInstance.get(instance);
    if (ghost === undefined) return;
    this.ghosts.remove(ghost);
    this.byInstance.delete(instance);
  }

  ghost(instance: string): Ghost | undefined {
    return this.byInstance.get(instance);
  }

  get ghostCount(): number {
    return this.byInstance.size;
  }

  // --- hand-offs and fences ------------------------------------------------------------------

  /** A player left for `shard`: what still reaches us of his follows him until the fence. */
  handedTo(instance: string, shard: string): void {
    this.movedTo.set(instance, shard);
  }

  /** Where a player we handed away went, while his gateway may still send to us. */
  whereIs(instance: string): string | undefined {
    return this.movedTo.get(instance);
  }

  /**
   * The gateway fenced: nothing more of this player comes through us. Returns where the fence
   * goes now; undefined when we never handed him away, or when we still wait for our own fence
   * (then it goes on with our held events, in `release`).
   */
  fenced(instance: string): { to: string } | { deferred: true } | undefined {
    const shard = this.movedTo.get(instance);
    if (shard === undefined) return undefined;
    const waiting = this.waiting.get(instance);
    if (waiting !== undefined) {
      waiting.gatewayFenced = true;
      return { deferred: true };
    }
    this.movedTo.delete(instance);
    return { to: shard };
  }

  /** A player arrived here: his gateway's own events wait for the fence his old shard will pass on. */
  expectFence(instance: string, now: number): void {
    this.movedTo.delete(instance);
    this.waiting.set(instance, { since: now, forwarded: [], direct: [], gatewayFenced: false });
  }

  /**
   * Whether an event for `instance` must wait for his fence (it is kept, in order). Both kinds
   * wait: those his old shard passes on go first, then his gateway's own. Applying nothing
   * before the fence also means a player is never handed on while a fence is still owed to
   * him, so hand-offs never chain. Null packet: a close.
   */
  holdBack(instance: string, packet: [number, unknown] | null, at: number, forwarded: boolean): boolean {
    const waiting = this.waiting.get(instance);
    if (waiting === undefined) return false;
    (forwarded ? waiting.forwarded : waiting.direct).push({ at, packet });
    return true;
  }

  /**
   * The fence arrived (or waited too long): the held events, in order, and whether a later
   * fence from the gateway (for a hand-off onwards) waited behind them.
   */
  release(instance: string): { events: HeldEvent[]; gatewayFenced: boolean } {
    const waiting = this.waiting.get(instance);
    this.waiting.delete(instance);
    if (waiting === undefined) return { events: [], gatewayFenced: false };
    return { events: [...waiting.forwarded, ...waiting.direct], gatewayFenced: waiting.gatewayFenced };
  }

  /** Players that have waited for their fence since before `cutoff`. */
  overdue(cutoff: number): string[] {
    const late: string[] = [];
    for (const [instance, { since }] of this.waiting) if (since < cutoff) late.push(instance);
    return late;
  }

  awaitingFence(instance: string): boolean {
    return this.waiting.has(instance);
  }

  get unfenced(): number {
    return this.movedTo.size;
  }

  get fenceWaiting(): number {
    return this.waiting.size;
  }

  // --- what goes out ---------------------------------------------------------------------------

  push(shard: string, op: PeerOp): void {
    let ops = this.outgoing.get(shard);
    if (ops === undefined) this.outgoing.set(shard, (ops = []));
    ops.push(op);
  }

  /** This tick's messages, one per shard, in the order their ops were pushed. */
  drain(): Array<[shard: string, message: PeerMessage]> {
    if (this.outgoing.size === 0) return [];
    const out: Array<[string, PeerMessage]> = [];
    for (const [shard, ops] of this.outgoing) out.push([shard, { from: this.self, epoch: this.table.epoch, ops }]);
    this.outgoing = new Map();
    return out;
  }

  private recompute(): void {
    const owners: Array<readonly string[]> = new Array(this.grid.count);
    for (let r = 0; r < this.grid.count; r++) {
      const found = this.othersIn(this.grid.surrounding(r));
      owners[r] = found.length === 0 ? NO_SHARDS : Object.freeze(found);
    }
    this.viewOwners = owners;
  }
}
