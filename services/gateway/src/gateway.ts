import uWS from 'uWebSockets.js';
import { contains, parseAddress, type BanEntry, type Bans } from '@shardgate/bans';
import type { Bus } from '@shardgate/bus';
import type { Guard } from '@shardgate/guard';
import type { Logger } from '@shardgate/logger';
import type { GatewayMetrics } from '@shardgate/metrics';
import {
  CloseReasons,
  EventKind,
  InstanceIds,
  Packets,
  encodeEnvelope,
  messageEvent,
  type CloseReason,
  type ControlMessage,
  type Subjects,
} from '@shardgate/protocol';
import { LogSampler } from './log-sampler';
import { TrustBoundary } from './trust-boundary';
import type { GatewayConfig } from './config';
import type { DrainOptions } from './distributed-config';
import { Connection } from './connection';
import { deliverBatch } from './batch-delivery';
import { classifyFrame } from './inbound-frame';
import { Main } from './main';
import { assertNativeUws } from './native-uws';
import { ShardLink } from './shard-link';
import { followMoves } from './follow-moves';
import { ShardRegistry } from './shard-registry';
import { SocketHandler } from './socket-handler';
import { WorldAdmission } from './world-admission';

export interface GatewayOptions {
  config: GatewayConfig;
  bus: Bus;
  guard: Guard;
  /** The ban list, checked first at admission; a new ban closes its live connections here. */
  bans?: Bans;
  subjects: Subjects;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Files served over plain HTTP GET on the players' port (the web client), by path. */
  staticFiles?: ReadonlyMap<string, StaticFile>;
  now?: () => number;
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

interface SocketData {
  ip: string;
  world: string | undefined;
  connection?: Connection;
}

/**
 * Why uWS ended a connection we did not close ourselves: it reports frames over
 * maxPayloadLength as 1006 "Received too big message" and invalid UTF-8 as 1006/1007.
 */
function transportCloseReason(code: number, message: string): string {
  if (code === 1009 || /too big/i.test(message)) return 'toolarge';
  if (code === 1007 || /utf-?8/i.test(message)) return 'malformed';
  if (code === 1006 && message) return 'transport';
  return 'client';
}

/** Room above MAX_BACKPRESSURE_BYTES for the frame that crosses it and the close frame after it. */
const BACKPRESSURE_HEADROOM_BYTES = 512 * 1024;
/** The sweep's period: inactivity timeouts and silent shards. */
const SWEEP_MS = 1000;

/** Bad frames per connection that get a log line; all of them are counted. */
const LOGGED_BAD_FRAMES = 5;
/** uWS cuts a frame this many times over MAX_PAYLOAD_BYTES (close 1009); below it we drop and count. */
const HARD_PAYLOAD_FACTOR = 4;

/**
 * The gateway: the players' WebSocket endpoint on uWebSockets.js. It owns the sockets,
 * applies the per-connection and per-IP rules, and carries validated packets to the shards
 * and their frames back, over the bus.
 */
export class Gateway {
  readonly socketHandler: SocketHandler;
  readonly registry: ShardRegistry;
  private readonly main: Main;
  private readonly admission: WorldAdmission;
  private readonly link: ShardLink;
  private readonly ids: InstanceIds;
  private readonly trust: TrustBoundary;
  /** Refusals are counted in full; their log lines are sampled per reason. */
  private readonly refusalLogs: LogSampler;
  private readonly id: string;
  private readonly now: () => number;
  private listenSocket: uWS.us_listen_socket | undefined;
  private timers: NodeJS.Timeout[] = [];
  private accepting = false;
  /** Every gateway's last heartbeat (this one's included), for deployment-wide stats. */
  private readonly peers = new Map<string, { connections: number; lastSeen: number }>();
  private stopStatus: (() => void) | undefined;
  private started = false;

