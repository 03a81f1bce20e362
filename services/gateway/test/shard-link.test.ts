import { InProcessBus } from '@shardgate/bus';
import { createSubjects, decodeGatewayBatch, type ClientEvent, type GatewayBatch } from '@shardgate/protocol';
import { ShardLink } from '../src/shard-link';

const subjects = createSubjects('t');
const noop = () => undefined;
const chat = (n: number): ClientEvent => [1, '0000010000001', 19, { message: `line ${n}` }];
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Polls until `done()` (never a fixed sleep: a busy CI machine runs timers late). */
async function until(what: string, done: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A link on a fresh in-process bus, and what reaches shard 1's inbox. */
function link(flushMs: number, maxPayload?: number): { link: ShardLink; received: GatewayBatch[]; errors: Error[] } {
  const errors: Error[] = [];
  const bus = new InProcessBus({ onError: (e) => errors.push(e), ...(maxPayload !== undefined ? { maxPayload } : {}) });
  const received: GatewayBatch[] = [];
  bus.subscribe(subjects.shardInbox('1'), (payload) => received.push(decodeGatewayBatch(payload)));
  const l = new ShardLink(bus, subjects, '7', { batch: noop, heartbeat: noop, invalid: noop }, flushMs);
  return { link: l, received, errors };
}

describe('ShardLink', () => {
  it('shard link - events of one event-loop turn share one message, in order', async () => {
    const { link: l, received } = link(0);
    for (let n = 0; n < 5; n++) l.send('1', chat(n));
    await until('the first message', () => received.length === 1);
    l.send('1', chat(5));
    await until('the second message', () => received.length === 2);
    expect(received.map((b) => b.events.length)).toEqual([5, 1]);
    expect(received.flatMap((b) => b.events)).toEqual([0, 1, 2, 3, 4, 5].map(chat));
    expect(received[0]!.gateway).toBe('7');
  });

  it('shard link - with BUS_FLUSH_MS, an event after a quiet spell goes at once, later ones within it share a message', async () => {
    const { link: l, received } = link(1000);
    const started = Date.now();
    l.send('1', chat(0));
    await until('the lone event', () => received.length === 1, 500); // no added latency when quiet
    l.send('1', chat(1));
    await turn();
    l.send('1', chat(2));
    await turn();
    await turn();
    expect(received).toHaveLength(1); // publishes at least BUS_FLUSH_MS apart
    await until('the held events', () => received.length === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(received.map((b) => b.events)).toEqual([[chat(0)], [chat(1), chat(2)]]);
  });

  it('shard link - stop() publishes what is waiting at once', async () => {
    const { link: l, received } = link(1000);
    const started = Date.now();
    l.send('1', chat(0));
    await until('the lone event', () => received.length === 1, 500);
    l.send('1', chat(1)); // waits for the spacing
    l.stop();
    await until('the event stop() sent', () => received.length === 2, 500);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(received.map((b) => b.events)).toEqual([[chat(0)], [chat(1)]]);
  });

  it('shard link - a turn of events over the bus limit goes out as several messages, in order', async () => {
    const { link: l, received, errors } = link(0, 4096);
    const events = Array.from({ length: 200 }, (_, n) => chat(n));
    for (const e of events) l.send('1', e);
    await until('every event', () => received.flatMap((b) => b.events).length === events.length);
    expect(received.length).toBeGreaterThan(1);
    expect(received.flatMap((b) => b.events)).toEqual(events);
    expect(errors).toEqual([]);
  });
});
