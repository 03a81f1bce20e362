import { CloseReasons } from '@shardgate/protocol';
import { Main } from '../src/main';
import { ShardRegistry } from '../src/shard-registry';
import { Clock, heartbeat } from './helpers';

function main(accepting = true) {
  const registry = new ShardRegistry(3000, new Clock().now);
  const state = { accepting };
  return { main: new Main(registry, () => state.accepting), registry, state };
}

describe('main', () => {
  test("main - refuses with 'maintenance' when the gateway is not accepting", () => {
    const { main: m, registry } = main(false);
    registry.update(heartbeat('s1'));
    expect(m.handleConnection()).toEqual({ ok: false, reason: CloseReasons.Maintenance });
    expect(m.handleConnection('s1')).toEqual({ ok: false, reason: 'maintenance' });
  });

  test("main - 'maintenance' wins over 'worldfull' when both apply", () => {
    const { main: m } = main(false);
    expect(m.handleConnection()).toEqual({ ok: false, reason: 'maintenance' });
  });

  test("main - refuses with 'worldfull' when no shard is known", () => {
    const { main: m } = main();
    expect(m.handleConnection()).toEqual({ ok: false, reason: CloseReasons.WorldFull });
  });

  test("main - refuses with 'worldfull' when every shard is full or not accepting", () => {
    const { main: m, registry } = main();
    registry.update(heartbeat('full', { players: 5, capacity: 5 }));
    registry.update(heartbeat('draining', { players: 0, accepting: false }));
    expect(m.handleConnection()).toEqual({ ok: false, reason: 'worldfull' });
    expect(m.handleConnection('full')).toEqual({ ok: false, reason: 'worldfull' });
  });

  test('main - admits with the shard that has room', () => {
    const { main: m, registry } = main();
    registry.update(heartbeat('full', { players: 5, capacity: 5 }));
    registry.update(heartbeat('s2', { players: 1, capacity: 5, serverId: 2 }));
    const decision = m.handleConnection();
    expect(decision.ok).toBe(true);
    if (decision.ok) expect(decision.shard).toMatchObject({ shard: 's2', serverId: 2 });
  });

  test('main - admits to the asked-for world when it has room', () => {
    const { main: m, registry } = main();
    registry.update(heartbeat('a', { players: 0 }));
    registry.update(heartbeat('b', { players: 10 }));
    const decision = m.handleConnection('b');
    expect(decision).toMatchObject({ ok: true, shard: { shard: 'b' } });
  });

  test('main - reads the accepting flag on every connection', () => {
    const { main: m, registry, state } = main();
    registry.update(heartbeat('s1'));
    expect(m.handleConnection().ok).toBe(true);
    state.accepting = false;
    expect(m.handleConnection()).toEqual({ ok: false, reason: 'maintenance' });
    state.accepting = true;
    expect(m.handleConnection().ok).toBe(true);
  });
});
