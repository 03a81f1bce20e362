import { KAETRAM_CLOSE_CODE, type CloseReason } from '@shardgate/protocol';
import { DuplicateFilter, RateLimiter } from '@shardgate/guard';

/** The part of a uWS WebSocket a Connection uses (uWS's own type in production, fakes in unit tests). */
export interface SocketLike {
  send(message: string, isBinary?: boolean): number;
  end(code?: number, reason?: string): void;
  getBufferedAmount(): number;
  cork(cb: () => void): unknown;
}

export interface ConnectionLimits {
  messageLimit: number;
  duplicateWindowMs: number;
  maxBackpressureBytes: number;
}

/** Why a send did not go out: the socket is gone, or the client reads too slowly. */
export type SendResult = 'sent' | 'closed' | 'slow';

/**
 * One player's socket with its safety rules: the message rate limit, the duplicate filter,
 * the inactivity clock and the bound on unsent bytes. It never touches the socket after it
 * closed: uWS aborts the process on access to a closed WebSocket.
 */
export class Connection {
  /** Set once, by close() or by uWS's close callback; after it the socket is never touched. */
  closed = false;
  /** Admitted by Main and the world admission, and announced to a shard. */
  admitted = false;
  shard: string | undefined;
  /** Its Login went to the shard (counted once toward the shard's room: ShardRegistry.loggingIn). */
  loginSent = false;
  /** Why the gateway closed it (a Kaetram reason), if it did. */
  closeReason: CloseReason | undefined;
  lastValidAt: number;
  /** Bad frames logged so far: only the first few are logged, all are counted. */
  badFramesLogged = 0;
  private readonly rate: RateLimiter;
  private readonly duplicates: DuplicateFilter;

  constructor(
    readonly instance: string,
    readonly ip: string,
    private readonly socket: SocketLike,
    private readonly limits: ConnectionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = new RateLimiter(limits.messageLimit, now);
    this.duplicates = new DuplicateFilter(limits.duplicateWindowMs, now);
    this.lastValidAt = now();
  }

  /** Every frame counts against the rate limit, valid or not, so garbage cannot flood either. */
  admitFrame(): boolean {
    return this.rate.hit();
  }

  /** An exact repeat of the previous message within the window is dropped silently. */
  isDuplicate(text: string): boolean {
    return this.duplicates.isDuplicate(text);
  }

  /** A valid packet arrived: the inactivity clock starts again. */
  touch(): void {
    this.lastValidAt = this.now();
  }

  isInactive(now: number, timeoutMs: number): boolean {
    return now - this.lastValidAt > timeoutMs;
  }

  /** Serializes a value as JSON and sends it as one text frame. */
  send(value: unknown): SendResult {
    return this.sendUTF8(JSON.stringify(value));
  }

  /** Sends a prepared text frame. 'slow' means the client is over the unsent-bytes bound. */
  sendUTF8(text: string): SendResult {
    if (this.closed) return 'closed';
    let status = 1;
    const socket = this.socket;
    // Corked: one syscall for the frame even when sent outside a uWS callback.
    socket.cork(() => {
      status = socket.send(text, false);
    });
    // 2 = uWS dropped it (over maxBackpressure); buffered past the bound = a slow reader.
    if (status === 2 || socket.getBufferedAmount() > this.limits.maxBackpressureBytes) return 'slow';
    return 'sent';
  }

  /** Bytes uWS holds for this client that it has not read yet (0 once closed: never touch a closed socket). */
  bufferedAmount(): number {
    return this.closed ? 0 : this.socket.getBufferedAmount();
  }

  /** Closes with Kaetram's code 1010 and a reason the client knows. Idempotent. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    const socket = this.socket;
    socket.cork(() => socket.end(KAETRAM_CLOSE_CODE, reason));
  }

  /** uWS reported the close: from here on the socket is gone. */
  markClosed(): void {
    this.closed = true;
  }
}