  constructor(private readonly options: GatewayOptions) {
    assertNativeUws();
    const { config, bus, subjects, metrics } = options;
    this.now = options.now ?? Date.now;
    this.id = String(config.gatewayId);
    this.ids = new InstanceIds(config.gatewayId);
    this.trust = new TrustBoundary(config.trustedProxies, config.allowedOrigins, config.clientIpHeader);
    options.bans?.onAdded((entry) => this.closeBanned(entry));
    this.refusalLogs = new LogSampler(20, 1000, this.now);
    this.socketHandler = new SocketHandler();
    // Sweeps more than two periods apart: this gateway's own event loop was stalled.
    this.registry = new ShardRegistry(config.shardTimeoutMs, this.now, 2 * SWEEP_MS);
    this.main = new Main(this.registry, () => this.accepting);
    this.admission = new WorldAdmission(options.guard);
    this.link = new ShardLink(bus, subjects, this.id, {
      batch: (batch) => {
        this.registry.seen(batch.shard);
        deliverBatch(batch, this.socketHandler, options.metrics, options.logger);
        followMoves(batch, this.socketHandler, (shard, event) => this.link.send(shard, event), options.metrics, options.logger);
      },
      heartbeat: (heartbeat) => {
        if (this.registry.update(heartbeat)) this.closePlayersOf([heartbeat.shard], 'shard restarted under the same id: closing the players of its previous life');
        metrics.shardsKnown.set(this.registry.size);
      },
      gatewayHeartbeat: (heartbeat) => this.peers.set(heartbeat.gateway, { connections: heartbeat.connections, lastSeen: this.now() }),
      control: (message) => this.onControl(message),
      invalid: (what, error) => options.logger.error({ err: error, what }, 'undecodable bus message dropped'),
      published: (events) => metrics.busBatchEvents.observe(events),
    }, config.busFlushMs);
    this.socketHandler.onAdd(() => metrics.connectionsOpen.inc());
    this.socketHandler.onRemove(() => metrics.connectionsOpen.dec());
  }

  get gatewayId(): string {
    return this.id;
  }

  /** Ready to take players: listening, accepting, on the bus, and some shard is known. */
  get ready(): boolean {
    return this.started && this.accepting && this.options.bus.status === 'connected' && this.registry.size > 0;
  }

  get port(): number {
    return this.listenSocket ? uWS.us_socket_local_port(this.listenSocket as unknown as uWS.us_socket) : 0;
  }

