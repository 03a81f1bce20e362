// The behaviour every Bus keeps, written once and run against each implementation
// (in-process-bus.test.ts, nats-bus.test.ts), so that embedded and distributed modes agree.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  type Bus,
  BusClosedError,
  type BusError,
  BusHandlerError,
  BusPayloadError,
  BusPayloadTooLargeError,
  type BusStatus,
  BusSubjectError,
  collectFor,
} from '../src/index';
import { readU32, sleep, u32, waitFor } from './wait';

export interface BusFactoryOptions {
  onError: (error: BusError) => void;
}
export type BusFactory = (options: BusFactoryOptions) => Promise<Bus>;

export function describeBusContract(name: string, factory: BusFactory): void {
  describe(`${name} contract`, () => {
    // A random prefix per run: suites sharing one NATS server never see each other's messages.
    const prefix = `test${randomBytes(6).toString('hex')}`;
    let count = 0;
    const subject = (): string => `${prefix}.s${++count}`;
    let buses: Bus[] = [];
    let errors: BusError[] = [];

    async function open(): Promise<Bus> {
      const bus = await factory({ onError: (e) => errors.push(e) });
      buses.push(bus);
      return bus;
    }

    afterEach(async () => {
      await Promise.all(buses.map((b) => b.close()));
      buses = [];
      errors = [];
    });

    it('status - is connected once created', async () => {
      const bus = await open();
      expect(bus.status).toBe('connected');
    });

    it('delivery - bytes arrive unchanged, with their subject, and the published bytes are untouched', async () => {
      const bus = await open();
      const s = subject();
      const backing = new Uint8Array(randomBytes(64));
      const payloads = [
        new Uint8Array(0),
        Uint8Array.from([0, 1, 13, 10, 255]), // CR LF inside a payload must not upset framing
        new Uint8Array(randomBytes(64 * 1024)),
        backing.subarray(3, 40), // a view with an offset into a larger buffer
      ];
      const copies = payloads.map((p) => Buffer.from(p));
      const got: { payload: Uint8Array; subject: string }[] = [];
      bus.subscribe(s, (payload, subj) => got.push({ payload: Buffer.from(payload), subject: subj }));
      for (const p of payloads) bus.publish(s, p);
      await bus.flush();
      await waitFor(() => got.length === payloads.length, 'all payloads');
      got.forEach((g, i) => {
        expect(g.subject).toBe(s);
        expect(Buffer.compare(g.payload, copies[i])).toBe(0);
        expect(Buffer.compare(payloads[i], copies[i])).toBe(0);
      });
    });

    it('order - 10 000 messages on one subject arrive in publish order', async () => {
      const bus = await open();
      const s = subject();
      const seen: number[] = [];
      bus.subscribe(s, (payload) => seen.push(readU32(payload)));
      for (let i = 0; i < 10_000; i++) bus.publish(s, u32(i));
      await bus.flush();
      await waitFor(() => seen.length === 10_000, '10 000 messages', 15_000);
      expect(seen.findIndex((v, i) => v !== i)).toBe(-1);
    });

    it('collectFor - gathers what is published on a subject during the window, before it resolves', async () => {
      const bus = await open();
      const s = subject();
      const collecting = collectFor(bus, s, 300);
      await sleep(50);
      bus.publish(s, u32(1));
      bus.publish(s, u32(2));
      await bus.flush();
      const got = (await collecting).map(readU32);
      expect(got).toEqual([1, 2]);
    });

    it('fan-out - two subscribers on one subject each receive every message', async () => {
      const bus = await open();
      const s = subject();
      const a: number[] = [];
      const b: number[] = [];
      bus.subscribe(s, (p) => a.push(readU32(p)));
      bus.subscribe(s, (p) => b.push(readU32(p)));
      for (let i = 0; i < 5; i++) bus.publish(s, u32(i));
      await bus.flush();
      await waitFor(() => a.length === 5 && b.length === 5, 'both subscribers');
      expect(a).toEqual([0, 1, 2, 3, 4]);
      expect(b).toEqual([0, 1, 2, 3, 4]);
    });

    it('subscribe - a subscription does not receive what was published before it', async () => {
      const bus = await open();
      const s = subject();
      const got: number[] = [];
      bus.publish(s, u32(1));
      bus.subscribe(s, (p) => got.push(readU32(p)));
      bus.publish(s, u32(2));
      await bus.flush();
      await waitFor(() => got.length >= 1, 'the second message');
      await sleep(20);
      expect(got).toEqual([2]);
    });

    it('unsubscribe - one of several stops receiving, the others keep going', async () => {
      const bus = await open();
      const s = subject();
      const got = { a: 0, b: 0, c: 0 };
      bus.subscribe(s, () => got.a++);
      const b = bus.subscribe(s, () => got.b++);
      bus.subscribe(s, () => got.c++);
      bus.publish(s, u32(1));
      await bus.flush();
      await waitFor(() => got.c === 1, 'first message');
      b.unsubscribe();
      b.unsubscribe(); // idempotent
      bus.publish(s, u32(2));
      await bus.flush();
      await waitFor(() => got.c === 2, 'second message');
      expect(got).toEqual({ a: 2, b: 1, c: 2 });
    });

    it('unsubscribe - the last one leaving and a new one joining works', async () => {
      const bus = await open();
      const s = subject();
      const got: number[] = [];
      bus.subscribe(s, () => undefined).unsubscribe();
      bus.subscribe(s, (p) => got.push(readU32(p)));
      bus.publish(s, u32(7));
      await bus.flush();
      await waitFor(() => got.length === 1, 'the message');
      expect(got).toEqual([7]);
    });

    it('unsubscribe - from inside its own handler, during delivery, leaves the others working', async () => {
      const bus = await open();
      const s = subject();
      let a = 0;
      let b = 0;
      const subA = bus.subscribe(s, () => {
        a++;
        subA.unsubscribe();
      });
      bus.subscribe(s, () => b++);
      for (let i = 0; i < 3; i++) bus.publish(s, u32(i)); // all three in one delivery batch
      await bus.flush();
      await waitFor(() => b === 3, 'three messages');
      expect(a).toBe(1);
    });

    it('unsubscribe - a handler unsubscribing a later one silences it for the same message', async () => {
      const bus = await open();
      const s = subject();
      let b = 0;
      let c = 0;
      bus.subscribe(s, () => subB.unsubscribe());
      const subB = bus.subscribe(s, () => b++);
      bus.subscribe(s, () => c++);
      for (let i = 0; i < 3; i++) bus.publish(s, u32(i));
      await bus.flush();
      await waitFor(() => c === 3, 'three messages');
      expect(b).toBe(0);
    });

    it('errors - a throwing handler is reported and stops neither the others nor later messages', async () => {
      const bus = await open();
      const s = subject();
      const other = subject();
      let fine = 0;
      let elsewhere = 0;
      bus.subscribe(s, () => {
        throw new Error('boom');
      });
      bus.subscribe(s, () => fine++);
      bus.subscribe(other, () => elsewhere++);
      for (let i = 0; i < 3; i++) bus.publish(s, u32(i));
      bus.publish(other, u32(0));
      await bus.flush();
      await waitFor(() => fine === 3 && elsewhere === 1, 'deliveries after the throws');
      expect(errors).toHaveLength(3);
      for (const e of errors) {
        expect(e).toBeInstanceOf(BusHandlerError);
        expect((e as BusHandlerError).subject).toBe(s);
        expect((e.cause as Error).message).toBe('boom');
      }
    });

    it('size - a payload over maxPayload is dropped and reported, the next one still arrives', async () => {
      const bus = await open();
      // NATS announces its server's max_payload (1 MiB here by default); in-process defaults alike.
      expect(bus.maxPayload).toBeGreaterThanOrEqual(64 * 1024);
      const s = subject();
      const got: number[] = [];
      bus.subscribe(s, (payload) => got.push(payload.byteLength));
      expect(() => bus.publish(s, new Uint8Array(bus.maxPayload + 1))).not.toThrow();
      bus.publish(s, new Uint8Array(bus.maxPayload));
      bus.publish(s, u32(7));
      await bus.flush();
      await waitFor(() => got.length === 2, 'the two payloads that fit');
      expect(got).toEqual([bus.maxPayload, 4]);
      expect(errors).toHaveLength(1);
      const error = errors[0] as BusPayloadTooLargeError;
      expect(error).toBeInstanceOf(BusPayloadTooLargeError);
      expect(error.subject).toBe(s);
      expect(error.bytes).toBe(bus.maxPayload + 1);
    });

    it('delivery - never happens synchronously inside publish(), not even from a handler', async () => {
      const bus = await open();
      const s1 = subject();
      const s2 = subject();
      let first = 0;
      let second = 0;
      let secondDuringPublish = -1;
      bus.subscribe(s2, () => second++);
      bus.subscribe(s1, () => {
        first++;
        bus.publish(s2, u32(0));
        secondDuringPublish = second;
      });
      bus.publish(s1, u32(0));
      expect(first).toBe(0);
      await bus.flush();
      await waitFor(() => second === 1, 'the nested message');
      expect(secondDuringPublish).toBe(0);
    });

    it('flush - resolves after subscribers on the same bus received everything published before it', async () => {
      const bus = await open();
      const s = subject();
      let got = 0;
      bus.subscribe(s, () => got++);
      for (let i = 0; i < 100; i++) bus.publish(s, u32(i));
      await bus.flush();
      expect(got).toBe(100);
    });

    it('close - stops delivery at once, resolves, reports closed, and is idempotent', async () => {
      const bus = await open();
      const s = subject();
      const statuses: BusStatus[] = [];
      const silenced: BusStatus[] = [];
      bus.onStatus((st) => statuses.push(st));
      bus.onStatus((st) => silenced.push(st))();
      let got = 0;
      bus.subscribe(s, () => got++);
      for (let i = 0; i < 5; i++) bus.publish(s, u32(i));
      await bus.close();
      await bus.close();
      await sleep(50);
      expect(got).toBe(0);
      expect(bus.status).toBe('closed');
      expect(statuses).toEqual(['closed']);
      expect(silenced).toEqual([]);
    });

    it('close - afterwards publish is dropped and reported, subscribe throws, flush rejects', async () => {
      const bus = await open();
      await bus.close();
      expect(() => bus.publish(subject(), u32(0))).not.toThrow();
      expect(errors.map((e) => e.constructor)).toEqual([BusClosedError]);
      expect(() => bus.subscribe(subject(), () => undefined)).toThrow(BusClosedError);
      await expect(bus.flush()).rejects.toBeInstanceOf(BusClosedError);
    });

    it('subjects - wildcards, empty tokens, whitespace and non-byte payloads are rejected', async () => {
      const bus = await open();
      for (const bad of ['', 'a.', '.a', 'a..b', 'a.*', 'a.>', '>', 'a b', 'a\tb', 'a\nb']) {
        expect(() => bus.publish(bad, u32(0))).toThrow(BusSubjectError);
        expect(() => bus.subscribe(bad, () => undefined)).toThrow(BusSubjectError);
      }
      expect(() => bus.publish(`${prefix}.ok-1_x.2`, 'text' as unknown as Uint8Array)).toThrow(BusPayloadError);
      expect(() => bus.subscribe(`${prefix}.ok-1_x.2`, () => undefined).unsubscribe()).not.toThrow();
    });

    it('fan-out - random subscribe/unsubscribe/publish sequences match a model', async () => {
      const bus = await open();
      const subjects = [subject(), subject(), subject()];
      const op = fc.oneof(
        fc.record({ kind: fc.constant('sub' as const), s: fc.nat(2) }),
        fc.record({ kind: fc.constant('unsub' as const), k: fc.nat(7) }),
        fc.record({ kind: fc.constant('pub' as const), s: fc.nat(2) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
          const live: { id: number; s: number; unsubscribe: () => void }[] = [];
          const expected = new Map<number, number[]>();
          const actual = new Map<number, number[]>();
          let nextId = 0;
          let msg = 0;
          for (const o of ops) {
            if (o.kind === 'sub') {
              const id = nextId++;
              expected.set(id, []);
              actual.set(id, []);
              const sub = bus.subscribe(subjects[o.s], (p) => actual.get(id)?.push(readU32(p)));
              live.push({ id, s: o.s, unsubscribe: () => sub.unsubscribe() });
            } else if (o.kind === 'unsub' && live.length > 0) {
              live.splice(o.k % live.length, 1)[0].unsubscribe();
            } else if (o.kind === 'pub') {
              const m = msg++;
              for (const l of live) if (l.s === o.s) expected.get(l.id)?.push(m);
              bus.publish(subjects[o.s], u32(m));
              await bus.flush(); // delivery settles before the next (un)subscribe
            }
          }
          for (const l of live) l.unsubscribe();
          expect(actual).toEqual(expected);
        }),
        { numRuns: 40 },
      );
    });
  });
}
