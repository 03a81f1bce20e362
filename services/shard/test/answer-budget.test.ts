import { Packets } from '@shardgate/protocol';
import { AnswerBudget } from '../src/answer-budget';
import { createTestWorld, placeAt, rejected } from './helpers';

const spawnsOf = (t: ReturnType<typeof createTestWorld>, instance: string) => t.received.ofId(instance, Packets.Spawn).map((p) => (p[1] as { instance: string }).instance);

describe('AnswerBudget', () => {
  it('answer budget - one List a second', () => {
    const budget = new AnswerBudget();
    expect(budget.takeList(0)).toBe(true);
    expect(budget.takeList(999)).toBe(false);
    expect(budget.takeList(1000)).toBe(true);
  });

  it('answer budget - Who spawns per second up to the players in view, counted once a second', () => {
    const budget = new AnswerBudget();
    let asked = 0;
    const inView = () => ++asked && 3;
    expect(budget.whoAllowance(0, inView)).toBe(3);
    budget.spendWho(2);
    expect(budget.whoAllowance(500, inView)).toBe(1);
    budget.spendWho(1);
    expect(budget.whoAllowance(999, inView)).toBe(0);
    expect(budget.whoAllowance(1000, inView)).toBe(3);
    expect(asked).toBe(2);
  });
});

describe('World - a client\'s own requests are answered within bounds', () => {
  it('who - a Who naming one visible instance 512 times gets exactly one Spawn', async () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const before = spawnsOf(t, '0b').length;
    t.send('0b', Packets.Who, Array.from({ length: 512 }, () => '0a'));
    t.tick();
    expect(spawnsOf(t, '0b').slice(before)).toEqual(['0a']);
  });

  it('who - each visible player is answered, a far one is not; repeats past the players in view wait for the next second', async () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    t.join('0far', placeAt(t.world, 400, 400));
    t.join('0c');
    const before = spawnsOf(t, '0c').length;
    t.send('0c', Packets.Who, ['0a', '0b', '0far', '0a', '0c']);
    t.tick();
    expect(spawnsOf(t, '0c').slice(before)).toEqual(['0a', '0b']);
    // Two in view: two Spawns a second for Who, however it is asked.
    for (let i = 0; i < 50; i++) t.send('0c', Packets.Who, [i % 2 ? '0a' : '0b']);
    t.tick();
    expect(spawnsOf(t, '0c').slice(before)).toHaveLength(2);
    expect(await rejected(t.metrics, 'excess')).toBe(50);
    t.clock.advance(1000);
    t.send('0c', Packets.Who, ['0b', '0a', '0b']);
    t.tick();
    expect(spawnsOf(t, '0c').slice(before)).toEqual(['0a', '0b', '0b', '0a']);
  });

  it('list - a List request is answered once a second; repeats are dropped and counted', async () => {
    const t = createTestWorld();
    t.join('0a');
    t.join('0b');
    const lists = () => t.received.ofId('0a', Packets.List).length;
    const before = lists();
    for (let i = 0; i < 20; i++) t.send('0a', Packets.List, null);
    t.tick();
    expect(lists() - before).toBe(1);
    expect(await rejected(t.metrics, 'excess')).toBe(19);
    t.clock.advance(1000);
    t.send('0a', Packets.List, null);
    t.tick();
    expect(lists() - before).toBe(2);
  });
});
