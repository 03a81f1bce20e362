import { parseDuration } from '@shardgate/bans';

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2w', 1_209_600_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    [' 7D ', 604_800_000],
    ['60', 60_000],
    [2, 2000],
  ])('%p is %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each([['-5m', /positive/], ['0s', /positive/], [-3, /positive/], ['soon', /duration like/], ['5 minutes', /duration like/], ['11000d', /ten years/], [true, /duration string/], [Number.NaN, /finite/]])('refuses %p', (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });
});
