import fc from 'fast-check';
import { GuardConfigError, RateLimiter } from '@shardgate/guard';
import { manualClock } from './helpers/time';

/** The model: every passed time kept forever; a message passes iff fewer than `limit` passed in (now - 1000, now]. */
function modelLimiter(limit: number): (now: number) => boolean {
  const passed: number[] = [];
  return (now) => {
    const inWindow = passed.filter((t) => now - t < 1000).length;
    if (inWindow >= limit) return false;
    passed.push(now);
    return true;
  };
}

/** The ring's size, read for the memory bound (private: a test of the cost the README states). */
const capacity = (limiter: RateLimiter): number => (limiter as unknown as { times?: number[] }).times?.length ?? 0;

describe('rate limiter', () => {
  test('rate limiter - refuses messages past the limit within one second', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(3, clock.now);
    expect([limiter.hit(), limiter.hit(), limiter.hit(), limiter.hit()]).toEqual([true, true, true, false]);
    clock.advance(999);
    expect(limiter.hit()).toBe(false);
  });

  test('rate limiter - the window slides: each message frees its place one second after it passed', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(2, clock.now);
    limiter.hit();
    clock.advance(500);
    limiter.hit();
    expect(limiter.hit()).toBe(false);
    clock.advance(500); // the first message left the window, the second has not
    expect([limiter.hit(), limiter.hit()]).toEqual([true, false]);
    clock.advance(499);
    expect(limiter.hit()).toBe(false);
    clock.advance(1); // the second left
    expect([limiter.hit(), limiter.hit()]).toEqual([true, false]);
  });

  test('rate limiter - a burst straddling a second boundary gets no more than the limit (was 599 frames in 42 ms)', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(300, clock.now);
    limiter.hit(); // t = 0
    clock.advance(958);
    let passed = 0;
    for (let i = 0; i < 299; i += 1) if (limiter.hit()) passed += 1; // t = 958
    clock.advance(42); // t = 1000: a fixed window restarted here
    for (let i = 0; i < 300; i += 1) if (limiter.hit()) passed += 1;
    // The span [958, 1000] is less than a second long: at most 300 pass in it.
    expect(passed).toBe(300);
  });

  test('rate limiter - 0 turns it off', () => {
    const limiter = new RateLimiter(0, manualClock().now);
    expect(Array.from({ length: 1000 }, () => limiter.hit()).every(Boolean)).toBe(true);
  });

  test('rate limiter - rejects a negative or non-finite limit', () => {
    expect(() => new RateLimiter(-1)).toThrow(GuardConfigError);
    expect(() => new RateLimiter(Number.NaN)).toThrow(/limitPerSecond/);
  });

  test('rate limiter - answers exactly as the model, message by message, for any timing', () => {
    // Gaps mix bursts (0 ms), steady rates, gaps near the window (990-1010 ms) and long pauses.
    const gap = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 990, max: 1010 }), fc.integer({ min: 0, max: 5000 }));
    const run = fc.array(fc.tuple(gap, fc.integer({ min: 1, max: 40 })), { maxLength: 120 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), run, (limit, steps) => {
        const clock = manualClock();
        const limiter = new RateLimiter(limit, clock.now);
        const model = modelLimiter(limit);
        for (const [advance, burst] of steps) {
          clock.advance(advance);
          for (let i = 0; i < burst; i += 1) {
            if (limiter.hit() !== model(clock.now())) return false;
            if (capacity(limiter) > Math.max(4, limit)) return false;
          }
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  test('rate limiter - no one-second span ever holds more than the limit', () => {
    const gap = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 900, max: 1000 }));
    const steps = fc.array(fc.tuple(gap, fc.integer({ min: 1, max: 40 })), { maxLength: 200 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), steps, (limit, run) => {
        const clock = manualClock();
        const limiter = new RateLimiter(limit, clock.now);
        const passed: number[] = [];
        for (const [gap, burst] of run) {
          clock.advance(gap);
          for (let i = 0; i < burst; i += 1) if (limiter.hit()) passed.push(clock.now());
        }
        // Every span of one second starting at a passed message (the worst spans start there).
        for (let i = 0; i < passed.length; i += 1) {
          let j = i;
          while (j < passed.length && passed[j]! - passed[i]! < 1000) j += 1;
          if (j - i > limit) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  test('rate limiter - memory follows the rate: the ring grows to the limit under a flood and shrinks when it stops', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(300, clock.now);
    limiter.hit();
    expect(capacity(limiter)).toBe(4);
    for (let i = 0; i < 400; i += 1) limiter.hit();
    expect(capacity(limiter)).toBe(300);
    // One message a second from now on: the ring halves on each message until it is small again.
    for (let i = 0; i < 10; i += 1) {
      clock.advance(1000);
      expect(limiter.hit()).toBe(true);
    }
    expect(capacity(limiter)).toBe(4);
  });
});
