import fc from 'fast-check';
import { DuplicateFilter, GuardConfigError } from '@shardgate/guard';
import { manualClock } from './helpers/time';

describe('duplicate filter', () => {
  test('duplicate filter - drops the same message repeated within the window', () => {
    const clock = manualClock();
    const filter = new DuplicateFilter(100, clock.now);
    expect(filter.isDuplicate('[4,["walk"]]')).toBe(false);
    clock.advance(99);
    expect(filter.isDuplicate('[4,["walk"]]')).toBe(true);
  });

  test('duplicate filter - passes the same message once the window has passed', () => {
    const clock = manualClock();
    const filter = new DuplicateFilter(100, clock.now);
    filter.isDuplicate('a');
    clock.advance(100);
    expect(filter.isDuplicate('a')).toBe(false);
  });

  test('duplicate filter - compares with the message just before, not the first one', () => {
    // Kaetram never updated its last-message fields; this is the case that proves we do.
    const clock = manualClock();
    const filter = new DuplicateFilter(100, clock.now);
    expect(filter.isDuplicate('a')).toBe(false);
    clock.advance(10);
    expect(filter.isDuplicate('b')).toBe(false);
    clock.advance(10);
    expect(filter.isDuplicate('b')).toBe(true);
    clock.advance(10);
    expect(filter.isDuplicate('a')).toBe(false);
  });

  test('duplicate filter - a duplicate restarts the window', () => {
    const clock = manualClock();
    const filter = new DuplicateFilter(100, clock.now);
    filter.isDuplicate('a');
    clock.advance(60);
    expect(filter.isDuplicate('a')).toBe(true);
    clock.advance(60); // 120 ms after the first, 60 ms after the previous
    expect(filter.isDuplicate('a')).toBe(true);
  });

  test('duplicate filter - 0 turns it off', () => {
    const filter = new DuplicateFilter(0, manualClock().now);
    expect([filter.isDuplicate('a'), filter.isDuplicate('a')]).toEqual([false, false]);
  });

  test('duplicate filter - rejects a negative window', () => {
    expect(() => new DuplicateFilter(-5)).toThrow(GuardConfigError);
  });

  test('duplicate filter - drops exactly the repeats of the previous message within the window', () => {
    const message = fc.constantFrom('a', 'b', '[4,["walk"]]', '');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.record({ text: message, gap: fc.integer({ min: 0, max: 300 }) }), { maxLength: 200 }),
        (windowMs, stream) => {
          const clock = manualClock();
          const filter = new DuplicateFilter(windowMs, clock.now);
          let previous: { text: string; gap: number } | undefined;
          for (const item of stream) {
            clock.advance(item.gap);
            const dropped = filter.isDuplicate(item.text);
            const expected = previous !== undefined && previous.text === item.text && item.gap < windowMs;
            if (dropped !== expected) return false;
            previous = item;
          }
          return true;
        },
      ),
    );
  });

  test('duplicate filter - never drops a message different from the previous one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 200 }), (windowMs, texts) => {
        const filter = new DuplicateFilter(windowMs, () => 0); // all at once: the worst case
        return texts.every((text, i) => !(filter.isDuplicate(text) && text !== texts[i - 1]));
      }),
    );
  });
});
