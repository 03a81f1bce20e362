import { CloseReasons, validatePacketData } from '@shardgate/protocol';
import type { CloseReason, RegionGrid } from '@shardgate/protocol';
import type { Logger } from '@shardgate/logger';
import type { ShardMetrics } from '@shardgate/metrics';
import { DeadlineQueue } from './deadlines';
import type { GameMap, Position } from './game-map';
import { MapCodec } from './map-codec';
import { NetworkManager, type ConnectionHost, type PublishBatch } from './network-manager';
import type { Outbox } from './outbox';
import { DEFAULT_MOVEMENT_SPEED } from './movement';
import { Player } from './player';
import { RegionIndex } from './regions';
import { changeRegion, enterWorld, leaveWorld } from './visibility';
import * as P from './packets';

/** Why the shard dropped a client packet or event (the `reason` label of packetsRejected). */
export type RejectReason = 'state' | 'data' | 'player' | 'movement' | 'error' | 'envelope';
const REJECT_REASONS: readonly RejectReason[] = ['state', 'data', 'player', 'movement', 'error', 'envelope'];

export interface WorldOptions {
  map: GameMap;
  serverId: number;
  gameVersion: string;
  readyTimeoutMs: number;
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
}

/** New players land on a random walkable tile this close to the spawn point (Chebyshev). */
export const SPAWN_RADIUS = 3;

/**
 * The seed's World: the map, the players, region membership, and the tick hook. It owns
 * the NetworkManager and points `connectionCallback` at its `handleConnection`.
 */
export class World implements ConnectionHost {
  readonly map: GameMap;
  readonly regions: RegionIndex<Player>;
  readonly network: NetworkManager;
  readonly codec: MapCodec;
  readonly players = new Map<string, Player>();
  readonly serverId: number;
  readonly gameVersion: string;
  readonly now: () => number;
  private readonly uptime: () => number;
  /** The seed's hook: an admitted connection enters here. False for a duplicate instance. */
  connectionCallback: (instance: string, ip: string, gateway: string) => boolean;
  private readonly readyTimeoutMs: number;
  readonly movementSpeedMs: number;
  private readonly readyDeadlines = new DeadlineQueue<Player>();
  /** Connected to Welcome (handshake and login) must happen by then: silent sockets cost slots. */
  private readonly loginDeadlines = new DeadlineQueue<Player>();
  private readonly handshakeTimeoutMs: number;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly rejected: Record<RejectReason, { inc(): void }>;
  private guests = 0;

  constructor(options: WorldOptions) {
    this.map = options.map;
    this.serverId = options.serverId;
    this.gameVersion = options.gameVersion;
    this.readyTimeoutMs = options.readyTimeoutMs;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.movementSpeedMs = options.movementSpeedMs ?? DEFAULT_MOVEMENT_SPEED;
    this.now = options.now ?? Date.now;
    this.uptime = options.uptime ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.regions = new RegionIndex<Player>(this.map.grid);
    this.codec = new MapCodec(this.map);
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
    this.connectionCallback = (instance, ip, gateway) => this.network.handleConnection(instance, ip, gateway);
  }

  /** The map's regions: 48x48 tiles, row-major ids, 3x3 surroundings. */
  get grid(): RegionGrid {
    return this.map.grid;
  }

  /** ConnectionHost: NetworkManager.handleConnection calls this once the queue exists. */
  addPlayer(outbox: Outbox, ip: string): void {
    const player = new Player(this, outbox, ip);
    this.players.set(player.instance, player);
    this.loginDeadlines.add(player, this.now() + this.handshakeTimeoutMs);
    player.connected();
  }

  /** A client packet from the gateway: re-validated, dispatched, never allowed to throw. */
  handleMessage(instance: string, id: number, data: unknown): void {
    const player = this.players.get(instance);
    if (player === undefined) return this.reject('player');
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
    const player = this.players.get(instance);
    if (player === undefined) return this.network.drop(instance);
    try {
      player.disconnected();
    } catch (err) {
      this.reject('error');
      this.logger.error({ err, instance }, 'disconnect handler failed');
      this.players.delete(instance);
      this.network.drop(instance);
    }
  }

  /** The game update of one tick: login and Ready deadlines. Cost proportional to what expired. */
  tick(): void {
    const now = this.now();
    for (const player of this.loginDeadlines.expire(now)) {
      if (player.state !== 'connected' && player.state !== 'handshaken') continue;
      this.logger.info({ instance: player.instance, ip: player.ip, state: player.state }, 'no login before the handshake deadline');
      player.close(CloseReasons.Timeout);
    }
    for (const player of this.readyDeadlines.expire(now)) {
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
      player.state = 'closed';
      this.regions.remove(player);
      this.network.close(player.instance, reason);
    }
    this.players.clear();
  }

  /** Instances of the players in the world (after Ready). */
  inWorld(): string[] {
    const instances: string[] = [];
    for (const p of this.players.values()) if (p.state === 'ready') instances.push(p.instance);
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

  // --- used by Player -------------------------------------------------------------------

  /** Registers the Ready deadline; returns it. */
  expectReady(player: Player): number {
    const deadline = this.now() + this.readyTimeoutMs;
    this.readyDeadlines.add(player, deadline);
    return deadline;
  }

  enter(player: Player): void {
    player.state = 'ready';
    enterWorld(this, player);
  }

  /** Moves a player one tile: Move to those who see it, then any region change. */
  moveTo(player: Player, x: number, y: number): void {
    const from = player.region;
    this.network.sendToSurroundingRegions(from, P.moveText(player.instance, x, y), player.instance);
    player.setPosition(x, y);
    const to = this.map.grid.regionAt(x, y);
    if (to !== from) changeRegion(this, player, from, to);
  }

  /**
   * An operator's teleport: everyone who sees the player (and the player) gets a Teleport,
   * then views change as for a walk (Despawn/Spawn both ways, Map for the new area).
   * False when the player is not in the world or the tile is not walkable.
   */
  teleport(player: Player, x: number, y: number): boolean {
    if (player.state !== 'ready' || !this.map.walkable(x, y)) return false;
    const from = player.region;
    this.network.sendToSurroundingRegions(from, P.teleportText(player.instance, x, y));
    player.setPosition(x, y);
    const to = this.map.grid.regionAt(x, y);
    if (to !== from) changeRegion(this, player, from, to);
    return true;
  }

  removePlayer(player: Player): void {
    leaveWorld(this, player);
    if (this.players.get(player.instance) === player) this.players.delete(player.instance);
  }

  nextGuestName(): string {
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
}
