import { LogSampler } from '../src/log-sampler';

describe('log sampler', () => {
  it('log sampler - lets `limit` lines per key through per window and reports how many it held back', () => {
    let now = 0;
    const sampler = new LogSampler(2, 1000, () => now);
    expect(sampler.take('toomany')).toEqual({ log: true, suppressed: 0 });
    expect(sampler.take('toomany')).toEqual({ log: true, suppressed: 0 });
    expect(sampler.take('toomany')).toEqual({ log: false, suppressed: 0 });
    expect(sampler.take('toomany')).toEqual({ log: false, suppressed: 0 });
    // Keys are apart.
    expect(sampler.take('banned')).toEqual({ log: true, suppressed: 0 });
    now = 1000;
    expect(sampler.take('toomany')).toEqual({ log: true, suppressed: 2 });
    expect(sampler.take('toomany')).toEqual({ log: true, suppressed: 0 });
  });
});
