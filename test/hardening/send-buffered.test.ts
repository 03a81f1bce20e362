// What a slow client costs the gateway, as an SRE sees it: a client that stops reading (but
// stays under MAX_BACKPRESSURE_BYTES) shows up in shardgate_gateway_send_buffered_bytes and
// shardgate_gateway_send_buffered_max_bytes, and both fall back once it reads again.
//
//   node_modules/.bin/jest test/hardening/send-buffered.test.ts
//
// Source addresses: 127.0.82.x chatting bots, 127.0.83.1 the reader that pauses.
import { ServiceProcess } from '@shardgate/harness';
import { Fleet } from './fleet';
import { MB, RawClient, sleep } from './helpers';

const EMBEDDED = 'services/embedded/dist/bin.js';
/** High enough that the paused reader is never closed for it during the test. */
const MAX_BACKPRESSURE = 32 * MB;
/** What the gauge must show before the test believes it (the kernel takes ~4.5 MB first). */
const HELD_AT_LEAST = 1 * MB;

let service: ServiceProcess;
let fleet: Fleet | undefined;
let reader: RawClient | undefined;

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, {
    CONNECT_INTERVAL_MS: '0',
    MAX_BACKPRESSURE_BYTES: String(MAX_BACKPRESSURE),
    SERVE_CLIENT: 'false',
  });
});

afterAll(async () => {
  await fleet?.stop();
  reader?.destroy();
  await service?.stop();
});

async function held(): Promise<{ total: number; max: number }> {
  return {
    total: await service.metric('shardgate_gateway_send_buffered_bytes'),
    max: await service.metric('shardgate_gateway_send_buffered_max_bytes'),
  };
}

async function pollUntil(check: (h: { total: number; max: number }) => boolean, timeoutMs: number): Promise<{ total: number; max: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = await held();
  while (!check(last) && Date.now() < deadline) {
    await sleep(250);
    last = await held();
  }
  return last;
}

describe('hardening - bytes held for slow clients', () => {
  it('a reader that stops shows in the send-buffered gauges, and they fall back once it reads again', async () => {
    reader = await RawClient.open(service.port, '127.0.83.1');
    await reader.join();
    reader.keepTexts = false;
    fleet = await Fleet.start({ url: service.url, prefix: '127.0.82', count: 18, hz: 40, pad: 'quotes', maxSeconds: 60 });
    await sleep(1000);
    const reading = await held();

    reader.pause();
    const paused = await pollUntil((h) => h.total >= HELD_AT_LEAST, 25000);
    const readBeforeResume = reader.bytesRead;

    reader.resume();
    const caughtUp = await pollUntil((h) => h.total < 64 * 1024, 15000);
    console.log(`send buffered ${JSON.stringify({ reading, paused, caughtUp, readAfterResumeMB: +((reader.bytesRead - readBeforeResume) / MB).toFixed(1) })}`);

    // While everyone reads, the gateway holds next to nothing.
    expect(reading.total).toBeLessThan(64 * 1024);
    // The paused reader's bytes are visible, and they are one client's (the max says so).
    expect(paused.total).toBeGreaterThanOrEqual(HELD_AT_LEAST);
    expect(paused.max).toBeGreaterThanOrEqual(HELD_AT_LEAST);
    expect(paused.max).toBeLessThanOrEqual(paused.total);
    // It was never closed for it, and once it read again the bytes were delivered and let go.
    expect(reader.frames.close).toBeUndefined();
    expect(reader.ended).toBe(false);
    expect(caughtUp.total).toBeLessThan(64 * 1024);
    expect(reader.bytesRead - readBeforeResume).toBeGreaterThan(HELD_AT_LEAST);
    expect(fleet.closes).toEqual([]);
  }, 60000);
});
