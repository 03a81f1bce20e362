// Fakes for the gateway's unit tests: no sockets, no timers, no network.
import type { ShardHeartbeat } from '@shardgate/protocol';
import type { ConnectionLimits, SocketLike } from '../src/connection';

/** A clock the test moves by hand. */
export class Clock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** What a FakeSocket saw, readable after the socket ended (the socket itself is not). */
export interface SocketRecord {
  sent: string[];
  ends: Array<{ code: number | undefined; reason: string | undefined }>;
  corks: number;
  /** Every method call, in order, including those refused after end. */
  calls: string[];
  /** Calls made after end(): each one would abort a uWS process. */
  accessAfterEnd: string[];
}

export interface FakeSocketOptions {
  /** What send() returns: 0 sent, 1 buffered (backpressure), 2 dropped. */
  sendStatus?: number;
  /** What getBufferedAmount() returns. */
  buffered?: number;
}

/**
 * A SocketLike that behaves like a uWS WebSocket once it ended: every property access throws
 * "Invalid access of closed uWS.WebSocket" (uWS aborts the process there; here the test fails).
 */
export function fakeSocket(options: FakeSocketOptions = {}): {
  socket: SocketLike;
  record: SocketRecord;
  set: (next: FakeSocketOptions) => void;
} {
  const state = { sendStatus: options.sendStatus ?? 0, buffered: options.buffered ?? 0, ended: false };
  const record: SocketRecord = { sent: [], ends: [], corks: 0, calls: [], accessAfterEnd: [] };
  const target: SocketLike = {
    send(message: string) {
      record.calls.push('send');
      record.sent.push(message);
      return state.sendStatus;
    },
    end(code?: number, reason?: string) {
      record.calls.push('end');
      record.ends.push({ code, reason });
      state.ended = true;
    },
    getBufferedAmount() {
      record.calls.push('getBufferedAmount');
      return state.buffered;
    },
    cork(cb: () => void) {
      record.calls.push('cork');
      record.corks += 1;
      cb();
    },
  };
  const socket = new Proxy(target, {
    get(object, property, receiver) {
      if (state.ended) {
        record.accessAfterEnd.push(String(property));
        throw new Error('Invalid access of closed uWS.WebSocket/SSLWebSocket.');
      }
      return Reflect.get(object, property, receiver);
    },
  });
  return {
    socket,
    record,
    set: (next) => {
      if (next.sendStatus !== undefined) state.sendStatus = next.sendStatus;
      if (next.buffered !== undefined) state.buffered = next.buffered;
    },
  };
}

export const limits = (overrides: Partial<ConnectionLimits> = {}): ConnectionLimits => ({
  messageLimit: 300,
  duplicateWindowMs: 100,
  maxBackpressureBytes: 1024 * 1024,
  ...overrides,
});

export const heartbeat = (shard: string, overrides: Partial<ShardHeartbeat> = {}): ShardHeartbeat => ({
  shard,
  serverId: 1,
  players: 0,
  capacity: 100,
  accepting: true,
  ...overrides,
});
