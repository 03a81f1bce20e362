import { InProcessBus } from '@shardgate/bus';
import { createSubjects, decodeGatewayBatch, type ClientEvent, type GatewayBatch } from '@shardgate/protocol';
import { ShardLink } from '../src/shard-link';

const subjects = createSubjects('t');
const noop = () => undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chat = (n: number): ClientEvent => [1, '0000010000001', 19, { message: `line ${n}` }];

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
    await sleep(5);
    l.send('1', chat(5));
    await sleep(5);
    expect(received.map((b) => b.events.length)).toEqual([5, 1]);
    expect(received.flatMap((b) => b.events)).toEqual([0, 1, 2, 3, 4, 5].map(chat));
    expect(received[0]!.gateway).toBe('7');
  });

  it('shard link - with BUS_FLUSH_MS, an event after a quiet spell goes at once, later ones within it share a message', async () => {
    const { link: l, received } = link(20);
    l.send('1', chat(0));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map((b) => b.events)).toEqual([[chat(0)]]); // no added latency when quiet
    l.send('1', chat(1));
    await sleep(2);
    l.send('1', chat(2));
    await sleep(2);
    expect(received).toHaveLength(1); // publishes at least 20 ms apart
    await sleep(40);
    expect(received.map((b) => b.events)).toEqual([[chat(0)], [chat(1), chat(2)]]);
  });

  it('shard link - stop() publishes what is waiting at once', async () => {
    const { link: l, received } = link(20);
    l.send('1', chat(0));
    await sleep(2);
    l.send('1', chat(1)); // waits for the 20 ms spacing
    l.stop();
    await sleep(5);
    expect(received.map((b) => b.events)).toEqual([[chat(0)], [chat(1)]]);
    await sleep(30);
    expect(received).toHaveLength(2);
  });

  it('shard link - a turn of events over the bus limit goes out as several messages, in order', async () => {
    const { link: l, received, errors } = link(0, 4096);
    const events = Array.from({ length: 200 }, (_, n) => chat(n));
    for (const e of events) l.send('1', e);
    await sleep(10);
    expect(received.length).toBeGreaterThan(1);
    expect(received.flatMap((b) => b.events)).toEqual(events);
    expect(errors).toEqual([]);
  });
});
