import { createLogger } from '@shardgate/logger';
import { OwnershipTable, Packets, decodePeerMessage, encodePeerMessage, type PeerMessage, type ShardBatch } from '@shardgate/protocol';
import type { ShardMetrics } from '@shardgate/metrics';
import type { GameMap } from '../src/game-map';
import { World } from '../src/world';
import { Clock, VERSION, freshMetrics, sharedMap, silentLogger } from './helpers';

/**
 * One world on several shards (Worlds) in one process, wired by an instant, ordered bus and
 * a gateway that follows hand-offs as the real one does (`moves` re-route, fences to the old
 * shard). Peer messages go through msgpack like on NATS. A cluster of one is today's single
 * shard, so the same script run on both is an oracle for the border logic.
 */
export class Cluster {
  readonly clock = new Clock();
  readonly worlds = new Map<string, World>();
  readonly metrics = new Map<string, ShardMetrics>();
  /** Per instance: the shard his gateway routes to. */
  readonly route = new Map<string, string>();
  /** Per instance: every packet received, in order (JSON text). */
  readonly received = new Map<string, string[]>();
  readonly closes = new Map<string, string>();
  private readonly peerQueue: Array<[string, Uint8Array]> = [];
  private readonly gatewayQueue: ShardBatch[] = [];
  private guests = 0;
  table: OwnershipTable;

  constructor(
    shards: readonly string[],
    readonly map: GameMap = sharedMap(),
  ) {
    this.table = new OwnershipTable({ epoch: 1, shards, regions: map.grid.count });
    for (const id of shards) this.add(id);
  }

  /** A new shard (not yet in the table: apply the next table to every world). */
  addShard(id: string): World {
    return this.add(id);
  }

  /** While set, the gateway's fences wait (a slow gateway): the new shard holds the player's events. */
  fenceDelay = false;
  /** While set, messages between shards wait (a hand-off on its way). */
  peerDelay = false;
  private readonly fences: Array<[string, string]> = [];

  private add(id: string): World {
    const { metrics } = freshMetrics();
    this.metrics.set(id, metrics);
    const world = new World({
      map: this.map,
      serverId: 1,
      gameVersion: VERSION,
      readyTimeoutMs: 60_000,
      handshakeTimeoutMs: 60_000,
      shardId: id,
      publish: (_gateway, batch) => this.gatewayQueue.push(batch),
      publishPeer: (shard, message: PeerMessage) => this.peerQueue.push([shard, encodePeerMessage(message)]),
      metrics,
      logger: process.env.CLUSTER_LOG ? createLogger({ level: 'debug', service: id }) : silentLogger(),
      now: this.clock.now,
      uptime: () => this.clock.t - 1_000_000,
      random: () => 0.5,
      table: this.table,
      guestName: () => `Guest${++this.guests}`,
    });
    this.worlds.set(id, world);
    return world;
  }

