import { randomBytes } from 'node:crypto';
import {
  CloseReasons,
  decodeControl,
  decodeGatewayHeartbeat,
  decodePeerMessage,
  decodeShardHeartbeat,
  encodeEnvelope,
  encodePeerMessageWithin,
  encodeShardBatchWithin,
} from '@shardgate/protocol';
import type { ControlMessage, OwnershipTable, PeerMessage, ShardBatch, ShardHeartbeat, Subjects } from '@shardgate/protocol';
import { PeerLiveness, type Bus, type Subscription, type VersionedStore } from '@shardgate/bus';
import type { Logger } from '@shardgate/logger';
import type { ShardMetrics } from '@shardgate/metrics';
import type { ShardConfig, ShardOptions } from './config';
import { builtInMap } from './game-map';
import { loadMapFile } from './map-file';
import { handleInbound, type InboxContext } from './inbox';
import { notification } from './packets';
import { TickLoop } from './tick-loop';
import { DEFAULT_BATCH_BYTES } from './network-manager';
import { World } from './world';
import { WorldMembership } from './world-membership';

export interface StopOptions {
  /** Tell players in the world first: `true` for the default text, or the text itself. */
  notify?: boolean | string;
}

/** How a shard of a multi-shard world finds its peers; absent: the world is this shard alone. */
export interface SharedWorld {
  /** Where the world's members live (JetStream KV in the distributed mode). */
  store: VersionedStore;
  /** This process's id, unique in the deployment (SHARD_ID); default: the world id. */
  shardId: string;
  /** Another shard of the world silent this long is taken out of it (its regions go to the others). */
  shardTimeoutMs: number;
  /** A drain (SIGTERM with other shards alive) hands everyone over within this, else closes the rest. */
  drainTimeoutMs: number;
}

/** Guest names of a shard that shares its world: Guest1-<shard>, Guest2-<shard>, ... */
function guestNames(shard: string): () => string {
  let count = 0;
  return () => `Guest${++count}-${shard}`;
}

/** Ticks this far apart mean the process itself stalled (see expireGateways). */
const STALL_MS = 1000;

export const DEFAULT_STOP_NOTICE = 'The server is shutting down for maintenance.';

/**
 * A world shard on the bus: reads its inbox (gateway batches), runs the tick (world update
 * and one batch per gateway), publishes its heartbeat, and lets go of the players of any
 * gateway that falls silent. Its bus id is String(SERVER_ID).
 */
