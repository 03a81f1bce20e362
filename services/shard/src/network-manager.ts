import { BatchBuilder, serializePacket } from '@shardgate/protocol';
import type { CloseReason, ServerPacket, ShardBatch } from '@shardgate/protocol';
import type { ShardMetrics } from '@shardgate/metrics';
import { createOutbox, type Outbox } from './outbox';
import type { RegionIndex, RegionMember } from './regions';

/**
 * A packet to send: built (serialized here, once) or already serialized JSON text, for hot
 * packets built from a template (packets.ts) and cached ones.
 */
export type Outgoing = ServerPacket | string;

function textOf(packet: Outgoing): string {
  return typeof packet === 'string' ? packet : serializePacket(packet);
}

/** The only way out of the shard: one or more calls per gateway per flush, in order. Must not throw. */
export type PublishBatch = (gatewayId: string, batch: ShardBatch) => void;

/** A connection that can stand in a region: region broadcasts reach its outbox directly. */
export interface Recipient extends RegionMember {
  readonly outbox: Outbox;
}

/** The world, as the network manager sees it: where recipients stand, and who creates players. */
export interface ConnectionHost {
  readonly regions: RegionIndex<Recipient>;
  /** Creates the Player for a new connection (it queues `Connected` itself). */
  addPlayer(outbox: Outbox, ip: string): void;
}

/**
 * Default for NetworkManagerOptions.batchBytes. Well under NATS's 1 MiB max_payload, and under
 * V8's large-object size (~128 KB): a 230 KB tick encoded as one message cost 2.8x the encode
 * and 24x the decode of the same tick in 64 KiB pieces (bench/micro/envelopes.js).
 */
export const DEFAULT_BATCH_BYTES = 64 * 1024;

export interface NetworkManagerOptions {
  shardId: string;
  /**
   * A tick's batch for one gateway is published in pieces of about this many bytes (never
   * cutting a player's frame), so that a burst (joins, Map packets, a late tick) stays under
   * the bus's largest message. Default DEFAULT_BATCH_BYTES.
   */
  batchBytes?: number;
  publish: PublishBatch;
  metrics: ShardMetrics;
  host: ConnectionHost;
}

interface ImmediateBatch {
  frames: Map<string, number[]>;
  closes: Array<[string, CloseReason]>;
}

/**
 * The seed's NetworkManager: a packet queue per connection, flushed by `parse()` once per
 * tick as one ShardBatch per gateway (several when it passes `batchBytes`). Every send
 * serializes its packet once into the tick's packet table and queues its index for each
 * recipient, so a region broadcast costs one JSON.stringify and one array push per
 * recipient, and its bytes travel once per gateway batch. No I/O here: batches go out through the injected `publish` port.
 */
export class NetworkManager {
  private readonly outboxes = new Map<string, Outbox>();
  private readonly byGateway = new Map<string, Set<string>>();
  // Outboxes that got packets (or a close) since the last flush; parse() only walks these.
  private listed: Outbox[] = [];
  // Every packet serialized since the last flush; queues hold indices into it.
  private table: string[] = [];
  // Shared strings (cached Map and Spawn packets) get one table entry per tick, however often sent.
  private shared = new Map<string, number>();
  private immediate = new Map<string, ImmediateBatch>();
  // Players handed to another shard this tick, per gateway: [instance, new shard].
  private moves = new Map<string, Array<[string, string]>>();
  // Counted locally and added to the metrics once per flush: prom-client per push is too dear.
  private queued = 0;
  private regionSends = 0;

  constructor(private readonly options: NetworkManagerOptions) {}

  get size(): number {
    return this.outboxes.size;
  }

  has(instance: string): boolean {
    return this.outboxes.has(instance);
  }

  /** World.connectionCallback: creates the queue, then the Player. False for a duplicate instance. */
  handleConnection(instance: string, ip: string, gateway: string): boolean {
    if (this.outboxes.has(instance)) return false;
    this.options.host.addPlayer(this.open(instance, gateway), ip);
    return true;
  }

  private open(instance: string, gateway: string): Outbox {
    const outbox = createOutbox(instance, gateway);
    this.outboxes.set(instance, outbox);
    let set = this.byGateway.get(gateway);
    if (set === undefined) this.byGateway.set(gateway, (set = new Set()));
    set.add(instance);
    return outbox;
  }

  /** Instances held by one gateway (for despawning a gateway that went silent). */
  instancesOf(gateway: string): string[] {
    return [...(this.byGateway.get(gateway) ?? [])];
  }

  gateways(): string[] {
    return [...this.byGateway.keys()];
  }

  send(instance: string, packet: Outgoing): void {
    const outbox = this.outboxes.get(instance);
    if (outbox !== undefined && outbox.open) this.push(outbox, this.add(textOf(packet)));
  }

