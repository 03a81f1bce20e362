import { CloseReasons, decodeControl, decodeGatewayHeartbeat, encodeEnvelope, encodeShardBatchWithin } from '@shardgate/protocol';
import type { ControlMessage, ShardBatch, ShardHeartbeat, Subjects } from '@shardgate/protocol';
import { PeerLiveness, type Bus, type Subscription } from '@shardgate/bus';
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

export interface StopOptions {
  /** Tell players in the world first: `true` for the default text, or the text itself. */
  notify?: boolean | string;
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

  constructor(options: ShardOptions) {
    const { config, bus, subjects, logger, metrics } = options;
    this.config = config;
    this.bus = bus;
    this.subjects = subjects;
    this.logger = logger;
    this.metrics = metrics;
    this.now = options.now ?? Date.now;
    this.id = String(config.serverId);
    const map = options.map ?? (config.mapFile !== undefined ? loadMapFile(config.mapFile) : builtInMap());
    this.world = new World({
      map,
      serverId: config.serverId,
      gameVersion: config.gameVersion,
      readyTimeoutMs: config.readyTimeoutMs,
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
    });
    this.liveness = new PeerLiveness(config.gatewayTimeoutMs, STALL_MS);
    this.inbox = {
      world: this.world,
      logger,
      admits: () => this.accepting && this.world.network.size < config.maxPlayers,
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
    try {
      // Over NATS, the server must know the subscriptions before anyone is told we exist.
      await this.bus.flush();
    } catch (err) {
      for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
      this.started = false;
      throw err;
    }
    if (!this.started) return; // stop() ran while the flush was pending
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
    this.started = false;
    this.accepting = false;
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

  /** One tick: world update, silent gateways, then every queue to its gateway. */
  tick(): void {
    try {
      this.world.tick();
      this.expireGateways();
    } catch (err) {
      // Whatever failed, the queues still go out.
      this.logger.error({ err }, 'world update failed');
    }
    this.world.network.parse();
    this.metrics.players.set(this.world.players.size);
  }

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
    const player = this.world.players.get(message.instance);
    if (!player) return;
    const moved = this.world.teleport(player, message.x, message.y);
    this.logger.info({ instance: message.instance, x: message.x, y: message.y, moved }, moved ? 'player teleported' : 'teleport refused');
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
      players: this.world.players.size,
      capacity: this.config.maxPlayers,
      accepting: this.accepting,
      serverId: this.config.serverId,
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
