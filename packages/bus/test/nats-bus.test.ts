// Against the shared NATS at NATS_URL (default 127.0.0.1:4222); subjects carry a random
// prefix per run. Outage tests use a private server instead: see nats-bus-outage.test.ts.
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { type Bus, type BusError, BusOptionsError, NatsBus } from '../src/index';
import { describeBusContract } from './bus-contract';
import { readU32, u32, waitFor } from './wait';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `test${randomBytes(6).toString('hex')}`;

describeBusContract('NatsBus', ({ onError }) => NatsBus.connect({ servers: NATS_URL, name: 'bus-contract', onError }));

describe('NatsBus', () => {
  const opened: Bus[] = [];
  const errors: BusError[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
    expect(errors.splice(0)).toEqual([]);
  });
  async function open(name: string): Promise<NatsBus> {
    const bus = await NatsBus.connect({ servers: NATS_URL, name, onError: (e) => errors.push(e) });
    opened.push(bus);
    return bus;
  }

  it('delivery - across two connections, in order, after the subscriber flushed', async () => {
    const publisher = await open('bus-test-pub');
    const subscriber = await open('bus-test-sub');
    const s = `${prefix}.cross`;
    const seen: number[] = [];
    subscriber.subscribe(s, (p) => seen.push(readU32(p)));
    await subscriber.flush(); // the server knows the subscription before anything is published
    for (let i = 0; i < 5000; i++) publisher.publish(s, u32(i));
    await publisher.flush();
    await waitFor(() => seen.length === 5000, '5000 messages', 10_000);
    expect(seen.findIndex((v, i) => v !== i)).toBe(-1);
  });

  it('fan-out - several handlers on one subject share one NATS subscription', async () => {
    const bus = await open('bus-test-fanout');
    const s = `${prefix}.fanout`;
    const before = connectionSubs(bus);
    const a = bus.subscribe(s, () => undefined);
    const b = bus.subscribe(s, () => undefined);
    expect(connectionSubs(bus)).toBe(before + 1);
    a.unsubscribe();
    b.unsubscribe();
    expect(connectionSubs(bus)).toBe(before);
  });

  it('fromConnection - wraps an existing connection and leaves it open on close by default', async () => {
    const nc = await connect({ servers: NATS_URL, name: 'bus-test-attach' });
    try {
      const bus = NatsBus.fromConnection(nc);
      const s = `${prefix}.attach`;
      let got = 0;
      bus.subscribe(s, () => got++);
      bus.publish(s, u32(1));
      await bus.flush();
      expect(got).toBe(1);
      await bus.close();
      expect(bus.status).toBe('closed');
      expect(nc.isClosed()).toBe(false);
    } finally {
      await nc.close();
    }
  });

  it('options - bad values are rejected naming the field', async () => {
    const base = { servers: NATS_URL, name: 'x' };
    await expect(NatsBus.connect({ ...base, servers: [] })).rejects.toMatchObject({ name: 'BusOptionsError', field: 'servers' });
    await expect(NatsBus.connect({ ...base, name: '' })).rejects.toBeInstanceOf(BusOptionsError);
    await expect(NatsBus.connect({ ...base, reconnectTimeWaitMs: 0 })).rejects.toMatchObject({ field: 'reconnectTimeWaitMs' });
    await expect(NatsBus.connect({ ...base, reconnectBufSize: -1 })).rejects.toMatchObject({ field: 'reconnectBufSize' });
    await expect(NatsBus.connect({ ...base, pass: 'p' })).rejects.toMatchObject({ field: 'pass' });
  });
});

/** How many subscriptions the bus's client holds (the bus keeps one per subject). */
function connectionSubs(bus: NatsBus): number {
  // nats.js keeps them on its protocol handler; reading it is test-only introspection.
  const nc = (bus as unknown as { nc: { protocol: { subscriptions: { size(): number } } } }).nc;
  return nc.protocol.subscriptions.size();
}
