import { createLogger } from '@shardgate/logger';
import { Registry, createGatewayMetrics } from '@shardgate/metrics';
import type { ClientEvent, ShardBatch } from '@shardgate/protocol';
import { Connection } from '../src/connection';
import { followMoves } from '../src/follow-moves';
import { SocketHandler } from '../src/socket-handler';
import { fakeSocket, limits } from './helpers';

function setup() {
  const sockets = new SocketHandler();
  const metrics = createGatewayMetrics(new Registry());
  const sent: Array<[string, ClientEvent]> = [];
  const open = (instance: string, shard: string) => {
    const c = new Connection(instance, '10.0.0.1', fakeSocket().socket, limits());
    c.shard = shard;
    sockets.add(c);
    return c;
  };
  const follow = (batch: ShardBatch) => followMoves(batch, sockets, (shard, event) => sent.push([shard, event]), metrics, createLogger({ level: 'silent', service: 't' }));
  const outcome = async (o: string) => (await metrics.handoffsFollowed.get()).values.find((v) => v.labels.outcome === o)?.value ?? 0;
  return { open, follow, sent, outcome };
}

const batch = (shard: string, moves: Array<[string, string]>): ShardBatch => ({ shard, packets: [], frames: [], closes: [], moves });

describe('gateway follows hand-offs', () => {
  it('moves - the player is routed to the new shard and the old one gets a fence', async () => {
    const t = setup();
    const c = t.open('01', 'a');
    t.follow(batch('a', [['01', 'b']]));
    expect(c.shard).toBe('b');
    expect(t.sent).toEqual([['a', [3, '01']]]);
    expect(await t.outcome('rerouted')).toBe(1);
  });

  it('moves - a shard that does not hold the player cannot move him', async () => {
    const t = setup();
    const c = t.open('01', 'a');
    t.follow(batch('c', [['01', 'c']]));
    expect(c.shard).toBe('a');
    expect(t.sent).toEqual([]);
    expect(await t.outcome('refused')).toBe(1);
  });

  it('moves - a player already gone is counted, nothing is sent', async () => {
    const t = setup();
    t.follow(batch('a', [['99', 'b']]));
    expect(t.sent).toEqual([]);
    expect(await t.outcome('gone')).toBe(1);
  });

  it('moves - two hand-offs in a row follow each other', () => {
    const t = setup();
    const c = t.open('01', 'a');
    t.follow(batch('a', [['01', 'b']]));
    t.follow(batch('b', [['01', 'c']]));
    expect(c.shard).toBe('c');
    expect(t.sent).toEqual([
      ['a', [3, '01']],
      ['b', [3, '01']],
    ]);
  });
});
