import { TickLoop } from '../src/tick-loop';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TickLoop', () => {
  it('tick loop - reports how late a tick started when the event loop was busy', async () => {
    const lags: number[] = [];
    const loop = new TickLoop({ intervalMs: 20, tick: () => undefined, observe: () => undefined, lag: (s) => lags.push(s), overrun: () => undefined, onError: () => undefined });
    loop.start();
    busy(60); // the first tick was due at 20 ms
    await sleep(5);
    loop.stop();
    expect(lags.length).toBeGreaterThanOrEqual(1);
    expect(lags[0]!).toBeGreaterThanOrEqual(0.035);
  });
});
