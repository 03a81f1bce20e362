import type { Bus, BusStatus } from '../src/index';

/** Polls `condition` every 5 ms; rejects naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves when `bus.status` is one of `statuses` (now or later), bounded. */
export async function waitForStatus(bus: Bus, statuses: BusStatus[], timeoutMs: number): Promise<void> {
  await waitFor(() => statuses.includes(bus.status), `status ${statuses.join('|')} (is ${bus.status})`, timeoutMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 4-byte big-endian sequence numbers: cheap payloads whose order can be checked. */
export function u32(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

export function readU32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}
