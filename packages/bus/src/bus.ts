import type { BusError } from './errors';

/** Returned by {@link Bus.subscribe}; `unsubscribe()` is idempotent and safe inside a handler. */
export interface Subscription {
  unsubscribe(): void;
}

export type BusStatus = 'connected' | 'disconnected' | 'reconnecting' | 'closed';

/** Called with the payload and the exact subject it was published on. */
export type BusHandler = (payload: Uint8Array, subject: string) => void;

/** Where a bus reports what it cannot throw: handler errors, dropped publishes, server errors. */
export type BusErrorListener = (error: BusError) => void;

/**
 * Publish/subscribe between gateways and shards. The contract every implementation keeps
 * (test/bus-contract.ts checks it against each of them):
 *
 * - **At most once.** A message is delivered to each matching subscriber once or not at all;
 *   there is no acknowledgement and no redelivery. Messages published while a networked bus
 *   is disconnected may be lost (see the implementation for what it buffers).
 * - **Order.** Messages from one publisher (one Bus instance) on one subject reach each
 *   subscriber in publish order. Nothing is promised across subjects or across publishers.
 * - **Exact subjects.** Plain dot-separated tokens (`shard.a.in`); no wildcards. An invalid
 *   subject (or a payload that is not a Uint8Array) is a programming error and throws
 *   BusSubjectError (BusPayloadError) synchronously, from publish() too.
 * - **Bytes, zero-copy.** Payloads are Uint8Array and the bus never modifies them. The bus
 *   may keep a reference until the message is sent, and one buffer may be shared by every
 *   subscriber of a message (in-process, with the publisher too): publishers must not
 *   modify a payload after publish(), handlers must treat it as read-only (copy to keep it
 *   or change it).
 * - **Asynchronous delivery.** A handler never runs inside publish(); it runs later, from
 *   the event loop. Handlers of one subject run in subscription order; a handler that was
 *   unsubscribed (even by another handler, during the same delivery) is not called again.
 * - **Isolation.** A handler that throws is reported to `onError` as a BusHandlerError;
 *   the other subscribers and later messages are unaffected.
 * - **Size.** A payload over `maxPayload` bytes is dropped and reported to `onError` as a
 *   BusPayloadTooLargeError; publish() does not throw for it. Publishers split big messages.
 * - **publish() never throws for a transient condition** (disconnect, buffer full, closed):
 *   the message is buffered or dropped and the reason reported to `onError`.
 */
export interface Bus {
  publish(subject: string, payload: Uint8Array): void;
  /**
   * The largest payload publish() delivers, in bytes. NATS: the server's `max_payload`
   * (1 MiB unless configured), as announced when connecting; in-process: an option, by
   * default the same 1 MiB, so that embedded mode splits where production must.
   */
  readonly maxPayload: number;
  /**
   * Receives the messages published on this bus after this call, until unsubscribe(). Across
   * connections (NATS) the server must have seen the subscription first: await flush() on the
   * subscribing bus before relying on a message published by another process. (NATS only:
   * a second handler on a subject this bus already subscribes to may also get messages that
   * were in flight when it subscribed.)
   */
  subscribe(subject: string, handler: BusHandler): Subscription;
  /**
   * Resolves once everything published so far has reached the server (NATS) or been
   * delivered (in-process). Either way, subscribers on this same bus have received it.
   * Rejects with BusDisconnectedError / BusTimeoutError / BusClosedError when it cannot.
   */
  flush(): Promise<void>;
  /** Status changes (connected, disconnected, reconnecting, closed) for readiness and logs. */
  onStatus(listener: (status: BusStatus) => void): () => void;
  readonly status: BusStatus;
  /** Stops delivery at once (no handler runs after this call) and releases the connection. */
  close(): Promise<void>;
}

/**
 * Every payload published on `subject` during the next `durationMs` (for example the
 * heartbeats of everyone alive, before picking an id none of them uses).
 */
export async function collectFor(bus: Bus, subject: string, durationMs: number): Promise<Uint8Array[]> {
  const payloads: Uint8Array[] = [];
  const subscription = bus.subscribe(subject, (payload) => {
    payloads.push(payload);
  });
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  subscription.unsubscribe();
  return payloads;
}
