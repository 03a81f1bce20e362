// NATS going away and coming back, on a PRIVATE nats-server (never the shared one at 4222):
// SIGKILL it, check what the bus does meanwhile, restart it on the same port.
import { BusBufferFullError, BusDisconnectedError, type BusError, type BusStatus, NatsBus, type NatsBusOptions } from '../src/index';
import { type PrivateNatsServer, startNatsServer } from '@shardgate/harness';
import { readU32, sleep, u32, waitFor, waitForStatus } from './wait';

const RECONNECTED_WITHIN_MS = 10_000;

describe('NatsBus outage', () => {
  let server: PrivateNatsServer;
  let errors: BusError[];
  const buses: NatsBus[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    errors = [];
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    if (!server.running) await server.restart();
  });

  async function open(name: string, extra: Partial<NatsBusOptions> = {}): Promise<NatsBus> {
    // Short reconnect waits keep the test quick; production defaults are 1000 + 200 ms.
    const options = { servers: server.url, name, reconnectTimeWaitMs: 200, reconnectJitterMs: 50, ...extra };
    const bus = await NatsBus.connect({ ...options, onError: (e) => errors.push(e) });
    buses.push(bus);
    return bus;
  }

  it('outage - status goes down and back, publish never throws, old subscriptions receive after restart', async () => {
    const bus = await open('outage-single');
    const listener = await open('outage-listener');
    const statuses: BusStatus[] = [];
    bus.onStatus((s) => statuses.push(s));
    const got: number[] = [];
    const gotElsewhere: number[] = [];
    bus.subscribe('outage.a', (p) => got.push(readU32(p)));
    listener.subscribe('outage.a', (p) => gotElsewhere.push(readU32(p)));
    await listener.flush();
    bus.publish('outage.a', u32(1));
    await bus.flush();
    await waitFor(() => got.length === 1 && gotElsewhere.length === 1, 'the first message');

    await server.kill();
    await waitForStatus(bus, ['disconnected', 'reconnecting'], 5000);
    expect(() => bus.publish('outage.a', u32(2))).not.toThrow(); // held in the reconnect buffer
    await expect(bus.flush()).rejects.toBeInstanceOf(BusDisconnectedError);
    await sleep(500); // several failed attempts
    expect(bus.status).toBe('reconnecting');

    await server.restart();
    await waitForStatus(bus, ['connected'], RECONNECTED_WITHIN_MS);
    await waitForStatus(listener, ['connected'], RECONNECTED_WITHIN_MS);
    await listener.flush(); // the listener's subscription is back on the server
    bus.publish('outage.a', u32(3));
    await bus.flush();
    await waitFor(() => got.length === 3, 'the held and the new message', 5000);
    // The held 2 may or may not reach it (issue 16, item 1: replayed before its subscription is back): wait for 3.
    await waitFor(() => gotElsewhere.includes(3), 'the new message on the other connection', 5000);
    expect(got).toEqual([1, 2, 3]);
    expect(gotElsewhere.at(-1)).toBe(3);
    expect(statuses).toEqual(['disconnected', 'reconnecting', 'connected']);
    expect(bus.stats()).toMatchObject({ buffered: 0, dropped: 0, reconnects: 1 });
    expect(errors).toEqual([]);
  });

  it('outage - the reconnect buffer is bounded: overflow is dropped, counted and reported once', async () => {
    const subject = 'outage.bounded';
    const bus = await open('outage-bounded', { reconnectBufSize: 100 });
    const got: number[] = [];
    bus.subscribe(subject, (p) => got.push(readU32(p)));
    await bus.flush();

    await server.kill();
    await waitForStatus(bus, ['disconnected', 'reconnecting'], 5000);
    const fits = Math.floor(100 / (4 + subject.length));
    for (let i = 0; i < 10; i++) bus.publish(subject, u32(i));
    expect(bus.stats()).toMatchObject({ buffered: fits, dropped: 10 - fits });
    expect(errors.map((e) => e.constructor)).toEqual([BusBufferFullError]);

    await server.restart();
    await waitForStatus(bus, ['connected'], RECONNECTED_WITHIN_MS);
    bus.publish(subject, u32(99));
    await bus.flush();
    await waitFor(() => got.length === fits + 1, 'held messages then the new one');
    expect(got).toEqual([...Array.from({ length: fits }, (_, i) => i), 99]);
  });

  it('close - during an outage resolves promptly and counts the held messages as dropped', async () => {
    const bus = await open('outage-close');
    await server.kill();
    await waitForStatus(bus, ['disconnected', 'reconnecting'], 5000);
    bus.publish('outage.close', u32(1));
    const started = Date.now();
    await bus.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(bus.status).toBe('closed');
    expect(bus.stats()).toMatchObject({ buffered: 0, dropped: 1 });
  });

  it('waitOnFirstConnect - connect() made before the server is up resolves once it starts', async () => {
    await server.kill();
    const started = Date.now();
    const pending = NatsBus.connect({ servers: server.url, name: 'outage-late', reconnectTimeWaitMs: 200, reconnectJitterMs: 50 });
    await sleep(500);
    await server.restart();
    const bus = await pending;
    buses.push(bus);
    expect(bus.status).toBe('connected');
    expect(Date.now() - started).toBeLessThan(RECONNECTED_WITHIN_MS);
  });
});
