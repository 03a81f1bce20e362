import type { BusErrorListener, BusStatus } from './bus';
import { safeReport } from './checks';
import { BusError } from './errors';

/** Holds a bus's status and tells listeners about changes (never repeats the same status). */
export class StatusEmitter {
  private readonly listeners = new Set<(status: BusStatus) => void>();

  constructor(
    private current: BusStatus,
    private readonly onError: BusErrorListener,
  ) {}

  get status(): BusStatus {
    return this.current;
  }

  set(status: BusStatus): void {
    // 'closed' is final: a late event from the client must not resurrect the bus.
    if (status === this.current || this.current === 'closed') return;
    this.current = status;
    // A snapshot, so that a listener may remove itself (or another) while being notified.
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch (err) {
        safeReport(this.onError, new BusError(`status listener threw on ${status}`, { cause: err }));
      }
    }
  }

  on(listener: (status: BusStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
