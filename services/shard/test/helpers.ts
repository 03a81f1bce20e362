import { createLogger } from '@shardgate/logger';
import { Registry, createShardMetrics, type ShardMetrics } from '@shardgate/metrics';
import { Packets, RegionGrid } from '@shardgate/protocol';
import type { CloseReason, ShardBatch } from '@shardgate/protocol';
import { NetworkManager, type Recipient } from '../src/network-manager';
import type { Outbox } from '../src/outbox';
import { RegionIndex } from '../src/regions';
import { World } from '../src/world';
import { builtInMap, type GameMap } from '../src/game-map';

/** A clock the test moves by hand. */
export class Clock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const silentLogger = () => createLogger({ level: 'silent', service: 'shard-test' });

export function freshMetrics(): { metrics: ShardMetrics; registry: Registry } {
  const registry = new Registry();
  return { metrics: createShardMetrics(registry), registry };
}

/** Reads one labelled value of packetsRejected. */
export async function rejected(metrics: ShardMetrics, reason: string): Promise<number> {
  const data = await metrics.packetsRejected.get();
  return data.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

export interface Published {
  gateway: string;
  batch: ShardBatch;
}

/** Turns published batches into what each connection received: packets and closes, in order. */
export class Received {
  constructor(private readonly published: Published[]) {}

  /** Every packet an instance got, parsed, in delivery order. */
  packets(instance: string): unknown[][] {
    const out: unknown[][] = [];
    for (const { batch } of this.published) {
      for (const [i, indices] of batch.frames) {
        if (i !== instance) continue;
        for (const index of indices) out.push(JSON.parse(batch.packets[index]!) as unknown[]);
      }
    }
    return out;
  }

  /** Packets of one id an instance got. */
  ofId(instance: string, id: number): unknown[][] {
    return this.packets(instance).filter((p) => p[0] === id);
  }

  closeOf(instance: string): CloseReason | undefined {
    for (const { batch } of this.published) for (const [i, reason] of batch.closes) if (i === instance) return reason;
    return undefined;
  }
}

export interface TestWorld {
  world: World;
  clock: Clock;
  metrics: ShardMetrics;
  published: Published[];
  received: Received;
  /** Runs one tick the way the shard does: world update, then flush. */
  tick(): void;
  connect(instance: string, gateway?: string): void;
  send(instance: string, id: number, data: unknown): void;
  /** The gateway reports the connection closed (the client left). */
  disconnect(instance: string): void;
  /** Connected + handshake + guest login + ready; flushes. */
  join(instance: string, beforeReady?: (instance: string) => void, gateway?: string): void;
}

let shared: GameMap | undefined;
/** The built-in map, built once per test file (it is immutable). */
export function sharedMap(): GameMap {
  return (shared ??= builtInMap());
}

/** The stock Kaetram client's `gVer` (the shard's default GAME_VERSION). */
export const VERSION = '0.5.5-beta';

export function createTestWorld(options: { map?: GameMap; readyTimeoutMs?: number; random?: () => number } = {}): TestWorld {
  const clock = new Clock();
  const { metrics } = freshMetrics();
  const published: Published[] = [];
  const world = new World({
    map: options.map ?? sharedMap(),
    serverId: 7,
    gameVersion: VERSION,
    readyTimeoutMs: options.readyTimeoutMs ?? 7000,
    shardId: '7',
    publish: (gateway, batch) => published.push({ gateway, batch }),
    metrics,
    logger: silentLogger(),
    now: clock.now,
    // Process uptime for the Handshake's serverTime: the same hand-moved clock, from 0.
    uptime: () => clock.t - 1_000_000,
    random: options.random ?? (() => 0.5),
  });
  const t: TestWorld = {
    world,
    clock,
    metrics,
    published,
    received: new Received(published),
    tick() {
      world.tick();
      world.network.parse();
    },
    connect(instance, gateway = 'gw1') {
      world.connectionCallback(instance, '127.0.0.1', gateway);
    },
    send(instance, id, data) {
      world.handleMessage(instance, id, data);
      world.network.flushImmediate();
    },
    disconnect(instance) {
      world.handleDisconnect(instance);
    },
    join(instance, beforeReady, gateway) {
      t.connect(instance, gateway);
      t.send(instance, Packets.Handshake, { gVer: VERSION });
      t.send(instance, Packets.Login, { opcode: 2 });
      beforeReady?.(instance);
      t.send(instance, Packets.Ready, { regionsLoaded: 0, userAgent: 'jest' });
      t.tick();
    },
  };
  return t;
}

/** Puts a welcomed (not yet ready) player somewhere else: how tests place players far apart. */
export function placeAt(world: World, x: number, y: number): (instance: string) => void {
  return (instance) => world.players.get(instance)!.setPosition(x, y);
}

/** A NetworkManager alone, with the regions and recipients a World would give it, and what it published. */
export interface NetworkHarness {
  network: NetworkManager;
  regions: RegionIndex<Recipient>;
  recipients: Map<string, Recipient>;
  published: Array<{ gateway: string; batch: ShardBatch }>;
  /** Opens a connection and stands it in `region` (-1: not in the world). */
  open(instance: string, gateway?: string, region?: number): void;
}

/** Used by the shard's unit tests and by test/hardening's queue-flush property. Default grid: 3x3 regions. */
export function networkHarness(options: { grid?: RegionGrid; batchBytes?: number } = {}): NetworkHarness {
  const regions = new RegionIndex<Recipient>(options.grid ?? new RegionGrid(144, 144));
  const recipients = new Map<string, Recipient>();
  const published: NetworkHarness['published'] = [];
  const network = new NetworkManager({
    shardId: 's1',
    ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
    metrics: freshMetrics().metrics,
    publish: (gateway, batch) => published.push({ gateway, batch }),
    host: {
      regions,
      addPlayer: (outbox: Outbox) => recipients.set(outbox.instance, { instance: outbox.instance, outbox, region: -1, slot: -1 }),
    },
  });
  return {
    network,
    regions,
    recipients,
    published,
    open(instance, gateway = 'gw1', region = -1) {
      if (!network.handleConnection(instance, '10.0.0.1', gateway)) throw new Error(`harness: ${instance} is already open`);
      if (region >= 0) regions.add(recipients.get(instance)!, region);
    },
  };
}
