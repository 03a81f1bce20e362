import type { Bus, Subscription } from '@shardgate/bus';
import {
  decodeShardBatch,
  decodeShardHeartbeat,
  encodeEnvelope,
  type ClientEvent,
  type ShardBatch,
  type ShardHeartbeat,
  type Subjects,
} from '@shardgate/protocol';

export interface ShardLinkHandlers {
  batch(batch: ShardBatch): void;
  heartbeat(heartbeat: ShardHeartbeat): void;
  /** A bus message that did not decode: logged and counted by the caller, never thrown. */
  invalid(what: string, error: unknown): void;
  /** Events per publish, for the batch-size histogram. */
  published?(events: number): void;
}

/**
 * The gateway's side of the bus. Client events are collected per shard and published once
 * per event-loop turn (setImmediate): one publish per frame costs a socket write each and
 * was 2 to 3 times slower (toolchain.md). Order per connection is kept: one gateway, one
 * subject per shard, events appended in arrival order.
 */
export class ShardLink {
  private readonly outbox = new Map<string, ClientEvent[]>();
  private scheduled = false;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly gatewayId: string,
    private readonly handlers: ShardLinkHandlers,
  ) {}

  start(): void {
    this.subscriptions.push(
      this.bus.subscribe(this.subjects.gatewayInbox(this.gatewayId), (payload) => {
        let batch: ShardBatch;
        try {
          batch = decodeShardBatch(payload);
        } catch (error) {
          this.handlers.invalid('shard batch', error);
          return;
        }
        this.handlers.batch(batch);
      }),
      this.bus.subscribe(this.subjects.shardHeartbeat, (payload) => {
        let heartbeat: ShardHeartbeat;
        try {
          heartbeat = decodeShardHeartbeat(payload);
        } catch (error) {
          this.handlers.invalid('shard heartbeat', error);
          return;
        }
        this.handlers.heartbeat(heartbeat);
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
      setImmediate(() => this.flush());
    }
  }

  /** Publishes everything queued, one message per shard. */
  flush(): void {
    this.scheduled = false;
    for (const [shard, events] of this.outbox) {
      this.bus.publish(this.subjects.shardInbox(shard), encodeEnvelope({ gateway: this.gatewayId, events }));
      this.handlers.published?.(events.length);
    }
    this.outbox.clear();
  }

  stop(): void {
    this.flush();
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }
}