export class Shard {
  readonly id: string;
  readonly world: World;
  private readonly config: ShardConfig;
  private readonly bus: Bus;
  private readonly subjects: Subjects;
  private readonly logger: Logger;
  private readonly metrics: ShardMetrics;
  private readonly now: () => number;
  private readonly liveness: PeerLiveness;
  private stopStatus: (() => void) | null = null;
  private readonly loop: TickLoop;
  private readonly inbox: InboxContext;
  private subscriptions: Subscription[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private accepting = false;
  private started = false;
  private readonly membership: WorldMembership | null;
  private readonly peers: PeerLiveness | null;
  private readonly worldOptions: SharedWorld | null;
  private removing = false;
  private rejoining = false;
  /** This process's life under its id (see ShardHeartbeat.boot). */
  private readonly boot = randomBytes(6).toString('hex');

  constructor(options: ShardOptions & { world?: SharedWorld }) {
    const { config, bus, subjects, logger, metrics } = options;
    this.config = config;
    this.bus = bus;
    this.subjects = subjects;
    this.logger = logger;
    this.metrics = metrics;
    this.now = options.now ?? Date.now;
    this.worldOptions = options.world ?? null;
    this.id = options.world?.shardId ?? String(config.serverId);
    const map = options.map ?? (config.mapFile !== undefined ? loadMapFile(config.mapFile) : builtInMap());
    this.world = new World({
      map,
      serverId: config.serverId,
      gameVersion: config.gameVersion,
      readyTimeoutMs: config.readyTimeoutMs,
      maxPlayers: config.maxPlayers,
      movementSpeedMs: config.movementSpeedMs,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      shardId: this.id,
      publish: this.publishBatch,
      // Cut by estimate, at most a quarter of the largest message (UTF-8 may outgrow the
      // estimate for non-ASCII chat); publishBatch makes the limit exact.
      batchBytes: Math.min(DEFAULT_BATCH_BYTES, Math.floor(bus.maxPayload / 4)),
      metrics,
      logger,
      now: this.now,
      ...(options.random ? { random: options.random } : {}),
      publishPeer: this.publishPeer,
      // Every shard of a world counts its own guests: the shard's id keeps the names unique.
      ...(options.world === undefined ? {} : { guestName: guestNames(this.id) }),
    });
    this.membership =
      options.world === undefined
        ? null
        : new WorldMembership({
            store: options.world.store,
            world: config.serverId,
            self: this.id,
            regions: map.grid.count,
            logger,
            onTable: (table) => this.applyTable(table),
          });
    this.peers = options.world === undefined ? null : new PeerLiveness(options.world.shardTimeoutMs, STALL_MS);
    this.liveness = new PeerLiveness(config.gatewayTimeoutMs, STALL_MS);
    this.inbox = {
      world: this.world,
      logger,
      // Connections that have not logged in hold no slot (the Login takes it): refused here
      // only when the players already fill the world. Silent sockets are bounded by the
      // gateways' per-IP limits and closed by the handshake deadline.
      admits: () => this.accepting && this.world.loggedIn < config.maxPlayers,
      gatewaySeen: (gateway) => this.liveness.seen(gateway, this.now()),
    };
    this.loop = new TickLoop({
      intervalMs: config.tickMs,
      tick: () => this.tick(),
      observe: (seconds) => metrics.tickSeconds.observe(seconds),
      lag: (seconds) => metrics.tickLag.observe(seconds),
      overrun: () => metrics.tickOverruns.inc(),
      onError: (err) => logger.error({ err }, 'tick failed'),
    });
  }

  /** Connections on this shard (logged in or not). */
  get players(): number {
    return this.world.players.size;
  }

  /** Started, subscribed and accepting players. */
  get ready(): boolean {
    return this.started && this.accepting;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Encode the Map around the spawn point now (~10 ms of gzip), not in the first player's tick.
    const { grid, spawn } = this.world.map;
    this.world.codec.serialized(grid.surrounding(grid.regionAt(spawn.x, spawn.y)));
    this.metrics.busConnected.set(this.bus.status === 'connected' ? 1 : 0);
    this.stopStatus = this.bus.onStatus((status) => {
      this.metrics.busConnected.set(status === 'connected' ? 1 : 0);
      if (status === 'connected') this.liveness.refresh(this.now());
    });
    this.subscriptions.push(
      this.bus.subscribe(this.subjects.shardInbox(this.id), (payload) => handleInbound(payload, this.inbox)),
      this.bus.subscribe(this.subjects.gatewayHeartbeat, (payload) => this.onGatewayHeartbeat(payload)),
      this.bus.subscribe(this.subjects.control, (payload) => this.onControl(payload)),
    );
    if (this.membership !== null) {
      this.subscriptions.push(
        this.bus.subscribe(this.subjects.shardPeer(this.id), (payload) => this.onPeer(payload)),
        this.bus.subscribe(this.subjects.shardHeartbeat, (payload) => this.onShardHeartbeat(payload)),
      );
    }
    try {
      // Over NATS, the server must know the subscriptions before anyone is told we exist.
      await this.bus.flush();
    } catch (err) {
      for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
      this.started = false;
      throw err;
    }
    if (!this.started) return; // stop() ran while the flush was pending
    if (this.membership !== null) {
      // Subscribed first, so that no hand-off sent to us under the new table is missed.
      const table = await this.membership.start();
      this.logger.info({ world: this.config.serverId, epoch: table.epoch, shards: table.shards, regions: this.world.border.regionsOwned() }, 'joined the world');
      this.peers!.begin(this.now());
    }
    this.accepting = true;
    this.publishHeartbeat();
    this.heartbeatTimer = setInterval(() => this.publishHeartbeat(), this.config.heartbeatMs);
    this.liveness.begin(this.now());
    this.loop.start();
    const { map } = this.world;
    // What a Kaetram client must agree with: the map's size and its regions per row.
    this.logger.info({ shard: this.id, map: map.source, width: map.width, height: map.height, regions: map.grid.count, regionsPerRow: map.grid.columns, gameVersion: this.config.gameVersion }, 'shard started');
  }

  /**
   * Stops accepting, optionally notifies the players, closes everyone with `maintenance`
   * (queued packets first), flushes, announces `accepting: false` and unsubscribes.
   */
  async stop({ notify }: StopOptions = {}): Promise<void> {
    if (!this.started) return;
    this.accepting = false;
    if (this.membership !== null) {
      this.publishHeartbeat(); // not accepting: gateways send new players elsewhere
      const remaining = await this.membership.leave().catch((err: unknown) => {
        this.logger.error({ err }, 'cannot leave the world in the store: closing players instead');
        return [];
      });
      if (remaining.length > 0) await this.drain();
      this.membership.stop();
    }
    this.started = false;
    this.loop.stop();
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.stopStatus?.();
    this.stopStatus = null;
    const network = this.world.network;
    if (notify) network.sendToPlayers(this.world.inWorld(), notification(typeof notify === 'string' ? notify : DEFAULT_STOP_NOTICE));
    this.world.closeAll(CloseReasons.Maintenance);
    network.flushImmediate();
    network.parse();
    this.publishHeartbeat();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    try {
      await this.bus.flush();
    } catch (err) {
      this.logger.warn({ err }, 'bus flush failed while stopping');
    }
    this.logger.info({ shard: this.id }, 'shard stopped');
  }

  /** One tick: world update, silent gateways and shards, then every queue to its gateway, then the other shards. */
  tick(): void {
    try {
      this.world.tick();
      this.expireGateways();
      this.expireShards();
    } catch (err) {
      // Whatever failed, the queues still go out.
      this.logger.error({ err }, 'world update failed');
    }
    this.world.network.parse();
    // After the gateways' batches: a hand-off's `moves` entry reaches the gateway first.
    this.world.flushPeers();
    this.metrics.players.set(this.world.loggedIn);
    this.metrics.connections.set(this.world.players.size);
    this.metrics.fenceBuffered.set(this.world.border.fenceWaiting);
  }

  /**
   * Hands every player to the world's other shards (the table without us is applied: all our
   * regions are theirs), then waits for the gateways' fences, bounded by the drain timeout.
   * Whoever is still here then is closed with `maintenance` by the caller.
   */
  private async drain(): Promise<void> {
    const started = this.now();
    const limit = this.worldOptions!.drainTimeoutMs;
    // Our own leave comes back through the watch: hand players over under that table only,
    // or a peer could get players for regions it does not own yet and hand them back.
    while (this.world.border.current.shards.includes(this.id) && this.now() - started < limit) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.world.drain();
    const players = this.world.held;
    while (this.now() - started < limit && (this.world.held > 0 || this.world.unfenced > 0)) {
      await new Promise((resolve) => setTimeout(resolve, this.config.tickMs));
    }
    this.logger.info({ players, left: this.world.held, unfenced: this.world.unfenced, ms: this.now() - started }, 'drained: players handed to the other shards');
  }

  private applyTable(table: OwnershipTable): void {
    const before = this.world.border.epoch;
    this.world.applyTable(table);
    // Taken out while alive (a stall longer than SHARD_TIMEOUT_MS looked like a crash): our
    // players go to the members on the next tick; we ask to be a member again.
    if (this.accepting && !table.shards.includes(this.id) && !this.rejoining) {
      this.rejoining = true;
      this.logger.warn({ epoch: table.epoch, shards: table.shards }, 'taken out of the world while alive: joining again');
      this.membership
        ?.rejoin()
        .catch((err: unknown) => this.logger.error({ err }, 'cannot join the world again'))
        .finally(() => {
          this.rejoining = false;
        });
    }
    for (const shard of table.shards) if (shard !== this.id) this.peers?.seen(shard, this.now());
    if (table.epoch > before) this.logger.info({ epoch: table.epoch, shards: table.shards, regions: this.world.border.regionsOwned() }, 'ownership table applied');
  }

  private onPeer(payload: Uint8Array): void {
    let message: PeerMessage;
    try {
      message = decodePeerMessage(payload);
    } catch (err) {
      this.world.refusePeer('malformed');
      this.logger.warn({ err }, 'bad message from another shard dropped');
      return;
    }
    this.peers?.touch(message.from, this.now());
    this.world.receivePeer(message);
    this.world.network.flushImmediate();
    this.world.flushPeers(); // forwarded events and fences go on at once (see handleInbound)
  }

  private onShardHeartbeat(payload: Uint8Array): void {
    let heartbeat: ShardHeartbeat;
    try {
      heartbeat = decodeShardHeartbeat(payload);
    } catch {
      return; // the gateways count bad heartbeats; here only our world's members matter
    }
    if (heartbeat.serverId === this.config.serverId && heartbeat.shard !== this.id) this.peers?.seen(heartbeat.shard, this.now());
  }

  /** Members of our world silent past SHARD_TIMEOUT_MS are taken out of it: their regions come to the living. */
  private expireShards(): void {
    if (this.peers === null || this.membership === null || this.removing || !this.accepting) return;
    const judgement = this.peers.judge(this.now(), this.bus.status === 'connected');
    if (judgement.kind !== 'judged' || judgement.lost.length === 0) return;
    const members = this.world.border.current.shards;
    const dead = judgement.lost.map((l) => l.peer).filter((p) => members.includes(p));
    if (dead.length === 0) return;
    this.logger.warn({ dead, silentMs: judgement.lost.map((l) => Math.round(l.silentMs)) }, 'shards of the world fell silent: taking their regions');
    this.removing = true;
    this.membership
      .remove(dead)
      .catch((err: unknown) => {
        this.logger.error({ err, dead }, 'cannot remove silent shards from the world: trying again');
        for (const peer of dead) this.peers?.seen(peer, 0); // judged lost again at the next tick
      })
      .finally(() => {
        this.removing = false;
      });
  }

  private readonly publishPeer = (shard: string, message: PeerMessage): void => {
    try {
      const subject = this.subjects.shardPeer(shard);
      for (const bytes of encodePeerMessageWithin(message, this.bus.maxPayload)) {
        this.metrics.borderBytes.inc(bytes.byteLength);
        this.bus.publish(subject, bytes);
      }
    } catch (err) {
      this.logger.error({ err, shard }, 'cannot publish to another shard');
    }
  };

  /** Admin commands: a teleport is this shard's business when it holds the player. */
  private onControl(payload: Uint8Array): void {
    let message: ControlMessage;
    try {
      message = decodeControl(payload);
    } catch (err) {
      this.world.reject('envelope');
      this.logger.warn({ err }, 'bad control message dropped');
      return;
    }
    if (message.type !== 'teleport') return;
    const outcome = this.world.teleport(message.instance, message.x, message.y, message.id);
    if (outcome === 'unknown' || outcome === 'done') return; // another shard's player (or done already)
    this.world.flushPeers();
    this.logger.info({ instance: message.instance, x: message.x, y: message.y, outcome }, outcome === 'refused' ? 'teleport refused' : 'player teleported');
  }

  private onGatewayHeartbeat(payload: Uint8Array): void {
    try {
      this.liveness.seen(decodeGatewayHeartbeat(payload).gateway, this.now());
    } catch (err) {
      this.world.reject('envelope');
      this.logger.warn({ err }, 'bad gateway heartbeat dropped');
    }
  }

  private expireGateways(): void {
    // Silent gateways lose their players; not while our own bus is down, nor right after our
    // own event loop stalled (what gateways sent may be unread): PeerLiveness.judge.
    const judgement = this.liveness.judge(this.now(), this.bus.status === 'connected');
    if (judgement.kind === 'stalled') {
      this.logger.warn({ sinceLastTickMs: Math.round(judgement.gapMs) }, 'event loop stalled: gateways get a fresh timeout');
      return;
    }
    if (judgement.kind !== 'judged') return;
    for (const { peer: gateway } of judgement.lost) {
      const instances = this.world.network.instancesOf(gateway);
      if (instances.length === 0) continue;
      this.logger.warn({ gateway, players: instances.length }, 'gateway silent: despawning its players');
      // A close (not a drop): should the gateway still be alive, it learns to close them too.
      for (const instance of instances) this.world.players.get(instance)?.close(CloseReasons.Lost);
    }
  }

  private publishHeartbeat(): void {
    const heartbeat: ShardHeartbeat = {
      shard: this.id,
      // Slots taken (players past Login), not connections: a gateway routes by room for players.
      players: this.world.loggedIn,
      capacity: this.config.maxPlayers,
      accepting: this.accepting,
      serverId: this.config.serverId,
      spawn: this.world.ownsSpawn,
      boot: this.boot,
      gameVersion: this.config.gameVersion,
    };
    try {
      this.bus.publish(this.subjects.shardHeartbeat, encodeEnvelope(heartbeat));
    } catch (err) {
      this.logger.error({ err }, 'cannot publish heartbeat');
    }
  }

  private readonly publishBatch = (gateway: string, batch: ShardBatch): void => {
    try {
      const subject = this.subjects.gatewayInbox(gateway);
      for (const bytes of encodeShardBatchWithin(batch, this.bus.maxPayload)) {
        this.metrics.batchBytes.observe(bytes.byteLength);
        this.bus.publish(subject, bytes);
      }
    } catch (err) {
      this.logger.error({ err, gateway }, 'cannot publish batch');
    }
  };
}