  /** Queues an already serialized packet (cached ones such as Map). */
  sendSerialized(instance: string, serialized: string): void {
    const outbox = this.outboxes.get(instance);
    if (outbox !== undefined && outbox.open) this.push(outbox, this.addShared(serialized));
  }

  sendToPlayers(instances: Iterable<string>, packet: Outgoing, ignore?: string): void {
    const index = this.add(textOf(packet));
    for (const instance of instances) {
      if (instance === ignore) continue;
      const outbox = this.outboxes.get(instance);
      if (outbox !== undefined) this.push(outbox, index);
    }
  }

  /** Like sendToPlayers, for recipients already at hand (no lookup per recipient). */
  sendToRecipients(recipients: Iterable<Recipient>, packet: Outgoing, ignore?: string): void {
    const index = this.add(textOf(packet));
    for (const r of recipients) if (r.instance !== ignore) this.push(r.outbox, index);
  }

  /** An already serialized packet to recipients at hand. */
  sendSerializedTo(recipients: Iterable<Recipient>, serialized: string, ignore?: string): void {
    const index = this.addShared(serialized);
    for (const r of recipients) if (r.instance !== ignore) this.push(r.outbox, index);
  }

  /** To everyone standing in any of `regions` (a region change's gone or entered set, a border broadcast). */
  sendToRegions(regions: readonly number[], packet: Outgoing, ignore?: string): void {
    this.regionSends += 1;
    const count = this.options.host.regions.grid.count;
    const index = this.add(textOf(packet));
    for (const r of regions) if (r >= 0 && r < count) this.pushToRegion(r, index, ignore);
  }

  sendToRegion(region: number, packet: Outgoing, ignore?: string): void {
    this.regionSends += 1;
    this.pushToRegion(region, this.add(textOf(packet)), ignore);
  }

  sendToSurroundingRegions(region: number, packet: Outgoing, ignore?: string): void {
    this.regionSends += 1;
    const regions = this.options.host.regions;
    if (region < 0 || region >= regions.grid.count) return;
    const index = this.add(textOf(packet));
    for (const r of regions.grid.surrounding(region)) this.pushToRegion(r, index, ignore);
  }

  /** Every open connection, logged in or not. */
  broadcast(packet: Outgoing, ignore?: string): void {
    const index = this.add(textOf(packet));
    for (const outbox of this.outboxes.values()) if (outbox.instance !== ignore) this.push(outbox, index);
  }

  /**
   * Answers that must not wait for the tick (the handshake). Collected and published by
   * flushImmediate() once the current incoming batch is handled. Anything already queued
   * for the instance goes first, so its packets keep their order.
   */
  sendImmediate(instance: string, packet: Outgoing): void {
    const outbox = this.outboxes.get(instance);
    if (outbox === undefined || !outbox.open) return;
    const batch = this.immediateFor(outbox.gateway);
    let frame = batch.frames.get(instance);
    if (frame === undefined) batch.frames.set(instance, (frame = []));
    if (outbox.packets.length > 0) {
      for (const queued of outbox.packets) frame.push(queued);
      outbox.packets = [];
    }
    frame.push(this.add(textOf(packet)));
    this.queued += 1;
  }

  /** Closes a connection that never got a queue (world full, shutting down) with the next immediate flush. */
  refuse(gateway: string, instance: string, reason: CloseReason): void {
    this.immediateFor(gateway).closes.push([instance, reason]);
  }

  /** Shard-side close: delivered after the instance's queued packets on the next flush. */
  close(instance: string, reason: CloseReason): void {
    const outbox = this.outboxes.get(instance);
    if (outbox === undefined || !outbox.open) return;
    outbox.open = false;
    outbox.closing = reason;
    this.list(outbox);
  }

  /** The connection is gone at the gateway: nothing can be delivered, forget it now. */
  drop(instance: string): void {
    const outbox = this.outboxes.get(instance);
    if (outbox === undefined) return;
    outbox.open = false;
    outbox.closing = null;
    outbox.packets = [];
    this.forget(outbox);
  }

  /**
   * The player goes to another shard: its queue leaves with it (as packet text, in order) and
   * its gateway is told, in this tick's batch after any frame already queued for it, to send
   * its events to `shard` from now on. Undefined when there is no open queue to hand over.
   */
  detach(instance: string, shard: string): { gateway: string; pending: string[] } | undefined {
    const outbox = this.outboxes.get(instance);
    if (outbox === undefined || !outbox.open) return undefined;
    const pending = outbox.packets.map((i) => this.table[i]!);
    outbox.packets = [];
    outbox.open = false;
    this.forget(outbox);
    let moves = this.moves.get(outbox.gateway);
    if (moves === undefined) this.moves.set(outbox.gateway, (moves = []));
    moves.push([instance, shard]);
    return { gateway: outbox.gateway, pending };
  }

  /** A player handed over by another shard: a queue that starts with what it had not yet sent. */
  adopt(instance: string, gateway: string, pending: readonly string[]): Outbox | undefined {
    if (this.outboxes.has(instance)) return undefined;
    const outbox = this.open(instance, gateway);
    for (const text of pending) this.push(outbox, this.add(text));
    return outbox;
  }

