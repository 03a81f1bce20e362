import { EnvelopeError, HANDOFF_CAUSES, serializePacket, soleOwner, validatePacketData } from '@shardgate/protocol';
import type { CloseReason, HandoffCause, OwnershipTable, PeerMessage, PeerOp, RegionGrid } from '@shardgate/protocol';
import { Border } from './border';
import type { Logger } from '@shardgate/logger';
import type { ShardMetrics } from '@shardgate/metrics';
import { DeadlineQueue } from './deadlines';
import type { GameMap, Position } from './game-map';
import type { MapCodec } from './map-codec';
import { NetworkManager, type ConnectionHost, type Outgoing, type PublishBatch } from './network-manager';
import type { Outbox } from './outbox';
import { DEFAULT_MOVEMENT_SPEED, STEP_BURST } from './movement';
import { Player, newPlayerRecord } from './player';
import { readPlayerRecord } from './player-record-check';
import type { PlayerHost } from './player-host';
import type { RegionIndex } from './regions';
import { REJECT_REASONS, type RejectReason } from './reject-reason';
import { Visibility, type Seen } from './visibility';

export type { RejectReason } from './reject-reason';

export interface WorldOptions {
  map: GameMap;
  serverId: number;
  gameVersion: string;
  readyTimeoutMs: number;
  /** Players past Login this shard takes (MAX_PLAYERS); a Login beyond is closed with `worldfull`. Default: no bound. */
  maxPlayers?: number;
  /** Connected to Welcome, else `timeout` (HANDSHAKE_TIMEOUT_MS; 10 s by default). */
  handshakeTimeoutMs?: number;
  /** Milliseconds per tile for every player (MOVEMENT_SPEED_MS). */
  movementSpeedMs?: number;
  /** The shard's id on the bus, written into every ShardBatch. */
  shardId: string;
  publish: PublishBatch;
  /** See NetworkManagerOptions.batchBytes. */
  batchBytes?: number;
  metrics: ShardMetrics;
  logger: Logger;
  now?: () => number;
  /** Milliseconds since the process started (`performance.now`); tests pass a controllable one. */
  uptime?: () => number;
  random?: () => number;
  /** Who owns which region of the world; default: this shard owns them all. */
  table?: OwnershipTable;
  /** Messages for the world's other shards, one per shard per tick. Must not throw. */
  publishPeer?: (shard: string, message: PeerMessage) => void;
  /** Guest names; default Guest1, Guest2, ... counted by this shard. */
  guestName?: () => string;
  /** A handed-over player's gateway fences within this, else his held events go ahead anyway. */
  fenceTimeoutMs?: number;
}

/** Why a message from another shard was refused (the `reason` label of peerRejected). */
export type PeerRejection = 'malformed' | 'stranger' | 'stale' | 'unknown' | 'duplicate';
const PEER_REJECTIONS: readonly PeerRejection[] = ['malformed', 'stranger', 'stale', 'unknown', 'duplicate'];

/** Broadcasts owed to an arriving player are those since he left his old shard, minus this for clocks. */
const OWED_CLOCK_SLACK_MS = 50;

/** New players land on a random walkable tile this close to the spawn point (Chebyshev). */
export const SPAWN_RADIUS = 3;

/**
 * The seed's World: the map, the players, visibility, and the tick hook. It owns the
 * NetworkManager and points `connectionCallback` at its `handleConnection`. Players reach it
 * through PlayerHost only; it never writes a Player's fields.
 */