  /** A counter summed over every shard (and its labels). */
  async total(pick: (m: ShardMetrics) => { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, label?: Record<string, string>): Promise<number> {
    let sum = 0;
    for (const m of this.metrics.values()) {
      for (const v of (await pick(m).get()).values) {
        if (label && !Object.entries(label).every(([k, want]) => v.labels[k] === want)) continue;
        sum += v.value;
      }
    }
    return sum;
  }

  world(id: string): World {
    return this.worlds.get(id)!;
  }

  /** The shard that holds `instance` now. */
  holder(instance: string): string | undefined {
    for (const [id, world] of this.worlds) if (world.players.has(instance)) return id;
    return undefined;
  }

  /** A new connection, routed (as the gateway does) to the owner of the region it will stand in. */
  connect(instance: string, at: { x: number; y: number }): void {
    const shard = this.table.ownerOf(this.map.grid.regionAt(at.x, at.y));
    this.route.set(instance, shard);
    this.received.set(instance, []);
    this.world(shard).connectionCallback(instance, '127.0.0.1', 'gw1');
  }

  send(instance: string, id: number, data: unknown): void {
    this.inbox(this.route.get(instance)!, (w) => w.handleMessage(instance, id, data));
    this.deliver();
  }

  /** Something arrives at a shard, then what it must send at once goes (as handleInbound and Shard.onPeer do). */
  private inbox(shard: string, fn: (world: World) => void): void {
    const world = this.world(shard);
    fn(world);
    world.network.flushImmediate();
    world.flushPeers();
  }

  disconnect(instance: string): void {
    this.world(this.route.get(instance)!).handleDisconnect(instance);
    this.deliver();
  }

  /** Connected, handshake, guest login, placed at `at`, Ready; then ticks until settled. */
  join(instance: string, at: { x: number; y: number }): void {
    this.connect(instance, at);
    this.send(instance, Packets.Handshake, { gVer: VERSION });
    this.send(instance, Packets.Login, { opcode: 2 });
    this.world(this.route.get(instance)!).players.get(instance)!.setPosition(at.x, at.y);
    this.send(instance, Packets.Ready, { regionsLoaded: 0, userAgent: 'jest' });
    this.settle();
  }

  /** An operator's teleport, on whichever shard holds the player. */
  teleport(instance: string, x: number, y: number): boolean {
    const holder = this.holder(instance);
    return holder !== undefined && this.world(holder).teleport(instance, x, y) === 'moved';
  }

  /** One tick on every shard, in id order, then everything on the bus delivered. */
  tick(ms = 50): void {
    this.clock.advance(ms);
    for (const world of this.worlds.values()) {
      world.tick();
      world.network.parse();
      world.flushPeers();
      this.deliver();
    }
  }

  /** Ticks until no message is in flight and nobody waits for a fence, then once more (what the last messages queued goes out). */
  settle(max = 20): void {
    for (let i = 0; i < max; i++) {
      this.tick();
      const waiting = [...this.worlds.values()].some((w) => w.border.fenceWaiting > 0);
      if (!waiting && this.fences.length === 0 && this.peerQueue.length === 0 && this.gatewayQueue.length === 0) {
        this.tick();
        return;
      }
    }
  }

  private deliver(): void {
    if (!this.fenceDelay) for (const [shard, instance] of this.fences.splice(0)) this.inbox(shard, (w) => w.handleFence(instance));
    while (this.peerQueue.length > 0 || this.gatewayQueue.length > 0) {
      while (this.gatewayQueue.length > 0) this.gateway(this.gatewayQueue.shift()!);
      const next = this.peerDelay ? undefined : this.peerQueue.shift();
      if (next === undefined && this.gatewayQueue.length === 0) break;
      if (next !== undefined) this.inbox(next[0], (w) => w.receivePeer(decodePeerMessage(next[1]))); // as Shard.onPeer
    }
  }

  private gateway(batch: ShardBatch): void {
    for (const [instance, indices] of batch.frames) {
      const list = this.received.get(instance);
      for (const i of indices) list?.push(batch.packets[i]!);
    }
    for (const [instance, reason] of batch.closes) this.closes.set(instance, reason);
    for (const [instance, shard] of batch.moves ?? []) {
      if (this.route.get(instance) !== batch.shard) continue;
      this.route.set(instance, shard);
      if (this.fenceDelay) this.fences.push([batch.shard, instance]);
      else this.inbox(batch.shard, (w) => w.handleFence(instance));
    }
  }
}

/** The instance a packet is about (its sender, for broadcasts), or '' for packets about nobody. */
export function aboutOf(text: string): string {
  const packet = JSON.parse(text) as unknown[];
  for (const part of packet) {
    if (part !== null && typeof part === 'object' && !Array.isArray(part) && typeof (part as { instance?: unknown }).instance === 'string') {
      return (part as { instance: string }).instance;
    }
  }
  return '';
}

/**
 * What a client received, in a form that two runs can be compared by: for every instance a
 * packet is about, the packets in order; List contents as sets (who holds whom decides their
 * order); each Map packet as the regions it carries.
 */
export function perSender(packets: readonly string[], decodeMapRegions: (text: string) => string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const maps: string[] = [];
  for (const text of packets) {
    const packet = JSON.parse(text) as unknown[];
    if (packet[0] === Packets.Map) {
      maps.push(decodeMapRegions(text).sort().join(','));
      continue;
    }
    if (packet[0] === Packets.List) {
      const entities = [...((packet[2] as { entities: string[] }).entities)].sort();
      (out['list'] ??= []).push(JSON.stringify(entities));
      continue;
    }
    const key = aboutOf(text) || `packet ${String(packet[0])}`;
    (out[key] ??= []).push(text);
  }
  out['map'] = maps;
  return out;
}
