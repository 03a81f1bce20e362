import type { Bus, Subscription } from '@shardgate/bus';
import {
  decodeControl,
  decodeGatewayHeartbeat,
  decodeShardBatch,
  decodeShardHeartbeat,
  encodeGatewayBatchWithin,
  type ClientEvent,
  type ControlMessage,
  type GatewayHeartbeat,
  type ShardBatch,
  type ShardHeartbeat,
  type Subjects,
} from '@shardgate/protocol';

export interface ShardLinkHandlers {
  batch(batch: ShardBatch): void;
  heartbeat(heartbeat: ShardHeartbeat): void;
  /** Another gateway's heartbeat (for deployment-wide stats). */
  gatewayHeartbeat?(heartbeat: GatewayHeartbeat): void;
  /** An admin command for every gateway (bans, kicks). */
  control?(message: ControlMessage): void;
  /** A bus message that did not decode: logged and counted by the caller, never thrown. */
  invalid(what: string, error: unknown): void;
  /** Events per publish, for the batch-size histogram. */
  published?(events: number): void;
}

/**
 * The gateway's side of the bus. Client events are collected per shard and published once
 * per event-loop turn (setImmediate): one publish per frame costs a socket write each and
 * was 2 to 3 times slower (toolchain.md). With `flushMs` > 0, publishes are at least that far
 * apart: an event after a quiet spell goes out at the end of its turn as before, but under
 * load events gather for up to `flushMs` (fewer, larger NATS writes: the NATS server's CPU fell
 * from 41 % to 16 % of a core at the chat maximum, docs/benchmarks.md). Order per connection is
 * kept: one gateway, one subject per shard, events appended in arrival order.
 */
export class ShardLink {
  private readonly outbox = new Map<string, ClientEvent[]>();
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = -Infinity;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly gatewayId: string,
    private readonly handlers: ShardLinkHandlers,
    private readonly flushMs = 0,
  ) {}

  start(): void {
    const { handlers, subjects } = this;
    this.listen('shard batch', subjects.gatewayInbox(this.gatewayId), decodeShardBatch, (batch) => handlers.batch(batch));
    this.listen('shard heartbeat', subjects.shardHeartbeat, decodeShardHeartbeat, (heartbeat) => handlers.heartbeat(heartbeat));
    this.listen('gateway heartbeat', this.subjects.gatewayHeartbeat, decodeGatewayHeartbeat, this.handlers.gatewayHeartbeat);
    this.listen('control message', this.subjects.control, decodeControl, this.handlers.control);
  }

  /** Subscribes to one subject; what does not decode is reported, never thrown. */
  private listen<T>(what: string, subject: string, decode: (bytes: Uint8Array) => T, handler: ((value: T) => void) | undefined): void {
    if (!handler) return;
    this.subscriptions.push(
      this.bus.subscribe(subject, (payload) => {
        let value: T;
        try {
          value = decode(payload);
        } catch (error) {
          this.handlers.invalid(what, error);
          return;
        }
        handler(value);
      }),
    );
  }

  /** Queues an event for a shard; published with the rest of this turn's events. */
  send(shard: string, event: ClientEvent): void {
    let events = this.outbox.get(shard);
    if (!events) {
      events = [];
      this.outbox.set(shard, events);
    }
    events.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      const wait = this.lastFlush + this.flushMs - performance.now();
      if (wait >= 1) this.timer = setTimeout(() => this.flush(), wait);
      else setImmediate(() => this.flush());
    }
  }

  /** Publishes everything queued, one message per shard. */
  flush(): void {
    this.scheduled = false;
    this.lastFlush = performance.now();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [shard, events] of this.outbox) {
      const subject = this.subjects.shardInbox(shard);
      // One message per shard per flush, cut only if it would pass the bus's largest message.
      for (const bytes of encodeGatewayBatchWithin({ gateway: this.gatewayId, events }, this.bus.maxPayload)) this.bus.publish(subject, bytes);
      this.handlers.published?.(events.length);
    }
    this.outbox.clear();
  }

  stop(): void {
    this.flush();
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }
}
