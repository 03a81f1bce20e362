import type { EnvReader } from '@shardgate/config';
import type { Bus } from '@shardgate/bus';
import type { Logger } from '@shardgate/logger';
import type { ShardMetrics } from '@shardgate/metrics';
import { GAME_VERSION_PATTERN, STOCK_CLIENT_VERSION, type Subjects } from '@shardgate/protocol';
import type { GameMap } from './game-map';

/** Everything a shard reads from its environment, validated once at start. */
export interface ShardConfig {
  /** World id the client sees as the handshake's `serverId`; also the shard's bus id (its decimal string). */
  serverId: number;
  /**
   * The Kaetram client version accepted by the handshake (`gVer`); anything else is closed with
   * `updated`. The default is the stock client's (Kaetram-Open 4bdbd6d: `GVER` in .env.defaults,
   * the client's astro.config.ts), compared as Kaetram's `Incoming.handleHandshake` does.
   */
  gameVersion: string;
  /** Connections this shard takes; beyond that an open is refused with `worldfull`. */
  maxPlayers: number;
  /** Time between Welcome and Ready before the client is closed with `error` (Kaetram's `Player.intro`). */
  readyTimeoutMs: number;
  /** Connected to Welcome (handshake and login), else closed with `timeout`. */
  handshakeTimeoutMs: number;
  /** Milliseconds a player takes to walk one tile (Kaetram's `Modules.Defaults.MOVEMENT_SPEED`, 220); sent in Welcome and Spawn, enforced on steps. */
  movementSpeedMs: number;
  /** Game tick: queues are flushed to the gateways once per tick. */
  tickMs: number;
  /** Optional map file (README "Map file"); the built-in map otherwise. */
  mapFile?: string;
  /** A gateway silent (no heartbeat, no batch) this long has its players despawned. */
  gatewayTimeoutMs: number;
  /** How often this shard publishes its heartbeat. */
  heartbeatMs: number;
}

export const SHARD_DEFAULTS = Object.freeze({
  serverId: 1,
  gameVersion: STOCK_CLIENT_VERSION,
  maxPlayers: 1000,
  readyTimeoutMs: 7000,
  movementSpeedMs: 220,
  handshakeTimeoutMs: 10000,
  tickMs: 50,
  gatewayTimeoutMs: 5000,
  heartbeatMs: 1000,
});


/** `ShardConfig` as the environment gives it: the world id may be unset, for the deployment to settle. */
export type ShardSettings = Omit<ShardConfig, 'serverId'> & { serverId: number | undefined };

/**
 * The embedded mode's reading: `SERVER_ID` defaults to 1. Problems are collected in `reader`;
 * the entry file calls `reader.done()` once every service part has read its own, so one start
 * names them all.
 */
export function readShardConfig(reader: EnvReader): ShardConfig {
  const { serverId, ...settings } = readShardSettings(reader);
  return { ...settings, serverId: serverId ?? SHARD_DEFAULTS.serverId };
}

/** Reads the shard's variables, leaving an unset `SERVER_ID` undefined. */
export function readShardSettings(reader: EnvReader): ShardSettings {
  const d = SHARD_DEFAULTS;
  const mapFile = reader.optionalString('MAP_FILE');
  return {
    serverId: reader.optionalInt('SERVER_ID', { min: 1, max: 99_999 }),
    gameVersion: reader.string('GAME_VERSION', d.gameVersion, GAME_VERSION_PATTERN, '1 to 64 printable ASCII characters without spaces'),
    maxPlayers: reader.int('MAX_PLAYERS', d.maxPlayers, { min: 1, max: 1_000_000 }),
    readyTimeoutMs: reader.int('READY_TIMEOUT_MS', d.readyTimeoutMs, { min: 1, max: 3_600_000 }),
    handshakeTimeoutMs: reader.int('HANDSHAKE_TIMEOUT_MS', d.handshakeTimeoutMs, { min: 100, max: 3_600_000 }),
    movementSpeedMs: reader.int('MOVEMENT_SPEED_MS', d.movementSpeedMs, { min: 10, max: 10_000 }),
    tickMs: reader.int('TICK_MS', d.tickMs, { min: 1, max: 1000 }),
    gatewayTimeoutMs: reader.int('GATEWAY_TIMEOUT_MS', d.gatewayTimeoutMs, { min: 100, max: 3_600_000 }),
    heartbeatMs: reader.int('HEARTBEAT_MS', d.heartbeatMs, { min: 100, max: 60_000 }),
    ...(mapFile === undefined ? {} : { mapFile }),
  };
}

/** What `new Shard()` takes: validated config plus the adapters it must not build itself. */
export interface ShardOptions {
  config: ShardConfig;
  bus: Bus;
  subjects: Subjects;
  logger: Logger;
  metrics: ShardMetrics;
  /** Wall clock in ms (Date.now by default); tests pass a controllable one. */
  now?: () => number;
  /** The world map; loaded from `config.mapFile` (or the built-in map) when absent. */
  map?: GameMap;
  /** Random source for spawn placement (Math.random by default). */
  random?: () => number;
}
