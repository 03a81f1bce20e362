import { InProcessBus } from '../src/index';
import { describeBusContract } from './bus-contract';
import { u32 } from './wait';

describeBusContract('InProcessBus', async ({ onError }) => new InProcessBus({ onError }));

describe('InProcessBus', () => {
  it('delivery - a handler ping-pong does not starve timers', async () => {
    // Messages published by handlers go to the next setImmediate batch, so I/O and timers run.
    const bus = new InProcessBus();
    let rounds = 0;
    bus.subscribe('ping', () => {
      rounds++;
      bus.publish('ping', u32(rounds));
    });
    bus.publish('ping', u32(0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const seen = rounds;
    await bus.close();
    expect(seen).toBeGreaterThan(1);
  });

  it('close - a pending flush rejects instead of hanging', async () => {
    const bus = new InProcessBus();
    bus.publish('a', u32(0));
    const pending = bus.flush();
    await bus.close();
    await expect(pending).rejects.toThrow('closed');
  });
});
