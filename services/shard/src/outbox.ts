import type { CloseReason } from '@shardgate/protocol';

/** One connection's outgoing side on this shard: its gateway and its queued packets. */
export interface Outbox {
  readonly instance: string;
  readonly gateway: string;
  /** Queued packets in order, as indices into the network manager's table for this tick. */
  packets: number[];
  /** Set by a shard-side close: delivered after `packets`, then the outbox is gone. */
  closing: CloseReason | null;
  /** Whether it is in the list of outboxes to look at on the next flush. */
  listed: boolean;
  /** False once closed or dropped: nothing more is queued. */
  open: boolean;
}

export function createOutbox(instance: string, gateway: string): Outbox {
  return { instance, gateway, packets: [], closing: null, listed: false, open: true };
}
