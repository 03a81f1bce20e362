import type { Protocol } from './bot';
import type { ProcessRef } from './procstat';
import type { TransportName } from './transport';

/** play: join, walk and chat in measured stages; idle: connect, handshake, hold; storm: connect+close. */
export type Mode = 'play' | 'idle' | 'storm';
export type Spread = { kind: 'none' } | { kind: 'uniform' } | { kind: 'lattice'; spacing: number };

export interface Stage {
  bots: number;
  seconds: number;
}

export interface SwarmOptions {
  /** One or more ws:// URLs; bot i uses urls[i % n]. */
  urls: string[];
  protocol: Protocol;
  transport: TransportName;
  mode: Mode;
  stages: Stage[];
  settleSeconds: number;
  /** Open loop: chat lines per bot per second (Poisson). */
  chatRate: number;
  /** Closed loop when > 0: chat lines in flight per bot (next one sent when one comes back). */
  chatWindow: number;
  /** Closed loop: at most this many chat lines per bot per second. */
  chatMaxRate: number;
  chatTimeoutMs: number;
  /** Steps per bot per second, averaged over walks and pauses (0: stand still). */
  moveRate: number;
  mapSize: number;
  margin: number;
  spread: Spread;
  /** Spread teleports per second, at most. */
  spreadRate: number;
  /** How a spread is done: the gateway's admin API teleport, or the peer's teleport event. */
  spreadVia: 'admin' | 'socketio';
  adminUrl?: string;
  adminToken?: string;
  sources: string;
  maxPerSource: number;
  connectIntervalMs: number;
  /** New connections per second, at most. */
  connectRate: number;
  /** Connections waiting for their upgrade at once, at most. */
  maxConnecting: number;
  gameVersion: string;
  serverPids: ProcessRef[];
  scrape: Array<{ name: string; url: string }>;
  /** storm: connections in flight. */
  concurrency: number;
  joinTimeoutSeconds: number;
  progress: boolean;
  seed?: number;
}
