import { connect, DebugEvents, Events, type NatsConnection, type Status, type Subscription as NatsSubscription } from 'nats';
import type { Bus, BusHandler, BusStatus, Subscription } from './bus';
import { assertPayload, assertSubject, DEFAULT_MAX_PAYLOAD, safeReport } from './checks';
import {
  type BusError,
  BusBufferFullError,
  BusClosedError,
  BusConnectionError,
  BusDisconnectedError,
  BusPayloadTooLargeError,
  BusPublishError,
  BusTimeoutError,
} from './errors';
import { Fanout } from './fanout';
import { type NatsBusAttachOptions, type NatsBusOptions, type NatsBusSettings, parseAttachOptions, parseNatsBusOptions } from './nats-options';
import { ReconnectBuffer } from './reconnect-buffer';
import { StatusEmitter } from './status';
import { withTimeout } from './timeout';

/** Counters for metrics: what the bus did about outages. */
export interface NatsBusStats {
  /** Publishes held in the reconnect buffer right now, and their bytes (payload + subject). */
  buffered: number;
  bufferedBytes: number;
  /** The buffer's bound in bytes (`reconnectBufSize`): a publish that does not fit is dropped. */
  bufferLimitBytes: number;
  /** Publishes dropped so far: buffer full, refused by the client, or after close(). */
  dropped: number;
  /** Successful reconnections since the bus was created. */
  reconnects: number;
}

/**
 * The distributed bus over one NATS connection (core NATS, no JetStream: at most once).
 *
 * One NATS subscription per subject, fanned out locally to the bus's handlers, so a message
 * crosses the socket once however many handlers this process has on its subject.
 *
 * During an outage (status not `connected`) publishes go to a ReconnectBuffer bounded by
 * `reconnectBufSize` bytes and are sent in order right after the reconnection, before any
 * newer publish. Messages already handed to the client when the socket broke (the instant
 * before the client reports the disconnect) are lost: at most once. The client itself
 * re-sends the subscriptions on reconnect.
 */
export class NatsBus implements Bus {
  private readonly fanout: Fanout;
  private readonly state: StatusEmitter;
  private readonly natsSubs = new Map<string, NatsSubscription>();
  private readonly held: ReconnectBuffer;
  private overflowReported = false;
  private dropped = 0;
  private reconnects = 0;
  private closing: Promise<void> | undefined;

  /** Connects (retrying forever with waitOnFirstConnect) and resolves once connected. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const { settings, connection } = parseNatsBusOptions(options);
    let nc: NatsConnection;
    try {
      nc = await connect(connection);
    } catch (err) {
      throw new BusConnectionError(`cannot connect to NATS at ${String(connection.servers)}`, { cause: err });
    }
    return new NatsBus(nc, settings);
  }

  /**
   * Wraps a connection opened elsewhere; its reconnect policy is the caller's. The status
   * starts as `connected` (nats.js does not expose a current disconnect), so pass a
   * connection that is connected.
   */
  static fromConnection(nc: NatsConnection, options: NatsBusAttachOptions = {}): NatsBus {
    return new NatsBus(nc, parseAttachOptions(options, false));
  }

  private constructor(
    private readonly nc: NatsConnection,
    private readonly settings: NatsBusSettings,
  ) {
    this.fanout = new Fanout(settings.onError);
    this.held = new ReconnectBuffer(settings.reconnectBufSize);
    this.state = new StatusEmitter(nc.isClosed() ? 'closed' : 'connected', settings.onError);
    // Both started synchronously so that no status event can be missed.
    void this.watchStatus(nc.status());
    void nc.closed().then((err) => this.onConnectionClosed(err));
  }

  get status(): BusStatus {
    return this.state.status;
  }

