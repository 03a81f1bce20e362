import type { BusErrorListener, BusHandler } from './bus';
import { safeReport } from './checks';
import { BusHandlerError } from './errors';

interface Entry {
  readonly handler: BusHandler;
  /** Sequence number of the last message published before this subscription (in-process). */
  readonly since: number;
  active: boolean;
}

/**
 * Local fan-out of one message to the handlers of its subject, shared by both buses so that
 * they behave identically. Copy-on-write arrays: dispatch iterates the array that was
 * current when the message arrived without allocating, while (un)subscribing from inside a
 * handler swaps in a new array. The `active` flag makes an unsubscribed handler silent at
 * once, even later in the same dispatch.
 *
 * Sequence numbers (used by the in-process bus, whose queue knows them) keep a handler from
 * receiving a message that was published before it subscribed but delivered after, as with
 * NATS, where the server only routes messages that arrive after the SUB.
 */
export class Fanout {
  private readonly bySubject = new Map<string, readonly Entry[]>();

  constructor(private readonly onError: BusErrorListener) {}

  /** Returns the entry and whether it is the subject's first (NATS then subscribes). */
  add(subject: string, handler: BusHandler, since = 0): { entry: Entry; first: boolean } {
    const entry: Entry = { handler, since, active: true };
    const current = this.bySubject.get(subject);
    this.bySubject.set(subject, current ? [...current, entry] : [entry]);
    return { entry, first: current === undefined };
  }

  /** Returns true when the subject has no handler left (NATS then unsubscribes). */
  remove(subject: string, entry: Entry): boolean {
    if (!entry.active) return false;
    entry.active = false;
    const rest = (this.bySubject.get(subject) ?? []).filter((e) => e !== entry);
    if (rest.length > 0) {
      this.bySubject.set(subject, rest);
      return false;
    }
    this.bySubject.delete(subject);
    return true;
  }

  dispatch(subject: string, payload: Uint8Array, seq = Number.POSITIVE_INFINITY): void {
    const entries = this.bySubject.get(subject);
    if (entries === undefined) return;
    for (const entry of entries) {
      if (!entry.active || entry.since >= seq) continue;
      try {
        entry.handler(payload, subject);
      } catch (err) {
        safeReport(this.onError, new BusHandlerError(subject, err));
      }
    }
  }

  subjects(): string[] {
    return [...this.bySubject.keys()];
  }

  /** Silences every handler at once (close()). */
  clear(): void {
    for (const entries of this.bySubject.values()) for (const entry of entries) entry.active = false;
    this.bySubject.clear();
  }
}
