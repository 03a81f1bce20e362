/**
 * Instance ids unique across a whole deployment: `<type digit><node id, 5 digits><sequence>`.
 * The type digit stays first as Kaetram expects (0 = player). The fixed-width node id keeps
 * two nodes' ids apart; the sequence starts at the node's boot time in milliseconds, so a node restarted under the same id does not reuse ids it gave out before
 * (unless it averaged over 1000 ids per second over its whole previous life).
 */
export const MAX_NODE_ID = 99_999;

export class InstanceIds {
  private sequence: number;
  private readonly head: string;

  constructor(nodeId: number, type = 0, now: () => number = Date.now) {
    if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > MAX_NODE_ID) {
      throw new RangeError(`node id must be an integer from 1 to ${MAX_NODE_ID}, got ${nodeId}`);
    }
    if (!Number.isInteger(type) || type < 0 || type > 9) throw new RangeError(`entity type must be a digit, got ${type}`);
    this.head = `${type}${String(nodeId).padStart(5, '0')}`;
    this.sequence = Math.max(0, Math.floor(now()));
  }

  next(): string {
    this.sequence += 1;
    return this.head + this.sequence;
  }
}

/** The node id (gateway) that minted an instance id, or null if it is not one of ours. */
export function nodeIdOf(instance: string): number | null {
  if (!/^\d{7,}$/.test(instance)) return null;
  const node = Number(instance.slice(1, 6));
  return node >= 1 ? node : null;
}
