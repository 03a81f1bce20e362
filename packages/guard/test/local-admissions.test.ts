import fc from 'fast-check';
import { LocalAdmissions } from '../src/local-admissions';
import { manualClock } from './helpers/time';

const limits = { maxConnectionsPerIp: 2, connectIntervalMs: 1000 };

describe('local admissions', () => {
  test('local admissions - an IP counted again while idle keeps its newer interval (the older idle mark is skipped)', () => {
    const clock = manualClock();
    const table = new LocalAdmissions(limits, clock.now);
    expect(table.admit('10.0.0.1')).toEqual({ admitted: true }); // t=0
    clock.advance(10);
    table.release('10.0.0.1'); // idle, may be forgotten at t=1000
    clock.advance(490);
    table.record('10.0.0.1'); // t=500: admitted by the shared store elsewhere
    clock.advance(100);
    table.release('10.0.0.1'); // idle again, may be forgotten at t=1500
    clock.advance(600); // t=1200: the first mark is due, the IP's interval is not over
    expect(table.admit('10.0.0.1')).toEqual({ admitted: false, reason: 'toofast' });
    clock.advance(300); // t=1500
    expect(table.admit('10.0.0.1')).toEqual({ admitted: true });
  });

  test('local admissions - a connect storm is forgotten once the interval passes, and the queue starts over', () => {
    const clock = manualClock();
    const table = new LocalAdmissions({ maxConnectionsPerIp: 16, connectIntervalMs: 5000 }, clock.now);
    for (let i = 0; i < 20_000; i += 1) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      expect(table.admit(ip)).toEqual({ admitted: true });
      table.release(ip);
      if (i % 4 === 0) clock.advance(1);
    }
    // 5 000 ms of the storm are inside the interval: at most that many IPs' worth remembered.
    expect(table.trackedIps).toBeLessThanOrEqual(4 * 5001);
    clock.advance(5001);
    table.admit('10.255.0.1');
    expect(table.trackedIps).toBe(1);
  });

  // The decisions never depend on when an idle IP is forgotten (a forgotten IP and one whose
  // interval passed are admitted alike), so a model that forgets nothing must agree with the
  // table on every answer; and after a quiet interval everything idle is gone.
  test('local admissions - agrees with a model that never forgets, and forgets everything idle after an interval', () => {
    type Op = { kind: 'admit' | 'record' | 'release'; ip: number; advance: number };
    const op = fc.record({
      kind: fc.constantFrom<'admit' | 'record' | 'release'>('admit', 'record', 'release'),
      ip: fc.integer({ min: 0, max: 5 }),
      advance: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 })),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 0, max: 1500 }), (ops: Op[], interval) => {
        const clock = manualClock();
        const table = new LocalAdmissions({ maxConnectionsPerIp: 2, connectIntervalMs: interval }, clock.now);
        const model = new Map<string, { held: number; last: number }>();
        for (const { kind, ip: n, advance } of ops) {
          clock.advance(advance);
          const ip = `10.0.0.${n}`;
          const now = clock.now();
          const m = model.get(ip);
          if (kind === 'admit') {
            let expected: unknown = { admitted: true };
            if (m && interval > 0 && now - m.last < interval) expected = { admitted: false, reason: 'toofast' };
            else if (m && m.held >= 2) expected = { admitted: false, reason: 'toomany' };
            else model.set(ip, { held: (m?.held ?? 0) + 1, last: now });
            expect(table.admit(ip)).toEqual(expected);
          } else if (kind === 'record') {
            model.set(ip, { held: (m?.held ?? 0) + 1, last: now });
            table.record(ip);
          } else {
            const had = (m?.held ?? 0) > 0;
            if (had) m!.held -= 1;
            expect(table.release(ip)).toBe(had);
          }
          expect(table.held(ip)).toBe(model.get(ip)?.held ?? 0);
        }
        clock.advance(interval + 1);
        table.held('any'); // no sweep; the next counting call sweeps
        table.admit('10.9.9.9');
        const holding = [...model.values()].filter((m) => m.held > 0).length;
        expect(table.trackedIps).toBe(holding + 1);
      }),
      { numRuns: 300 },
    );
  });
});