  /** Flushes every non-empty queue: ShardBatches per gateway (see batchBytes), frames in queue order, closes after their frames. */
  parse(): void {
    // Immediate frames refer to this tick's table, and must not be overtaken by the tick.
    this.flushImmediate();
    if (this.listed.length === 0 && this.moves.size === 0) {
      this.resetTable();
      return this.report(0);
    }
    const builders = new Map<string, BatchBuilder>();
    const limit = this.options.batchBytes ?? DEFAULT_BATCH_BYTES;
    let flushed = 0;
    const listed = this.listed;
    const table = this.table;
    this.listed = [];
    for (const outbox of listed) {
      outbox.listed = false;
      if (outbox.packets.length === 0 && outbox.closing === null) continue;
      let builder = builders.get(outbox.gateway);
      if (builder === undefined) builders.set(outbox.gateway, (builder = new BatchBuilder(table)));
      if (outbox.packets.length > 0) {
        builder.addFrame(outbox.instance, outbox.packets);
        outbox.packets = [];
      }
      if (outbox.closing !== null) {
        builder.addClose(outbox.instance, outbox.closing);
        this.forget(outbox);
      }
      // Full: out it goes, and the gateway's next frames start another batch. Batches to one
      // gateway are published in order and a frame is never cut, so each player's order holds.
      if (builder.bytes >= limit) {
        flushed += builder.references;
        this.options.publish(outbox.gateway, builder.build(this.options.shardId));
        builders.delete(outbox.gateway);
      }
    }
    this.resetTable();
    // Hand-offs go after the frames queued before them: the gateway re-routes once it has them.
    if (this.moves.size > 0) {
      for (const [gateway, moves] of this.moves) {
        let builder = builders.get(gateway);
        if (builder === undefined) builders.set(gateway, (builder = new BatchBuilder(table)));
        for (const [instance, shard] of moves) builder.addMove(instance, shard);
      }
      this.moves = new Map();
    }
    for (const [gateway, builder] of builders) {
      flushed += builder.references;
      this.options.publish(gateway, builder.build(this.options.shardId));
    }
    this.report(flushed);
  }

  /** Publishes what sendImmediate()/refuse() collected. */
  flushImmediate(): void {
    if (this.immediate.size === 0) return;
    const immediate = this.immediate;
    this.immediate = new Map();
    let flushed = 0;
    for (const [gateway, batch] of immediate) {
      const builder = new BatchBuilder(this.table);
      for (const [instance, packets] of batch.frames) builder.addFrame(instance, packets);
      for (const [instance, reason] of batch.closes) builder.addClose(instance, reason);
      flushed += builder.references;
      this.options.publish(gateway, builder.build(this.options.shardId));
    }
    this.options.metrics.packetsFlushed.inc(flushed);
    // Queues may still refer to the table (packets for the next tick): keep it until parse().
  }

  private add(serialized: string): number {
    return this.table.push(serialized) - 1;
  }

  private addShared(serialized: string): number {
    let index = this.shared.get(serialized);
    if (index === undefined) this.shared.set(serialized, (index = this.add(serialized)));
    return index;
  }

  private resetTable(): void {
    this.table = [];
    if (this.shared.size > 0) this.shared = new Map();
  }

  private push(outbox: Outbox, index: number): void {
    if (!outbox.open) return;
    outbox.packets.push(index);
    this.queued += 1;
    if (!outbox.listed) this.list(outbox);
  }

  private pushToRegion(region: number, index: number, ignore: string | undefined): void {
    const members = this.options.host.regions.membersOf(region);
    for (let i = 0; i < members.length; i++) {
      const member = members[i]!;
      if (member.instance !== ignore) this.push(member.outbox, index);
    }
  }

  private list(outbox: Outbox): void {
    if (outbox.listed) return;
    outbox.listed = true;
    this.listed.push(outbox);
  }

  private immediateFor(gateway: string): ImmediateBatch {
    let batch = this.immediate.get(gateway);
    if (batch === undefined) this.immediate.set(gateway, (batch = { frames: new Map(), closes: [] }));
    return batch;
  }

  private forget(outbox: Outbox): void {
    if (this.outboxes.get(outbox.instance) !== outbox) return;
    this.outboxes.delete(outbox.instance);
    const set = this.byGateway.get(outbox.gateway);
    set?.delete(outbox.instance);
    if (set?.size === 0) this.byGateway.delete(outbox.gateway);
  }

  private report(flushed: number): void {
    const m = this.options.metrics;
    if (this.queued > 0) m.packetsQueued.inc(this.queued);
    if (this.regionSends > 0) m.regionBroadcasts.inc(this.regionSends);
    if (flushed > 0) m.packetsFlushed.inc(flushed);
    this.queued = 0;
    this.regionSends = 0;
  }
}
