import { Connection } from '../src/connection';
import { SocketHandler } from '../src/socket-handler';
import { fakeSocket, limits } from './helpers';

let counter = 0;
function connection(ip: string, instance = `1-${++counter}`): Connection {
  return new Connection(instance, ip, fakeSocket().socket, limits());
}

function handlerWithHooks() {
  const handler = new SocketHandler();
  const added: string[] = [];
  const removed: string[] = [];
  handler.onAdd((c) => added.push(c.instance));
  handler.onRemove((c) => removed.push(c.instance));
  return { handler, added, removed };
}

describe('socket handler', () => {
  test('socket handler - add fires the add hooks once with the connection', () => {
    const { handler, added, removed } = handlerWithHooks();
    const c = connection('10.0.0.1');
    handler.add(c);
    expect(added).toEqual([c.instance]);
    expect(removed).toEqual([]);
    expect(handler.get(c.instance)).toBe(c);
  });

  test('socket handler - remove fires the remove hooks once; a second remove is a no-op', () => {
    const { handler, added, removed } = handlerWithHooks();
    const c = connection('10.0.0.1');
    handler.add(c);
    handler.remove(c);
    handler.remove(c);
    expect(added).toEqual([c.instance]);
    expect(removed).toEqual([c.instance]);
    expect(handler.size).toBe(0);
    expect(handler.get(c.instance)).toBeUndefined();
    expect(handler.byIp('10.0.0.1')).toEqual([]);
  });

  test('socket handler - removing a connection never added is a no-op', () => {
    const { handler, removed } = handlerWithHooks();
    const kept = connection('10.0.0.1');
    handler.add(kept);
    handler.remove(connection('10.0.0.1'));
    expect(removed).toEqual([]);
    expect(handler.size).toBe(1);
    expect(handler.byIp('10.0.0.1')).toEqual([kept]);
  });

  test('socket handler - every hook registered runs, in order', () => {
    const handler = new SocketHandler();
    const seen: string[] = [];
    handler.onAdd(() => seen.push('add 1'));
    handler.onAdd(() => seen.push('add 2'));
    handler.onRemove(() => seen.push('remove 1'));
    handler.onRemove(() => seen.push('remove 2'));
    const c = connection('10.0.0.1');
    handler.add(c);
    handler.remove(c);
    expect(seen).toEqual(['add 1', 'add 2', 'remove 1', 'remove 2']);
  });

  test('socket handler - byIp lists the live connections from one IP only', () => {
    const { handler } = handlerWithHooks();
    const a1 = connection('10.0.0.1');
    const a2 = connection('10.0.0.1');
    const b = connection('10.0.0.2');
    for (const c of [a1, b, a2]) handler.add(c);
    expect(handler.byIp('10.0.0.1')).toEqual([a1, a2]);
    expect(handler.byIp('10.0.0.2')).toEqual([b]);
    expect(handler.byIp('10.9.9.9')).toEqual([]);
    handler.remove(a1);
    expect(handler.byIp('10.0.0.1')).toEqual([a2]);
    handler.remove(a2);
    expect(handler.byIp('10.0.0.1')).toEqual([]);
  });

  test('socket handler - size and all() follow adds and removes', () => {
    const { handler } = handlerWithHooks();
    expect(handler.size).toBe(0);
    const cs = [connection('10.0.0.1'), connection('10.0.0.2'), connection('10.0.0.1')];
    for (const c of cs) handler.add(c);
    expect(handler.size).toBe(3);
    expect([...handler.all()]).toEqual(cs);
    handler.remove(cs[1]!);
    handler.remove(cs[1]!);
    expect(handler.size).toBe(2);
    expect([...handler.all()]).toEqual([cs[0], cs[2]]);
  });

  test('socket handler - removing while iterating a copy of all() (a drain) removes everything once', () => {
    const { handler, removed } = handlerWithHooks();
    const cs = Array.from({ length: 5 }, (_, i) => connection(`10.0.0.${i % 2}`));
    for (const c of cs) handler.add(c);
    for (const c of [...handler.all()]) handler.remove(c);
    expect(handler.size).toBe(0);
    expect(removed).toEqual(cs.map((c) => c.instance));
    expect(handler.byIp('10.0.0.0')).toEqual([]);
    expect(handler.byIp('10.0.0.1')).toEqual([]);
  });
});
