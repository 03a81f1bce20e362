import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every shardgate metric is declared here, registry passed in. Names: `shardgate_*`, units
 * in the name, counters end `_total`, labels bounded (reasons come from fixed tables; never
 * a player id or an IP).
 */
export { Registry };

export function createRegistry(service: string, node: string, withDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, node });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}

/** What a bus reports about outages (NatsBus.stats(); the in-process bus has none). */
export interface BusStatsSample {
  /** Publishes held in the reconnect buffer right now, and their bytes. */
  buffered: number;
  bufferedBytes: number;
  /** The buffer's bound in bytes (8 MiB unless the bus was built with another). */
  bufferLimitBytes: number;
  /** Publishes dropped since start (buffer full, refused, after close). */
  dropped: number;
  /** Reconnections since start. */
  reconnects: number;
}

export interface BusMetrics {
  /** Read `stats` at every scrape; until then (and in the embedded mode) every value is 0. */
  observe(stats: () => BusStatsSample): void;
}

/**
 * The bus's reconnect buffer and drops, read from the bus at scrape time (collect), so the
 * publish path does no metric work. `service` is the name's subsystem: gateway or shard.
 */
function createBusMetrics(registry: Registry, service: 'gateway' | 'shard'): BusMetrics {
  const r = [registry];
  let source: (() => BusStatsSample) | undefined;
  const gauge = (name: string, help: string, pick: (s: BusStatsSample) => number) =>
    new Gauge({
      name: `shardgate_${service}_bus_${name}`,
      help,
      registers: r,
      collect() {
        this.set(source ? pick(source()) : 0);
      },
    });
  // A counter cannot be set; the bus keeps the running total, so the scrape copies it.
  const counter = (name: string, help: string, pick: (s: BusStatsSample) => number) =>
    new Counter({
      name: `shardgate_${service}_bus_${name}`,
      help,
      registers: r,
      collect() {
        this.reset();
        this.inc(source ? pick(source()) : 0);
      },
    });
  gauge('buffered_messages', 'Publishes held while NATS is away, sent in order on reconnect', (s) => s.buffered);
  gauge('buffered_bytes', 'Bytes (payload and subject) of the publishes held while NATS is away', (s) => s.bufferedBytes);
  gauge('buffer_limit_bytes', 'The bound of the reconnect buffer; a publish that does not fit is dropped', (s) => s.bufferLimitBytes);
  counter('dropped_messages_total', 'Publishes dropped: reconnect buffer full, refused by the client, or after close', (s) => s.dropped);
  counter('reconnects_total', 'Reconnections to NATS', (s) => s.reconnects);
  return {
    observe(stats) {
      source = stats;
    },
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

export function createGatewayMetrics(registry: Registry) {
  const r = [registry];
  return {
    connectionsOpen: new Gauge({ name: 'shardgate_gateway_connections', help: 'WebSocket connections open on this gateway', registers: r }),
    accepted: new Counter({ name: 'shardgate_gateway_connections_accepted_total', help: 'Connections admitted', registers: r }),
    refused: new Counter({ name: 'shardgate_gateway_connections_refused_total', help: 'Connections refused, by Kaetram close reason', labelNames: ['reason'], registers: r }),
    disconnects: new Counter({ name: 'shardgate_gateway_disconnects_total', help: 'Admitted connections that ended, by reason', labelNames: ['reason'], registers: r }),
    messagesReceived: new Counter({ name: 'shardgate_gateway_messages_received_total', help: 'Client frames received', registers: r }),
    messagesDropped: new Counter({ name: 'shardgate_gateway_messages_dropped_total', help: 'Client frames dropped, by reason', labelNames: ['reason'], registers: r }),
    framesSent: new Counter({ name: 'shardgate_gateway_frames_sent_total', help: 'WebSocket frames sent to clients', registers: r }),
    bytesSent: new Counter({ name: 'shardgate_gateway_sent_bytes_total', help: 'Bytes of WebSocket payload sent to clients', registers: r }),
    bytesReceived: new Counter({ name: 'shardgate_gateway_received_bytes_total', help: 'Bytes of WebSocket payload received from clients', registers: r }),
    admissionSeconds: new Histogram({
      name: 'shardgate_gateway_admission_duration_seconds',
      help: 'Time to decide a connection (guard included)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    }),
    busBatchEvents: new Histogram({
      name: 'shardgate_gateway_bus_batch_events',
      help: 'Client events per bus publish (one publish per shard per event-loop turn)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000],
      registers: r,
    }),
    slowReaderCloses: new Counter({ name: 'shardgate_gateway_slow_reader_closes_total', help: 'Connections closed for unsent bytes over the backpressure bound', registers: r }),
    sendBuffered: new Gauge({
      name: 'shardgate_gateway_send_buffered_bytes',
      help: 'Bytes this gateway holds for clients that have not read them yet (uWS backpressure), summed over connections; sampled each second',
      registers: r,
    }),
    sendBufferedMax: new Gauge({
      name: 'shardgate_gateway_send_buffered_max_bytes',
      help: 'The most bytes held for any one client (MAX_BACKPRESSURE_BYTES plus one frame at most); sampled each second',
      registers: r,
    }),
    shardsKnown: new Gauge({ name: 'shardgate_gateway_shards_known', help: 'Shards this gateway has heard from within SHARD_TIMEOUT_MS', registers: r }),
    busConnected: new Gauge({ name: 'shardgate_gateway_bus_connected', help: '1 while this gateway is connected to its bus, else 0', registers: r }),
    redisConnected: new Gauge({ name: 'shardgate_gateway_redis_connected', help: '1 while this gateway reaches Redis (always 1 in the embedded mode), else 0', registers: r }),
    guardDegraded: new Counter({ name: 'shardgate_gateway_guard_degraded_total', help: 'Guard decisions taken without the shared store, by operation', labelNames: ['op'], registers: r }),
    handoffsFollowed: new Counter({
      name: 'shardgate_gateway_handoffs_followed_total',
      help: 'Players a shard handed to another shard of its world, as this gateway took it: rerouted, gone (connection already closed), refused (the sender did not hold the player)',
      labelNames: ['outcome'],
      registers: r,
    }),
    bus: createBusMetrics(registry, 'gateway'),
    bansInForce: new Gauge({ name: 'shardgate_gateway_bans', help: 'Bans in force in this gateway\'s list, by kind (ipv4_address, ipv4_range, ipv6_address, ipv6_range)', labelNames: ['kind'], registers: r }),
    banStoreConnected: new Gauge({ name: 'shardgate_gateway_ban_store_connected', help: '1 while the durable ban store is reachable and this gateway\'s list is in sync with it, else 0', registers: r }),
    bannedRefusals: new Counter({ name: 'shardgate_gateway_banned_refusals_total', help: 'Connections refused as banned, by kind of the ban that matched', labelNames: ['kind'], registers: r }),
    adminAuthFailures: new Counter({ name: 'shardgate_gateway_admin_auth_failures_total', help: 'Admin API requests refused for a missing or wrong bearer token', registers: r }),
  };
}

export type ShardMetrics = ReturnType<typeof createShardMetrics>;

export function createShardMetrics(registry: Registry) {
  const r = [registry];
  return {
    players: new Gauge({ name: 'shardgate_shard_players', help: 'Players past Login on this shard (what MAX_PLAYERS counts)', registers: r }),
    connections: new Gauge({ name: 'shardgate_shard_connections', help: 'Connections on this shard, logged in or not (silent ones are closed by the handshake deadline)', registers: r }),
    busConnected: new Gauge({ name: 'shardgate_shard_bus_connected', help: '1 while this shard is connected to its bus, else 0', registers: r }),
    tickSeconds: new Histogram({
      name: 'shardgate_shard_tick_duration_seconds',
      help: 'Time spent in one tick (game update and queue flush)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: r,
    }),
    tickLag: new Histogram({
      name: 'shardgate_shard_tick_lag_seconds',
      help: 'How late each tick started against its schedule (the event loop was busy or the process waited for a CPU)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: r,
    }),
    tickOverruns: new Counter({ name: 'shardgate_shard_tick_overruns_total', help: 'Ticks that took longer than TICK_MS', registers: r }),
    packetsQueued: new Counter({ name: 'shardgate_shard_packets_queued_total', help: 'Packets queued for players', registers: r }),
    packetsFlushed: new Counter({ name: 'shardgate_shard_packets_flushed_total', help: 'Packets delivered to gateways in frames', registers: r }),
    batchBytes: new Histogram({
      name: 'shardgate_shard_gateway_batch_bytes',
      help: 'Size of one per-gateway batch on the bus',
      buckets: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576],
      registers: r,
    }),
    regionBroadcasts: new Counter({ name: 'shardgate_shard_region_broadcasts_total', help: 'Packets sent to a region or its surroundings', registers: r }),
    packetsRejected: new Counter({ name: 'shardgate_shard_packets_rejected_total', help: 'Client packets the game refused, by reason', labelNames: ['reason'], registers: r }),
    regionsOwned: new Gauge({ name: 'shardgate_shard_regions_owned', help: "Regions of its world this shard owns under the current ownership table", registers: r }),
    ownershipEpoch: new Gauge({ name: 'shardgate_shard_ownership_epoch', help: "Epoch of the world's ownership table this shard applies", registers: r }),
    handoffs: new Counter({
      name: 'shardgate_shard_handoffs_total',
      help: 'Players this shard handed to another shard of its world, by cause (walk, teleport, rebalance, drain)',
      labelNames: ['cause'],
      registers: r,
    }),
    handoffsReceived: new Counter({ name: 'shardgate_shard_handoffs_received_total', help: 'Players another shard of the world handed to this one', registers: r }),
    handoffSeconds: new Histogram({
      name: 'shardgate_shard_handoff_seconds',
      help: 'From a player leaving his old shard to his arrival on this one (wall clocks of both)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    borderPackets: new Counter({ name: 'shardgate_shard_border_packets_total', help: 'Broadcast packets sent to other shards of the world for players near a border', registers: r }),
    borderBytes: new Counter({ name: 'shardgate_shard_border_bytes_total', help: 'Bytes of messages sent to other shards of the world (broadcasts, ghosts, hand-offs)', registers: r }),
    peerRejected: new Counter({
      name: 'shardgate_shard_peer_rejected_total',
      help: 'Messages from other shards refused, by reason (malformed, stranger, stale, unknown, duplicate)',
      labelNames: ['reason'],
      registers: r,
    }),
    fenceBuffered: new Gauge({ name: 'shardgate_shard_fence_waiting', help: 'Handed-over players whose gateway has not confirmed the new route yet', registers: r }),
    bus: createBusMetrics(registry, 'shard'),
  };
}