export class World implements ConnectionHost, PlayerHost {
  readonly map: GameMap;
  readonly network: NetworkManager;
  readonly visibility: Visibility<Player>;
  readonly players = new Map<string, Player>();
  readonly serverId: number;
  readonly gameVersion: string;
  /** The clock; while held events are replayed, the time each arrived (movement checks judge its pace then). */
  readonly now = (): number => this.replayingAt ?? this.clock();
  private readonly clock: () => number;
  private replayingAt: number | null = null;
  private readonly uptime: () => number;
  /** The seed's hook: an admitted connection enters here. False for a duplicate instance. */
  connectionCallback: (instance: string, ip: string, gateway: string) => boolean;
  private readonly readyTimeoutMs: number;
  readonly movementSpeedMs: number;
  private readonly readyDeadlines = new DeadlineQueue<Player>();
  /** Connected to Welcome (handshake and login) must happen by then: silent sockets cost slots. */
  private readonly loginDeadlines = new DeadlineQueue<Player>();
  private readonly handshakeTimeoutMs: number;
  private readonly maxPlayers: number;
  /** Players past Login: what MAX_PLAYERS counts. A silent socket holds none. */
  private readonly slots = new Set<Player>();
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly rejected: Record<RejectReason, { inc(): void }>;
  private readonly peerRejected: Record<PeerRejection, { inc(): void }>;
  private readonly metrics: ShardMetrics;
  private readonly publishPeer: (shard: string, message: PeerMessage) => void;
  private readonly fenceTimeoutMs: number;
  readonly border: Border;
  /** Set when players may stand in regions this shard does not own (a new table, a deferred hand-off). */
  private foreignCheck = false;
  /** Draining: every player goes to another shard of the world. */
  private draining = false;
  private guests = 0;
  /** Ids of the last operator teleports done here (a teleport may reach a shard twice during a hand-off). */
  private readonly teleportsDone: string[] = [];
  private readonly guestName: (() => string) | undefined;

