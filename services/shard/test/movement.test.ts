import { Packets } from '@shardgate/protocol';
import { StepBudget, checkStep } from '../src/movement';
import { createTestWorld, placeAt, rejected, sharedMap } from './helpers';

const step = (x: number, y: number) => ({ opcode: 2, playerX: x, playerY: y, timestamp: 0 });

describe('Movement plausibility', () => {
  it('movement - a step must stay inside the map, on a walkable tile, one tile away', () => {
    const map = sharedMap();
    const budget = () => new StepBudget(250, 0);
    expect(checkStep(map, { x: 5, y: 5 }, { x: 6, y: 5 }, budget(), 0)).toEqual({ ok: true, moved: true });
    expect(checkStep(map, { x: 5, y: 5 }, { x: 6, y: 6 }, budget(), 0)).toEqual({ ok: true, moved: true });
    expect(checkStep(map, { x: 5, y: 5 }, { x: 5, y: 5 }, budget(), 0)).toEqual({ ok: true, moved: false });
    expect(checkStep(map, { x: 5, y: 5 }, { x: 7, y: 5 }, budget(), 0)).toEqual({ ok: false, reason: 'distance' });
    expect(checkStep(map, { x: 1, y: 5 }, { x: 0, y: 5 }, budget(), 0)).toEqual({ ok: false, reason: 'blocked' });
    expect(checkStep(map, { x: 478, y: 5 }, { x: 480, y: 5 }, budget(), 0)).toEqual({ ok: false, reason: 'outside' });
  });

  it('movement - steps may come in a short bunch but not faster than the speed allows', () => {
    const budget = new StepBudget(250, 0, 3, 1.25);
    expect([budget.take(0), budget.take(0), budget.take(0)]).toEqual([true, true, true]);
    expect(budget.take(0)).toBe(false);
    expect(budget.take(199)).toBe(false); // 250 ms / 1.25 = 200 ms per step at most
    expect(budget.take(200)).toBe(true);
    // Sustained: one step per 200 ms passes, one per 150 ms does not for long.
    const steady = new StepBudget(250, 0, 3, 1.25);
    let refused = 0;
    for (let t = 0; t < 10_000; t += 150) if (!steady.take(t)) refused++;
    expect(refused).toBeGreaterThan(10);
    const honest = new StepBudget(250, 0, 3, 1.25);
    for (let t = 0; t < 10_000; t += 250) expect(honest.take(t)).toBe(true);
  });

  it('movement - a plausible step is relayed as Move to the others, not to the mover', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const { x, y } = t.world.players.get('0a')!;
    t.send('0a', Packets.Movement, step(x + 1, y));
    t.tick();
    expect(t.received.ofId('0b', Packets.Movement)).toEqual([[11, 4, { instance: '0a', x: x + 1, y, forced: false }]]);
    expect(t.received.ofId('0a', Packets.Movement)).toEqual([]);
    expect(t.world.players.get('0a')!.x).toBe(x + 1);
  });

  it('movement - Stop reaches the others as a final Move (Kaetram relays no Stop); the orientation is kept', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const { x, y } = t.world.players.get('0a')!;
    t.send('0a', Packets.Movement, { opcode: 3, playerX: x, playerY: y, orientation: 2 });
    t.tick();
    expect(t.received.ofId('0b', Packets.Movement)).toEqual([[11, 4, { instance: '0a', x, y, forced: false }]]);
    expect(t.received.ofId('0a', Packets.Movement)).toEqual([]);
    expect(t.world.players.get('0a')!.spawnData().orientation).toBe(2);
  });

  it('movement - a Stop one tile on is relayed as one Move to that tile', () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const { x, y } = t.world.players.get('0a')!;
    t.send('0a', Packets.Movement, { opcode: 3, playerX: x + 1, playerY: y, orientation: 3 });
    t.tick();
    expect(t.received.ofId('0b', Packets.Movement)).toEqual([[11, 4, { instance: '0a', x: x + 1, y, forced: false }]]);
  });

  it('movement - an implausible step teleports the mover back and is counted', async () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const { x, y } = t.world.players.get('0a')!;
    t.send('0a', Packets.Movement, step(x + 3, y)); // too far
    t.send('0a', Packets.Movement, { opcode: 0, playerX: x + 9, playerY: y, requestX: x + 10, requestY: y }); // not where it is
    t.tick();
    const back = [12, { instance: '0a', x, y, withAnimation: false }];
    expect(t.received.ofId('0a', Packets.Teleport)).toEqual([back, back]);
    expect(t.received.ofId('0b', Packets.Movement)).toEqual([]);
    expect(t.world.players.get('0a')!.x).toBe(x);
    expect(await rejected(t.metrics, 'movement')).toBe(2);
  });

  it('movement - a speed hack is caught by the step budget', () => {
    const t = createTestWorld();
    t.join('0a', placeAt(t.world, 100, 100));
    for (let i = 1; i <= 6; i++) t.send('0a', Packets.Movement, step(100 + i, 100));
    t.tick();
    expect(t.world.players.get('0a')!.x).toBe(103);
    expect(t.received.ofId('0a', Packets.Teleport)).toHaveLength(3);
  });

  it('movement - walking at the configured speed is never refused', () => {
    const t = createTestWorld();
    t.join('0a', placeAt(t.world, 100, 100));
    for (let i = 1; i <= 40; i++) {
      t.clock.advance(220);
      t.send('0a', Packets.Movement, step(100 + i, 100));
    }
    t.tick();
    expect(t.world.players.get('0a')!.x).toBe(140);
    expect(t.received.ofId('0a', Packets.Teleport)).toHaveLength(0);
  });
});
