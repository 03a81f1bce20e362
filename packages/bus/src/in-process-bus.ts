import type { Bus, BusErrorListener, BusHandler, BusStatus, Subscription } from './bus';
import { assertPayload, assertSubject, DEFAULT_MAX_PAYLOAD, defaultOnError, safeReport } from './checks';
import { BusClosedError, BusOptionsError, BusPayloadTooLargeError } from './errors';
import { Fanout } from './fanout';
import { StatusEmitter } from './status';

export interface InProcessBusOptions {
  /** Handler errors and publishes after close(); one stderr line each by default. */
  onError?: BusErrorListener;
  /** Largest payload delivered, in bytes (larger ones are dropped and reported). Default 1 MiB, NATS's default. */
  maxPayload?: number;
}

interface FlushWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The embedded-mode bus: one process, no network. Delivery is deliberately asynchronous
 * (a setImmediate batch), like NATS, so that code which only works because a handler ran
 * inside publish() fails in embedded mode too instead of first failing in production.
 * The queue is unbounded: the publisher and the subscribers share one event loop, so a
 * publisher that outruns its subscribers is a bug to fix there, not here.
 */
export class InProcessBus implements Bus {
  private readonly onError: BusErrorListener;
  private readonly fanout: Fanout;
  private readonly state: StatusEmitter;
  // FIFO of published messages; `head` instead of Array.shift(), which is O(n) per call.
  private subjects: string[] = [];
  private payloads: Uint8Array[] = [];
  private head = 0;
  private scheduled = false;
  private published = 0;
  private delivered = 0;
  private waiters: FlushWaiter[] = [];
  readonly maxPayload: number;

  constructor(options: InProcessBusOptions = {}) {
    this.onError = options.onError ?? defaultOnError;
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isSafeInteger(this.maxPayload) || this.maxPayload < 1) throw new BusOptionsError('maxPayload', 'must be a positive integer');
    this.fanout = new Fanout(this.onError);
    this.state = new StatusEmitter('connected', this.onError);
  }

  get status(): BusStatus {
    return this.state.status;
  }

  publish(subject: string, payload: Uint8Array): void {
    assertSubject(subject);
    assertPayload(payload);
    if (this.status === 'closed') {
      safeReport(this.onError, new BusClosedError(`publish to ${subject} after close: dropped`));
      return;
    }
    if (payload.byteLength > this.maxPayload) {
      safeReport(this.onError, new BusPayloadTooLargeError(subject, payload.byteLength, this.maxPayload));
      return;
    }
    this.subjects.push(subject);
    this.payloads.push(payload);
    this.published += 1;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  subscribe(subject: string, handler: BusHandler): Subscription {
    assertSubject(subject);
    if (this.status === 'closed') throw new BusClosedError(`subscribe to ${subject} after close`);
    const { entry } = this.fanout.add(subject, handler, this.published);
    return { unsubscribe: () => void this.fanout.remove(subject, entry) };
  }

  flush(): Promise<void> {
    if (this.status === 'closed') return Promise.reject(new BusClosedError('flush after close'));
    if (this.delivered >= this.published) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq: this.published, resolve, reject }));
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    return this.state.on(listener);
  }

  async close(): Promise<void> {
    if (this.status === 'closed') return;
    this.state.set('closed');
    this.fanout.clear();
    this.subjects = [];
    this.payloads = [];
    this.head = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new BusClosedError('bus closed before the flush completed'));
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    // Deliver what was queued before this turn only: messages that handlers publish wait for
    // the next turn, so a publish/handle ping-pong cannot starve timers and I/O.
    const end = this.subjects.length;
    while (this.head < end && this.status !== 'closed') {
      const i = this.head++;
      // The queue holds every message in publish order, so this one's sequence is delivered + 1.
      this.fanout.dispatch(this.subjects[i], this.payloads[i], this.delivered + 1);
      this.delivered += 1;
    }
    if (this.status === 'closed') return;
    this.compact();
    while (this.waiters.length > 0 && this.waiters[0].seq <= this.delivered) this.waiters.shift()?.resolve();
    if (this.head < this.subjects.length && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  /** Drops delivered entries so that the queue (and the payloads it references) can shrink. */
  private compact(): void {
    if (this.head === this.subjects.length) {
      this.subjects = [];
      this.payloads = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.subjects = this.subjects.slice(this.head);
      this.payloads = this.payloads.slice(this.head);
      this.head = 0;
    }
  }
}