  constructor(options: WorldOptions) {
    this.map = options.map;
    this.serverId = options.serverId;
    this.gameVersion = options.gameVersion;
    this.readyTimeoutMs = options.readyTimeoutMs;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.maxPlayers = options.maxPlayers ?? Number.POSITIVE_INFINITY;
    this.movementSpeedMs = options.movementSpeedMs ?? DEFAULT_MOVEMENT_SPEED;
    this.clock = options.now ?? Date.now;
    this.uptime = options.uptime ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    // Label children bound once: the hot path must not look labels up.
    const counter = options.metrics.packetsRejected;
    this.rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, counter.labels(r)])) as Record<RejectReason, { inc(): void }>;
    this.network = new NetworkManager({
      shardId: options.shardId,
      publish: options.publish,
      metrics: options.metrics,
      host: this,
      ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
    });
    this.guestName = options.guestName;
    this.metrics = options.metrics;
    this.publishPeer = options.publishPeer ?? (() => undefined);
    this.fenceTimeoutMs = options.fenceTimeoutMs ?? 5000;
    const peer = options.metrics.peerRejected;
    this.peerRejected = Object.fromEntries(PEER_REJECTIONS.map((r) => [r, peer.labels(r)])) as Record<PeerRejection, { inc(): void }>;
    this.border = new Border(options.shardId, this.map.grid, options.table ?? soleOwner(options.shardId, this.map.grid.count));
    this.visibility = new Visibility<Player>(this.map, this.network, this.border);
    this.reportOwnership();
    this.connectionCallback = (instance, ip, gateway) => this.network.handleConnection(instance, ip, gateway);
  }

  /** The map's regions: 48x48 tiles, row-major ids, 3x3 surroundings. */
  get grid(): RegionGrid {
    return this.map.grid;
  }

  /** ConnectionHost: where players in the world stand. */
  get regions(): RegionIndex<Player> {
    return this.visibility.regions;
  }

  get codec(): MapCodec {
    return this.visibility.codec;
  }

  /** ConnectionHost: NetworkManager.handleConnection calls this once the queue exists. */
  addPlayer(outbox: Outbox, ip: string): void {
    const now = this.now();
    const deadline = now + this.handshakeTimeoutMs;
    const player = new Player(this, outbox, newPlayerRecord(outbox.instance, ip, this.movementSpeedMs, now, deadline));
    this.players.set(player.instance, player);
    this.loginDeadlines.add(player, deadline);
    player.connected();
  }

  /**
   * A client packet from the gateway: re-validated, dispatched, never allowed to throw. For a
   * player handed to another shard it follows him; for one handed here it waits for his fence.
   */
  handleMessage(instance: string, id: number, data: unknown): void {
    // Held first: events behind a fence keep their order even if he moved on meanwhile.
    if (this.border.holdBack(instance, [id, data], this.clock(), false)) return;
    const player = this.players.get(instance);
    if (player !== undefined) return this.apply(player, id, data);
    const shard = this.border.whereIs(instance);
    if (shard !== undefined) return this.border.push(shard, ['e', instance, id, data, this.clock()]);
    this.reject('player');
  }

  private apply(player: Player, id: number, data: unknown): void {
    const instance = player.instance;
    const packet = validatePacketData(id, data);
    if (packet === null) return this.reject('data');
    try {
      player.handle(packet);
    } catch (err) {
      this.reject('error');
      this.logger.error({ err, instance, packet: id }, 'packet handler failed');
    }
  }

  /** The gateway closed the connection (or vanished): despawn and forget. */
  handleDisconnect(instance: string): void {
    if (this.border.holdBack(instance, null, this.clock(), false)) return;
    const player = this.players.get(instance);
    if (player !== undefined) return this.disconnect(player);
    const shard = this.border.whereIs(instance);
    if (shard !== undefined) return this.border.push(shard, ['c', instance]);
    this.network.drop(instance);
  }

  /** The gateway routes `instance` to his new shard now: the fence follows him there. */
  handleFence(instance: string): void {
    const fence = this.border.fenced(instance);
    if (fence === undefined) return this.rejectPeer('unknown');
    if ('to' in fence) this.border.push(fence.to, ['f', instance]);
  }

  private disconnect(player: Player): void {
    const instance = player.instance;
    try {
      player.disconnected();
    } catch (err) {
      this.reject('error');
      this.logger.error({ err, instance }, 'disconnect handler failed');
      this.forgetPlayer(player);
      this.network.drop(instance);
    }
  }

  /**
   * The game update of one tick: login and Ready deadlines, overdue fences, players standing
   * in another shard's regions. Cost proportional to what expired (and, after a change of
   * ownership, to the players once).
   */
  tick(): void {
    const now = this.now();
    for (const instance of this.border.overdue(now - this.fenceTimeoutMs)) {
      this.logger.warn({ instance }, 'no fence from the gateway in time: held events go ahead');
      this.releaseHeld(instance);
    }
    if (this.foreignCheck || this.draining) this.handOffForeign();
    for (const player of this.loginDeadlines.expire(now)) {
      if (this.players.get(player.instance) !== player) continue; // handed to another shard
      const state = player.state;
      if (player.loginTimedOut()) this.logger.info({ instance: player.instance, ip: player.ip, state }, 'no login before the handshake deadline');
    }
    for (const player of this.readyDeadlines.expire(now)) {
      if (this.players.get(player.instance) !== player) continue;
      try {
        player.readyTimedOut();
      } catch (err) {
        this.reject('error');
        this.logger.error({ err, instance: player.instance }, 'ready timeout failed');
      }
    }
  }

  /**
   * Closes every connection with `reason` (shutdown). No Despawns: everyone is leaving, and
   * despawning each player to all the others would cost players x players pushes.
   */
  closeAll(reason: CloseReason): void {
    for (const player of this.players.values()) {
      player.markClosed();
      this.visibility.forget(player);
      this.network.close(player.instance, reason);
    }
    this.players.clear();
    this.slots.clear();
  }

  /** Players holding a slot (past Login): what MAX_PLAYERS counts and heartbeats report. */
  get loggedIn(): number {
    return this.slots.size;
  }

  /**
   * An operator's teleport of a player held here; one handed to another shard meanwhile is
   * followed there. `id` (the admin command's) makes it happen once however it arrives.
   * 'moved': teleported here; 'followed': sent on; 'refused': not in the world or not walkable;
   * 'unknown': not here; 'done': already done (the same command by another way).
   */
  teleport(instance: string, x: number, y: number, id?: string): 'moved' | 'followed' | 'refused' | 'unknown' | 'done' {
    if (id !== undefined && this.teleportsDone.includes(id)) return 'done';
    const player = this.players.get(instance);
    if (player === undefined) {
      const next = this.border.whereIs(instance);
      if (next === undefined || id === undefined) return 'unknown';
      this.border.push(next, ['t', instance, x, y, id]);
      return 'followed';
    }
    if (id !== undefined) {
      this.teleportsDone.push(id);
      if (this.teleportsDone.length > 256) this.teleportsDone.shift();
    }
    return player.teleport(x, y) ? 'moved' : 'refused';
  }

  /** Instances of the players in the world (after Ready). */
  inWorld(): string[] {
    const instances: string[] = [];
    for (const p of this.players.values()) if (p.inWorld) instances.push(p.instance);
    return instances;
  }

  /**
   * The Handshake's `serverTime`: Kaetram's `~~performance.now()` (int32 milliseconds since the
   * process started), the base the client's step timestamps are kept in. Epoch milliseconds
   * would not fit an int32.
   */
  serverTime(): number {
    return ~~this.uptime();
  }

  reject(reason: RejectReason): void {
    this.rejected[reason].inc();
  }

  // --- PlayerHost ------------------------------------------------------------------------

  send(instance: string, packet: Outgoing): void {
    this.network.send(instance, packet);
  }

  sendSerialized(instance: string, serialized: string): void {
    this.network.sendSerialized(instance, serialized);
  }

  sendImmediate(instance: string, packet: Outgoing): void {
    this.network.sendImmediate(instance, packet);
  }

  close(instance: string, reason: CloseReason): void {
    this.network.close(instance, reason);
  }

  drop(instance: string): void {
    this.network.drop(instance);
  }

  sendAround(region: number, packet: Outgoing, ignore?: string): void {
    // A shard alone in its world pays nothing more.
    if (this.border.alone) return this.network.sendToSurroundingRegions(region, packet, ignore);
    const text = typeof packet === 'string' ? packet : serializePacket(packet);
    this.network.sendToSurroundingRegions(region, text, ignore);
    const others = this.border.tellAround(region, text, ignore, this.clock());
    if (others > 0) this.metrics.borderPackets.inc(others);
  }

  inViewOf(region: number, except?: Player): Seen[] {
    return this.visibility.inViewOf(region, except);
  }

  visibleFrom(region: number, instance: string): Seen | undefined {
    return this.visibility.visibleFrom(region, this.players.get(instance), instance);
  }

  /** Ready: into the world here, or, when his spot belongs to another shard, into the world there. */
  enter(player: Player): void {
    const region = this.map.grid.regionAt(player.x, player.y);
    if (this.border.owns(region)) return this.visibility.enter(player);
    this.handOff(player, this.border.ownerOf(region), -1, 'walk');
  }

  relocate(player: Player, cause: 'walk' | 'teleport'): void {
    const moved = this.visibility.relocate(player);
    if (moved.kind === 'away') this.handOff(player, this.border.ownerOf(moved.to), moved.from, cause);
  }

  leave(player: Player): void {
    this.visibility.leave(player);
    this.forgetPlayer(player);
  }

  /** Registers the Ready deadline; returns it. */
  expectReady(player: Player): number {
    const deadline = this.now() + this.readyTimeoutMs;
    this.readyDeadlines.add(player, deadline);
    return deadline;
  }

  /** A slot for a player logging in; false when the world is full (`worldfull`). */
  takeSlot(player: Player): boolean {
    if (this.slots.size >= this.maxPlayers) return false;
    this.slots.add(player);
    return true;
  }

  nextGuestName(): string {
    if (this.guestName !== undefined) return this.guestName();
    this.guests += 1;
    return `Guest${this.guests}`;
  }

  /** A random walkable tile near the one spawn point, so that new players see each other. */
  spawnPosition(): Position {
    const { spawn } = this.map;
    for (let attempt = 0; attempt < 16; attempt++) {
      const x = spawn.x + Math.floor(this.random() * (2 * SPAWN_RADIUS + 1)) - SPAWN_RADIUS;
      const y = spawn.y + Math.floor(this.random() * (2 * SPAWN_RADIUS + 1)) - SPAWN_RADIUS;
      if (this.map.walkable(x, y)) return { x, y };
    }
    return { x: spawn.x, y: spawn.y };
  }

  // --- the world's other shards --------------------------------------------------------------

  /** A new ownership table for the world (from the shared store). */
  applyTable(table: OwnershipTable): void {
    if (table.epoch <= this.border.epoch) return;
    this.border.apply(table, this.clock());
    this.foreignCheck = true;
    this.reportOwnership();
    // Ghost interest changes with the owners: every player near a new border is told again.
    for (const player of this.players.values()) if (player.region >= 0) this.border.track(player, player.region);
  }

  /** Every player leaves for the world's other shards (SIGTERM with other shards alive). */
  drain(): void {
    this.draining = true;
  }

  /** Players still here (after a drain: those not handed over yet). */
  get held(): number {
    return this.players.size;
  }

  /** Messages for other shards collected this tick: out after the gateways' batches (so their `moves` come first). */
  flushPeers(): void {
    for (const [shard, message] of this.border.drain()) this.publishPeer(shard, message);
  }

  /** A message from another shard of the world: every op applied in order, bad ones counted. */
  receivePeer(message: PeerMessage): void {
    if (!this.border.knows(message.from, this.clock()) || message.from === this.border.self) return this.rejectPeer('stranger');
    // Written under a table two or more changes old: its broadcasts and ghosts describe a world
    // that is gone and are refused; what carries a player (his hand-off, his late events, his
    // fence, a teleport for him) is taken all the same: refusing it would lose him.
    const stale = message.epoch < this.border.oldestEpoch;
    if (stale) this.logger.warn({ from: message.from, epoch: message.epoch, ours: this.border.epoch }, 'stale peer message: only its players taken');
    for (const op of message.ops) {
      if (stale && (op[0] === 'a' || op[0] === 'g' || op[0] === 'x')) {
        this.rejectPeer('stale');
        continue;
      }
      try {
        this.applyPeerOp(message.from, op);
      } catch (err) {
        this.rejectPeer('malformed');
        this.logger.error({ err, from: message.from, op: op[0] }, 'peer op failed');
      }
    }
  }

  private applyPeerOp(from: string, op: PeerOp): void {
    switch (op[0]) {
      case 'a':
        this.border.heard(from, op[4]);
        return this.network.sendToRegions(op[1], op[2], op[3] ?? undefined);
      case 'g':
        if (this.players.has(op[1])) return; // he is ours now; his old shard had not heard yet
        return this.border.upsertGhost(from, op[1], op[2], op[3]);
      case 'x':
        if (this.border.ghost(op[1])?.holder === from) this.border.forgetGhost(op[1]);
        return;
      case 'h':
        return this.adopt(from, op);
      case 'e': {
        if (this.border.holdBack(op[1], [op[2], op[3]], op[4], true)) return;
        const player = this.players.get(op[1]);
        if (player !== undefined) return this.replay(op[4], () => this.apply(player, op[2], op[3]));
        const next = this.border.whereIs(op[1]);
        if (next !== undefined) return this.border.push(next, op);
        return this.rejectPeer('unknown');
      }
      case 'c': {
        if (this.border.holdBack(op[1], null, this.clock(), true)) return;
        const player = this.players.get(op[1]);
        if (player !== undefined) return this.disconnect(player);
        const next = this.border.whereIs(op[1]);
        if (next !== undefined) return this.border.push(next, op);
        return this.rejectPeer('unknown');
      }
      case 'f':
        if (!this.border.awaitingFence(op[1])) return this.rejectPeer('unknown');
        return this.releaseHeld(op[1]);
      case 't': {
        const outcome = this.teleport(op[1], op[2], op[3], op[4]);
        if (outcome === 'unknown') this.rejectPeer('unknown');
        else this.logger.info({ instance: op[1], x: op[2], y: op[3], outcome }, 'operator teleport followed a hand-off');
        return;
      }
    }
  }

  /** A player handed over by `from`: his queue, his place, the second half of his region change. */
  private adopt(from: string, op: Extract<PeerOp, { 0: 'h' }>): void {
    const [, raw, gateway, pending, fromRegion, cause, sentAt, seen] = op;
    let record;
    try {
      record = readPlayerRecord(raw, this.map.grid.count);
    } catch (err) {
      this.logger.warn({ err: err instanceof EnvelopeError ? err.message : err, from }, 'malformed hand-off refused');
      return this.rejectPeer('malformed');
    }
    if (record.state === 'ready' && !this.map.contains(record.x, record.y)) {
      this.logger.warn({ from, instance: record.instance }, 'hand-off of a player off the map refused');
      return this.rejectPeer('malformed');
    }
    if (this.players.has(record.instance) || this.network.has(record.instance)) return this.rejectPeer('duplicate');
    const outbox = this.network.adopt(record.instance, gateway, pending);
    if (outbox === undefined) return this.rejectPeer('duplicate');
    // The step budget changes clocks with the shard, and the hand-over itself bunches steps
    // (those held behind the fence arrive together): a full burst, as a new connection has,
    // keeps an honest walker from being sent back at every border (measured: 1 refusal per
    // crossing without it, on a loaded machine). A cheat gains at most one burst per crossing.
    const player = new Player(this, outbox, { ...record, steps: { credits: STEP_BURST, refilledAt: Math.min(record.steps.refilledAt, this.clock()) } });
    this.players.set(player.instance, player);
    // A logged-in player keeps his slot across the move, even past MAX_PLAYERS here: a
    // hand-over must never fail (the world's admission counted him already).
    if (player.state === 'welcomed' || player.state === 'ready') this.slots.add(player);
    if (player.state === 'connected' || player.state === 'handshaken') this.loginDeadlines.add(player, record.loginDeadline);
    if (player.state === 'welcomed') this.readyDeadlines.add(player, record.readyDeadline);
    if (player.state === 'ready') {
      this.visibility.arrive(player, fromRegion);
      // What our players said or did in his sight while he was on his way: his old shard had
      // not had it (after `seen`), and we did not hold him yet. (A small allowance for clocks.)
      for (const text of this.border.owed(player.region, player.instance, seen, sentAt - OWED_CLOCK_SLACK_MS)) this.network.send(player.instance, text);
    }
    this.border.expectFence(player.instance, this.now());
    this.foreignCheck = true;
    this.metrics.handoffsReceived.inc();
    this.metrics.handoffSeconds.observe(Math.max(0, this.clock() - sentAt) / 1000);
    this.logger.debug({ instance: player.instance, from, cause }, 'player handed over');
  }

  /**
   * Sends `player` to `shard` with everything he is (record, unsent packets), after the first
   * half of any region change (from `from`) was done here. His gateway learns it in this tick's
   * batch; his old neighbours' copies of him are kept or dropped as the new place requires.
   */
  private handOff(player: Player, shard: string, from: number, cause: HandoffCause): void {
    const detached = this.network.detach(player.instance, shard);
    this.forgetPlayer(player);
    this.visibility.regions.remove(player);
    if (detached === undefined) return; // closing already: nothing to hand over
    const record = player.toRecord();
    const to = player.inWorld ? this.map.grid.regionAt(player.x, player.y) : -1;
    if (from >= 0) {
      const still = to >= 0 ? this.border.othersAround(to) : [];
      for (const other of this.border.othersAround(from)) if (other !== shard && !still.includes(other)) this.border.push(other, ['x', player.instance]);
      // We may still see him from our regions: he stays here as a ghost until his new shard says otherwise.
      if (to >= 0 && this.ownsAnyAround(to)) this.border.upsertGhost(shard, player.instance, to, player.spawnPacket());
    }
    this.border.push(shard, ['h', record, detached.gateway, detached.pending, from, cause, this.clock(), this.border.lastHeardFrom(shard)]);
    this.border.handedTo(player.instance, shard);
    this.metrics.handoffs.labels(HANDOFF_CAUSES.includes(cause) ? cause : 'walk').inc();
  }

  /** Players standing where another shard owns (or everyone, draining), handed over once their fence is in. */
  private handOffForeign(): void {
    let deferred = false;
    const others = this.border.current.shards.filter((s) => s !== this.border.self);
    const spawnRegion = this.map.grid.regionAt(this.map.spawn.x, this.map.spawn.y);
    for (const player of [...this.players.values()]) {
      if (player.state === 'closed') continue;
      const region = player.inWorld ? player.region : -1;
      // Where he belongs: the owner of where he stands; draining, anyone's (those not in the
      // world yet go to the spawn region's owner, where they will appear).
      let target = region >= 0 ? this.border.ownerOf(region) : this.draining ? this.border.ownerOf(spawnRegion) : undefined;
      if (this.draining && target === this.border.self) target = others[0];
      if (target === undefined || target === this.border.self) continue;
      if (this.border.awaitingFence(player.instance)) {
        deferred = true;
        continue;
      }
      this.handOff(player, target, region, this.draining ? 'drain' : 'rebalance');
    }
    this.foreignCheck = deferred;
    if (!deferred && this.border.settling) this.border.settle();
  }


  /** Applies what waited for the fence; what arrives after he moved on follows him, fence last. */
  private releaseHeld(instance: string): void {
    const { events, gatewayFenced } = this.border.release(instance);
    for (const { at, packet } of events) {
      const player = this.players.get(instance);
      if (player !== undefined) {
        this.replay(at, () => (packet === null ? this.disconnect(player) : this.apply(player, packet[0], packet[1])));
        continue;
      }
      const next = this.border.whereIs(instance);
      if (next === undefined) break;
      this.border.push(next, packet === null ? ['c', instance] : ['e', instance, packet[0], packet[1], at]);
    }
    if (gatewayFenced) this.handleFence(instance);
  }

  /** Runs `fn` as of `at`: events that waited (or came the long way) keep the pace they were sent at. */
  private replay(at: number, fn: () => void): void {
    this.replayingAt = Math.min(at, this.clock());
    try {
      fn();
    } finally {
      this.replayingAt = null;
    }
  }

  private ownsAnyAround(region: number): boolean {
    return this.map.grid.surrounding(region).some((r) => this.border.owns(r));
  }

  /** A message from another shard refused before it reached the world (it did not decode). */
  refusePeer(reason: PeerRejection): void {
    this.rejectPeer(reason);
  }

  /** Whether this shard owns the region new players appear in. */
  get ownsSpawn(): boolean {
    return this.border.owns(this.map.grid.regionAt(this.map.spawn.x, this.map.spawn.y));
  }

  /** Players handed away whose gateway has not fenced yet (a drain waits for them). */
  get unfenced(): number {
    return this.border.unfenced;
  }

  private rejectPeer(reason: PeerRejection): void {
    this.peerRejected[reason].inc();
  }

  private reportOwnership(): void {
    this.metrics.regionsOwned.set(this.border.regionsOwned());
    this.metrics.ownershipEpoch.set(this.border.epoch);
  }

  private forgetPlayer(player: Player): void {
    this.slots.delete(player);
    if (this.players.get(player.instance) === player) this.players.delete(player.instance);
  }
}
