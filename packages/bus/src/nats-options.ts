import type { ConnectionOptions, TlsOptions } from 'nats';
import type { BusErrorListener } from './bus';
import { defaultOnError } from './checks';
import { BusOptionsError } from './errors';

/** What every NatsBus needs, whether it opened the connection or was handed one. */
export interface NatsBusAttachOptions {
  /** Handler errors, dropped publishes, server errors; one stderr line each by default. */
  onError?: BusErrorListener;
  /**
   * Bytes (payload + subject) of publishes held while disconnected and sent in order once
   * reconnected; beyond it publishes are dropped (counted, reported once per outage).
   * 0 drops every publish made while disconnected. Default 8 MiB (the Go client's default).
   */
  reconnectBufSize?: number;
  /** flush() rejects with BusTimeoutError after this long. Default 10 000 ms. */
  flushTimeoutMs?: number;
  /** close() waits at most this long for published messages to reach the server. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** close() also closes the NatsConnection. Default false for fromConnection(), always true for connect(). */
  ownsConnection?: boolean;
}

export interface NatsBusOptions extends Omit<NatsBusAttachOptions, 'ownsConnection'> {
  /** `nats://host:port`, or several: the client moves to another one when one fails. */
  servers: string | string[];
  /** Client name in the server's monitoring pages, e.g. `gateway-1`. */
  name: string;
  /** Keep retrying when no server is up at start (connect() resolves once one is). Default true. */
  waitOnFirstConnect?: boolean;
  /** Pause between reconnect attempts (plus up to reconnectJitterMs). Default 1000 ms. */
  reconnectTimeWaitMs?: number;
  /** Random extra pause, so that many clients do not reconnect in lockstep. Default 200 ms. */
  reconnectJitterMs?: number;
  /** Handshake timeout of one connection attempt. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * Client PING period; after maxPingOut unanswered PINGs the connection is declared stale
   * and redialled. Defaults 10 000 ms and 3: a server that vanished without closing its
   * sockets is noticed within about 40 s (nats.js's own default would take 4 minutes).
   */
  pingIntervalMs?: number;
  maxPingOut?: number;
  user?: string;
  pass?: string;
  token?: string;
  tls?: TlsOptions;
}

export interface NatsBusSettings {
  onError: BusErrorListener;
  reconnectBufSize: number;
  flushTimeoutMs: number;
  closeTimeoutMs: number;
  ownsConnection: boolean;
}

export const NATS_BUS_DEFAULTS = Object.freeze({
  waitOnFirstConnect: true,
  reconnectTimeWaitMs: 1000,
  reconnectJitterMs: 200,
  reconnectBufSize: 8 * 1024 * 1024,
  connectTimeoutMs: 5000,
  pingIntervalMs: 10_000,
  maxPingOut: 3,
  flushTimeoutMs: 10_000,
  closeTimeoutMs: 2000,
});

/** Checks and completes the options in one place; every rejection names its field. */
export function parseAttachOptions(o: NatsBusAttachOptions, ownsByDefault: boolean): NatsBusSettings {
  if (o.onError !== undefined && typeof o.onError !== 'function') throw new BusOptionsError('onError', 'must be a function');
  return {
    onError: o.onError ?? defaultOnError,
    reconnectBufSize: int('reconnectBufSize', o.reconnectBufSize, NATS_BUS_DEFAULTS.reconnectBufSize, 0),
    flushTimeoutMs: int('flushTimeoutMs', o.flushTimeoutMs, NATS_BUS_DEFAULTS.flushTimeoutMs, 1),
    closeTimeoutMs: int('closeTimeoutMs', o.closeTimeoutMs, NATS_BUS_DEFAULTS.closeTimeoutMs, 0),
    ownsConnection: o.ownsConnection ?? ownsByDefault,
  };
}

export function parseNatsBusOptions(o: NatsBusOptions): { settings: NatsBusSettings; connection: ConnectionOptions } {
  const servers = typeof o.servers === 'string' ? [o.servers] : o.servers;
  if (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw new BusOptionsError('servers', 'must be a non-empty server URL or list of them');
  }
  if (typeof o.name !== 'string' || o.name.trim() === '') throw new BusOptionsError('name', 'must be a non-empty string');
  if (o.pass !== undefined && o.user === undefined) throw new BusOptionsError('pass', 'requires user');
  if (o.token !== undefined && o.user !== undefined) throw new BusOptionsError('token', 'cannot be combined with user/pass');
  const d = NATS_BUS_DEFAULTS;
  const connection: ConnectionOptions = {
    servers,
    name: o.name,
    // Forever: a service outlives any NATS outage; readiness reports the gap meanwhile.
    maxReconnectAttempts: -1,
    reconnect: true,
    waitOnFirstConnect: o.waitOnFirstConnect ?? d.waitOnFirstConnect,
    reconnectTimeWait: int('reconnectTimeWaitMs', o.reconnectTimeWaitMs, d.reconnectTimeWaitMs, 1),
    reconnectJitter: int('reconnectJitterMs', o.reconnectJitterMs, d.reconnectJitterMs, 0),
    timeout: int('connectTimeoutMs', o.connectTimeoutMs, d.connectTimeoutMs, 1),
    pingInterval: int('pingIntervalMs', o.pingIntervalMs, d.pingIntervalMs, 1),
    maxPingOut: int('maxPingOut', o.maxPingOut, d.maxPingOut, 1),
  };
  if (o.user !== undefined) Object.assign(connection, { user: o.user, pass: o.pass });
  if (o.token !== undefined) connection.token = o.token;
  if (o.tls !== undefined) connection.tls = o.tls;
  // connect() opened the connection, so close() must close it whatever the caller passed.
  return { settings: { ...parseAttachOptions(o, true), ownsConnection: true }, connection };
}

function int(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new BusOptionsError(field, `must be an integer >= ${min}, got ${String(value)}`);
  return value;
}