  get maxPayload(): number {
    // From the server's INFO (kept across reconnects); a cluster announces one value.
    return this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  stats(): NatsBusStats {
    return { buffered: this.held.size, bufferedBytes: this.held.bytes, bufferLimitBytes: this.settings.reconnectBufSize, dropped: this.dropped, reconnects: this.reconnects };
  }

  publish(subject: string, payload: Uint8Array): void {
    assertSubject(subject);
    assertPayload(payload);
    if (this.closing !== undefined || this.status === 'closed') {
      this.drop(new BusClosedError(`publish to ${subject} after close: dropped`));
    } else if (payload.byteLength > this.maxPayload) {
      // Checked here, not left to nats.js, so that a held message cannot fail at replay.
      this.drop(new BusPayloadTooLargeError(subject, payload.byteLength, this.maxPayload));
    } else if (this.status !== 'connected') {
      this.hold(subject, payload);
    } else {
      this.send(subject, payload);
    }
  }

  subscribe(subject: string, handler: BusHandler): Subscription {
    assertSubject(subject);
    if (this.closing !== undefined || this.status === 'closed') throw new BusClosedError(`subscribe to ${subject} after close`);
    const { entry, first } = this.fanout.add(subject, handler);
    if (first) {
      try {
        this.natsSubs.set(subject, this.nc.subscribe(subject, { callback: (err, msg) => this.onMessage(subject, err, msg.data) }));
      } catch (err) {
        this.fanout.remove(subject, entry);
        throw new BusClosedError(`subscribe to ${subject}: connection closed`, { cause: err });
      }
    }
    return {
      unsubscribe: () => {
        if (this.fanout.remove(subject, entry)) this.unsubscribeNats(subject);
      },
    };
  }

  async flush(): Promise<void> {
    if (this.closing !== undefined || this.status === 'closed') throw new BusClosedError('flush after close');
    if (this.status !== 'connected') throw new BusDisconnectedError(`flush while ${this.status}`);
    try {
      await withTimeout(this.nc.flush(), this.settings.flushTimeoutMs, 'flush');
    } catch (err) {
      if (err instanceof BusTimeoutError) throw err;
      if (this.nc.isClosed()) throw new BusClosedError('connection closed during flush', { cause: err });
      throw new BusDisconnectedError('connection lost during flush', { cause: err });
    }
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    return this.state.on(listener);
  }

  /** Silences handlers at once, sends what was published (bounded wait), then closes. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.fanout.clear();
    for (const subject of [...this.natsSubs.keys()]) this.unsubscribeNats(subject);
    this.dropped += this.held.take().length;
    if (!this.nc.isClosed()) {
      if (this.status === 'connected') {
        // Best effort: a shard's last tick should leave with it; never hang a shutdown.
        await withTimeout(this.nc.flush(), this.settings.closeTimeoutMs, 'close').catch(() => undefined);
      }
      if (this.settings.ownsConnection) await this.nc.close().catch(() => undefined);
    }
    this.state.set('closed');
  }

  private onMessage(subject: string, err: Error | null, data: Uint8Array): void {
    if (err !== null) {
      safeReport(this.settings.onError, new BusConnectionError(`subscription to ${subject} failed: ${err.message}`, { cause: err }));
      return;
    }
    // A throwing handler must not reach nats.js: its parser would stop reading the socket.
    this.fanout.dispatch(subject, data);
  }

  private unsubscribeNats(subject: string): void {
    const sub = this.natsSubs.get(subject);
    this.natsSubs.delete(subject);
    try {
      sub?.unsubscribe();
    } catch {
      // Closed connection: nothing left to unsubscribe from.
    }
  }

  private send(subject: string, payload: Uint8Array): void {
    try {
      this.nc.publish(subject, payload);
    } catch (err) {
      this.drop(new BusPublishError(subject, err));
    }
  }

  private hold(subject: string, payload: Uint8Array): void {
    if (this.held.hold(subject, payload)) return;
    this.dropped += 1;
    if (!this.overflowReported) {
      // Once per outage: an outage under load would otherwise log every single publish.
      this.overflowReported = true;
      const error = new BusBufferFullError(`reconnect buffer full (${this.settings.reconnectBufSize} bytes): dropping publishes until reconnected`);
      safeReport(this.settings.onError, error);
    }
  }

  private drop(error: BusError): void {
    this.dropped += 1;
    safeReport(this.settings.onError, error);
  }

  private async watchStatus(events: AsyncIterable<Status>): Promise<void> {
    try {
      for await (const event of events) this.onNatsStatus(event);
    } catch (err) {
      safeReport(this.settings.onError, new BusConnectionError('status stream failed', { cause: err }));
    }
  }

  private onNatsStatus(event: Status): void {
    if (this.closing !== undefined) return;
    switch (event.type) {
      case Events.Disconnect:
        this.state.set('disconnected');
        break;
      case DebugEvents.Reconnecting:
        this.state.set('reconnecting');
        break;
      case Events.Reconnect: {
        this.reconnects += 1;
        // Replay before announcing 'connected', so that the held messages precede any publish
        // a status listener makes, and everything stays in publish order.
        this.overflowReported = false;
        for (const m of this.held.take()) this.send(m.subject, m.payload);
        this.state.set('connected');
        break;
      }
      case Events.Error:
        safeReport(this.settings.onError, new BusConnectionError(`server error ${String(event.data)}${describeContext(event)}`));
        break;
      case DebugEvents.StaleConnection:
        safeReport(this.settings.onError, new BusConnectionError('stale connection: the server stopped answering pings; reconnecting'));
        break;
      default:
        // Cluster updates, lame duck mode and ping timers change nothing here.
        break;
    }
  }

  private onConnectionClosed(err: void | Error): void {
    if (err instanceof Error && this.closing === undefined) {
      safeReport(this.settings.onError, new BusConnectionError(`connection closed: ${err.message}`, { cause: err }));
    }
    this.state.set('closed');
  }
}

function describeContext(event: Status): string {
  const ctx = event.permissionContext;
  return ctx ? ` (${ctx.operation} ${ctx.subject})` : '';
}
