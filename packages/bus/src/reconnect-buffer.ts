/**
 * Publishes held while NATS is away, bounded in bytes (payload + subject). nats.js 2.x
 * discards its own outbound buffer at every reconnect attempt, so without this every
 * publish made during an outage would be lost silently.
 */
export class ReconnectBuffer {
  private held: { subject: string; payload: Uint8Array }[] = [];
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.held.length;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** False when the message does not fit: the caller drops it (new messages lose, like Go's client). */
  hold(subject: string, payload: Uint8Array): boolean {
    const bytes = payload.byteLength + subject.length;
    if (this.heldBytes + bytes > this.maxBytes) return false;
    this.held.push({ subject, payload });
    this.heldBytes += bytes;
    return true;
  }

  /** Empties the buffer and returns its messages in publish order. */
  take(): { subject: string; payload: Uint8Array }[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    return held;
  }
}
