import fc from 'fast-check';
import { GuardConfigError, RateLimiter } from '@shardgate/guard';
import { manualClock } from './helpers/time';

describe('rate limiter', () => {
  test('rate limiter - refuses messages past the limit within one second', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(3, clock.now);
    expect([limiter.hit(), limiter.hit(), limiter.hit(), limiter.hit()]).toEqual([true, true, true, false]);
    clock.advance(999);
    expect(limiter.hit()).toBe(false);
  });

  test('rate limiter - a new window starts one second after the first message of the last', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(2, clock.now);
    limiter.hit();
    clock.advance(500);
    limiter.hit();
    expect(limiter.hit()).toBe(false);
    clock.advance(500); // 1000 ms after the window's first message
    expect([limiter.hit(), limiter.hit(), limiter.hit()]).toEqual([true, true, false]);
  });

  test('rate limiter - 0 turns it off', () => {
    const limiter = new RateLimiter(0, manualClock().now);
    expect(Array.from({ length: 1000 }, () => limiter.hit()).every(Boolean)).toBe(true);
  });

  test('rate limiter - rejects a negative or non-finite limit', () => {
    expect(() => new RateLimiter(-1)).toThrow(GuardConfigError);
    expect(() => new RateLimiter(Number.NaN)).toThrow(/limitPerSecond/);
  });

  test('rate limiter - never passes more than the limit in a window, and always the first message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }), (limit, gaps) => {
        const clock = manualClock();
        const limiter = new RateLimiter(limit, clock.now);
        let windowStart = -Infinity;
        let passed = 0;
        for (const gap of gaps) {
          clock.advance(gap);
          const now = clock.now();
          const fresh = now - windowStart >= 1000;
          if (fresh) {
            windowStart = now;
            passed = 0;
          }
          const ok = limiter.hit();
          if (fresh && !ok) return false;
          if (ok) passed += 1;
          if (passed > limit) return false;
        }
        return true;
      }),
    );
  });
});