  async start(): Promise<number> {
    const { config } = this.options;
    const app = uWS.App();
    const behavior: uWS.WebSocketBehavior<SocketData> = {
      compression: uWS.DISABLED,
      maxPayloadLength: config.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
      // Headroom over our own bound: uWS drops whatever would exceed its limit, the close
      // frame included, so with equal limits a slow reader never learned it was closed.
      maxBackpressure: config.maxBackpressureBytes + BACKPRESSURE_HEADROOM_BYTES,
      closeOnBackpressureLimit: 0,
      idleTimeout: config.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        // req is only valid in this synchronous scope: copy what we need first.
        const key = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        const origin = req.getHeader('origin');
        const world = req.getQuery('world') || undefined;
        const ip = this.trust.clientIp(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader(this.trust.header));
        if (!this.trust.originAllowed(origin)) {
          this.options.metrics.refused.inc({ reason: 'origin' });
          this.options.logger.warn({ ip, origin }, 'upgrade refused: origin not allowed');
          res.writeStatus('403 Forbidden').end('origin not allowed\n');
          return;
        }
        res.upgrade<SocketData>({ ip, world }, key, protocol, extensions, context);
      },
      open: (ws) => this.onOpen(ws),
      message: (ws, message, isBinary) => this.onMessage(ws, message, isBinary),
      close: (ws, code, message) => this.onClose(ws, code, message),
    };
    app.ws('/ws', behavior);
    app.ws('/', behavior);
    // The version clients must send, as the shards' heartbeats say: the web client and the
    // bots ask instead of carrying a copy that goes stale when GAME_VERSION changes.
    app.get('/version', (res, req) => {
      const world = req.getQuery('world') || undefined;
      const gameVersion = this.registry.gameVersion(world);
      res.cork(() => {
        if (gameVersion === undefined) res.writeStatus('503 Service Unavailable');
        res
          .writeHeader('content-type', 'application/json')
          .writeHeader('cache-control', 'no-cache')
          .end(JSON.stringify(gameVersion === undefined ? { error: 'no shard has announced its game version yet' } : { gameVersion }));
      });
    });
    // A GET without an Upgrade header on `/` is the web client; with one, the WebSocket.
    for (const [path, file] of this.options.staticFiles ?? []) {
      app.get(path, (res) => {
        res.cork(() => {
          res.writeHeader('content-type', file.contentType).writeHeader('cache-control', 'no-cache').end(file.body);
        });
      });
    }
    app.any('/*', (res) => {
      res.writeStatus('404 Not Found').end('shardgate: WebSocket endpoint at /ws\n');
    });
    this.listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
      app.listen(config.host, config.port, (socket) => {
        if (socket === false) reject(new Error(`gateway could not listen on ${config.host}:${config.port}`));
        else resolve(socket);
      });
    });
    this.link.start();
    const busConnected = this.options.metrics.busConnected;
    busConnected.set(this.options.bus.status === 'connected' ? 1 : 0);
    this.stopStatus = this.options.bus.onStatus((status) => {
      busConnected.set(status === 'connected' ? 1 : 0);
      if (status === 'connected') this.registry.refresh();
    });
    this.registry.begin();
    this.timers.push(setInterval(() => this.sweep(), SWEEP_MS));
    this.timers.push(setInterval(() => this.heartbeat(), config.heartbeatMs));
    for (const timer of this.timers) timer.unref();
    this.heartbeat();
    this.accepting = true;
    this.started = true;
    this.options.logger.info({ port: this.port, gateway: this.id }, 'gateway listening');
    return this.port;
  }

  /** Stops taking new players (readiness turns false at once). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * SIGTERM: readiness turns false at once and nobody new is taken; after one interval (the
   * shards' last tick reaches the players) `maintenance` closes go out in paced batches, so
   * thousands of clients do not reconnect elsewhere in the same instant. Whoever is left
   * at the deadline is closed then.
   */
  async drain({ batch, intervalMs, timeoutMs }: DrainOptions): Promise<void> {
    const deadline = this.now() + timeoutMs;
    this.accepting = false;
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
    this.options.logger.info({ connections: this.socketHandler.size, batch, intervalMs, timeoutMs }, 'draining');
    await pause(Math.min(intervalMs, deadline - this.now()));
    while (this.socketHandler.size > 0 && this.now() + intervalMs < deadline) {
      let closed = 0;
      for (const connection of this.socketHandler.all()) {
        if (closed >= batch) break;
        if (connection.closed) continue;
        connection.close(CloseReasons.Maintenance);
        closed += 1;
      }
      await pause(intervalMs);
    }
    await this.stop(CloseReasons.Maintenance);
    this.options.logger.info('drained');
  }

  /** Closes every connection with a reason, then the listen socket and the bus link. */
  async stop(reason: CloseReason = CloseReasons.Maintenance): Promise<void> {
    this.accepting = false;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const connection of [...this.socketHandler.all()]) connection.close(reason);
    if (this.listenSocket) {
      uWS.us_listen_socket_close(this.listenSocket);
      this.listenSocket = undefined;
    }
    this.link.stop();
    this.stopStatus?.();
    this.started = false;
  }

  private onOpen(ws: uWS.WebSocket<SocketData>): void {
    const data = ws.getUserData();
    const connection = new Connection(this.ids.next(), data.ip, ws, this.options.config, this.now);
    data.connection = connection;
    this.socketHandler.add(connection);
    const startedAt = process.hrtime.bigint();
    // Bans first, from memory: a banned address learns it is banned, not that the world is full.
    const ban = this.options.bans?.check(connection.ip);
    if (ban?.verdict === 'banned') {
      this.options.metrics.bannedRefusals.inc({ kind: ban.entry.kind });
      this.refuse(connection, CloseReasons.Banned);
      return;
    }
    if (ban?.verdict === 'unavailable') {
      this.refuse(connection, CloseReasons.Maintenance);
      return;
    }
    const decision = this.main.handleConnection(data.world);
    if (!decision.ok) {
      this.refuse(connection, decision.reason);
      return;
    }
    this.admission.admit(connection.ip).then(
      (refusal) => {
        this.options.metrics.admissionSeconds.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
        if (refusal) return this.refuse(connection, refusal);
        if (connection.closed) {
          // The client left while we were deciding: give the slot back.
          void this.admission.release(connection.ip);
          return;
        }
        // Route again: shards may have changed while the guard decided.
        const shard = this.registry.pick(data.world) ?? decision.shard;
        this.registry.reserve(shard.shard);
        connection.admitted = true;
        connection.shard = shard.shard;
        connection.touch();
        this.options.metrics.accepted.inc();
        this.link.send(shard.shard, [EventKind.Open, connection.instance, connection.ip, this.id]);
      },
      (error: unknown) => {
        this.options.logger.error({ err: error, instance: connection.instance, ip: connection.ip }, 'admission failed');
        this.refuse(connection, CloseReasons.Error);
      },
    );
  }

  private refuse(connection: Connection, reason: CloseReason): void {
    this.options.metrics.refused.inc({ reason });
    const { log, suppressed } = this.refusalLogs.take(reason);
    if (log) {
      this.options.logger.info(
        suppressed > 0 ? { instance: connection.instance, ip: connection.ip, reason, suppressed } : { instance: connection.instance, ip: connection.ip, reason },
        'connection refused',
      );
    }
    connection.close(reason);
  }

  private onMessage(ws: uWS.WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean): void {
    const connection = ws.getUserData().connection;
    if (!connection || connection.closed) return;
    const { metrics, config } = this.options;
    metrics.messagesReceived.inc();
    metrics.bytesReceived.inc(message.byteLength);
    const verdict = classifyFrame(connection, message, isBinary, config.maxPayloadBytes);
    if (verdict.kind === 'packet' && connection.shard !== undefined) {
      connection.touch();
      if (verdict.packet.id === Packets.Login && !connection.loginSent) {
        // The world slot is taken at Login: room is counted from here, not from the connect.
        connection.loginSent = true;
        this.registry.loggingIn(connection.shard);
      }
      this.link.send(connection.shard, messageEvent(connection.instance, verdict.packet));
    } else if (verdict.kind === 'ratelimit') {
      metrics.messagesDropped.inc({ reason: 'ratelimit' });
      this.options.logger.warn({ instance: connection.instance, ip: connection.ip }, 'message rate limit exceeded');
      connection.close(CloseReasons.RateLimit);
    } else if (verdict.kind === 'drop' && verdict.reason === 'duplicate') {
      // Silently, as Kaetram intends: counted, never logged (a stuck key would flood the log).
      metrics.messagesDropped.inc({ reason: 'duplicate' });
    } else if (verdict.kind === 'drop') {
      this.drop(connection, verdict.reason, verdict.detail, verdict.id);
    }
  }

  private drop(connection: Connection, reason: string, detail: string, id?: number): void {
    this.options.metrics.messagesDropped.inc({ reason });
    if (connection.badFramesLogged < LOGGED_BAD_FRAMES) {
      connection.badFramesLogged += 1;
      this.options.logger.warn({ instance: connection.instance, ip: connection.ip, reason, detail, id }, 'frame dropped');
    }
  }

  private onClose(ws: uWS.WebSocket<SocketData>, code: number, message: ArrayBuffer): void {
    const connection = ws.getUserData().connection;
    if (!connection) return;
    connection.markClosed();
    this.socketHandler.remove(connection);
    const reason = connection.closeReason ?? transportCloseReason(code, Buffer.from(message).toString());
    this.options.logger.debug({ instance: connection.instance, ip: connection.ip, code, reason }, 'connection closed');
    if (!connection.admitted) return;
    this.options.metrics.disconnects.inc({ reason });
    this.admission.release(connection.ip).catch((error: unknown) => {
      this.options.logger.error({ err: error, ip: connection.ip }, 'release failed');
    });
    if (connection.shard !== undefined) this.link.send(connection.shard, [EventKind.Close, connection.instance, reason]);
  }

  /** A ban became active (made here or on another gateway): its live connections go, within the feed's delay. */
  private closeBanned(entry: BanEntry): void {
    const { cidr, record } = entry;
    const full = cidr.prefix === (cidr.family === 4 ? 32 : 128);
    const live = full
      ? this.socketHandler.byIp(record.target)
      : [...this.socketHandler.all()].filter((c) => {
          try {
            return contains(cidr, parseAddress(c.ip));
          } catch {
            return false;
          }
        });
    let closed = 0;
    for (const connection of live) {
      if (connection.closed) continue; // already going (the feed echoes our own bans)
      connection.close(CloseReasons.Banned);
      closed += 1;
    }
    if (closed > 0) this.options.logger.info({ ban: record.target, closed }, 'banned address disconnected');
  }

  /** Admin commands reach every gateway: a kick closes one player; `ban` is what gateways before the ban store sent. */
  private onControl(message: ControlMessage): void {
    if (message.type === 'ban') {
      const live = this.socketHandler.byIp(message.ip);
      for (const connection of live) connection.close(CloseReasons.Banned);
      if (live.length > 0) this.options.logger.info({ ip: message.ip, closed: live.length }, 'banned IP disconnected');
    } else if (message.type === 'kick') {
      const connection = this.socketHandler.get(message.instance);
      if (!connection) return;
      this.options.logger.info({ instance: message.instance, ip: connection.ip, reason: message.reason }, 'player kicked');
      connection.close(message.reason);
    }
  }

  /** Gateways heard from within a few heartbeats, with their connection counts. */
  gateways(): Array<{ gateway: string; connections: number }> {
    const recent = this.now() - 3 * this.options.config.heartbeatMs;
    const list: Array<{ gateway: string; connections: number }> = [];
    for (const [gateway, peer] of this.peers) {
      if (peer.lastSeen >= recent) list.push({ gateway, connections: peer.connections });
      else this.peers.delete(gateway);
    }
    if (!this.peers.has(this.id)) list.push({ gateway: this.id, connections: this.socketHandler.size });
    return list.sort((a, b) => Number(a.gateway) - Number(b.gateway));
  }

  /** Once a second: inactivity timeouts, and shards that went silent. */
  private sweep(): void {
    const now = this.now();
    const timeout = this.options.config.inactivityTimeoutMs;
    // The same pass measures what slow readers cost: the bytes held for them (memory an SRE sees).
    let buffered = 0;
    let largest = 0;
    for (const connection of this.socketHandler.all()) {
      if (connection.closed) continue;
      if (connection.isInactive(now, timeout)) {
        connection.close(CloseReasons.Timeout);
        continue;
      }
      const bytes = connection.bufferedAmount();
      buffered += bytes;
      if (bytes > largest) largest = bytes;
    }
    this.options.metrics.sendBuffered.set(buffered);
    this.options.metrics.sendBufferedMax.set(largest);
    // Silent shards lose their players; not while our own bus is down, nor right after our own
    // event loop stalled (heartbeats may sit unread in the socket): ShardRegistry.judge.
    const judgement = this.registry.judge(this.options.bus.status === 'connected');
    this.options.metrics.shardsKnown.set(this.registry.size);
    if (judgement.kind === 'stalled') {
      this.options.logger.warn({ sinceLastSweepMs: Math.round(judgement.gapMs) }, 'event loop stalled: shards get a fresh heartbeat timeout');
      return;
    }
    if (judgement.kind !== 'judged' || judgement.lost.length === 0) return;
    this.closePlayersOf(
      judgement.lost.map((l) => l.peer),
      'shard heartbeat lost: closing its players',
      { silentMs: judgement.lost.map((l) => Math.round(l.silentMs)) },
    );
  }

  /** The players routed to these shards are lost with them: closed with `error`. */
  private closePlayersOf(shards: string[], why: string, extra: Record<string, unknown> = {}): void {
    const gone = new Set(shards);
    this.options.logger.error({ shards, ...extra }, why);
    for (const connection of [...this.socketHandler.all()]) {
      if (connection.shard !== undefined && gone.has(connection.shard)) connection.close(CloseReasons.Error);
    }
  }

  private heartbeat(): void {
    this.options.bus.publish(
      this.options.subjects.gatewayHeartbeat,
      encodeEnvelope({ gateway: this.id, connections: this.socketHandler.size }),
    );
  }
}
