// Every store call goes through here so none can hang: a call fails at once when the client is
// known to be down, and otherwise after commandTimeoutMs. Failures become GuardStoreError.
import type { Redis } from 'ioredis';
import { GuardStoreError, GuardTimeoutError } from './errors';

/**
 * Client states in which a command may still be answered soon. 'reconnecting', 'close' and
 * 'end' fail fast: waiting would only add commandTimeoutMs to every connect during an outage
 * and pile commands into the client's offline queue.
 */
const ANSWERABLE = new Set(['wait', 'connecting', 'connect', 'ready']);

export interface StoreCall<T> {
  /** The reply, or GuardStoreError / GuardTimeoutError. Always await it. */
  readonly result: Promise<T>;
  /**
   * Resolves when the client itself is done with the command (replied, or rejected it). A
   * timed-out command may still run on the server until then.
   */
  readonly settled: Promise<void>;
  /** False when the command was never handed to the client. */
  readonly sent: boolean;
}

const noop = (): void => undefined;

export class StoreCaller {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  call<T>(op: string, send: () => Promise<T>): StoreCall<T> {
    if (!ANSWERABLE.has(this.redis.status)) {
      const error = new GuardStoreError(op, `store unavailable (client ${this.redis.status})`);
      return { result: Promise.reject(error), settled: Promise.resolve(), sent: false };
    }
    let raw: Promise<T>;
    try {
      raw = send();
    } catch (err) {
      raw = Promise.reject(err);
    }
    const settled = raw.then(noop, noop);
    const result = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new GuardTimeoutError(op, this.timeoutMs)), this.timeoutMs);
      raw.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          const message = err instanceof Error ? err.message : String(err);
          reject(new GuardStoreError(op, message, { cause: err }));
        },
      );
    });
    return { result, settled, sent: true };
  }
}
