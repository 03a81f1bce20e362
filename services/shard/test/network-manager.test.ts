import type { ShardBatch } from '@shardgate/protocol';
import { networkHarness, type NetworkHarness } from './helpers';

type Harness = NetworkHarness;

function harness(batchBytes?: number): Harness {
  return networkHarness(batchBytes !== undefined ? { batchBytes } : {});
}

/** The packets a frame refers to, resolved. */
function frameOf(batch: ShardBatch, instance: string): string[] | undefined {
  const frame = batch.frames.find(([i]) => i === instance);
  return frame?.[1].map((index) => batch.packets[index]!);
}

describe('NetworkManager', () => {
  it('network manager - packets reach a connection in queue order, one frame per flush', () => {
    const h = harness();
    h.open('01');
    h.network.send('01', [0, null]);
    h.network.send('01', [13, { instance: 'x' }]);
    h.network.sendSerialized('01', '[25,2,{"message":"hi"}]');
    h.network.parse();
    expect(h.published).toHaveLength(1);
    const { gateway, batch } = h.published[0]!;
    expect(gateway).toBe('gw1');
    expect(batch.shard).toBe('s1');
    expect(batch.frames).toHaveLength(1);
    expect(frameOf(batch, '01')).toEqual(['[0,null]', '[13,{"instance":"x"}]', '[25,2,{"message":"hi"}]']);
  });

  it('network manager - one batch per gateway per parse', () => {
    const h = harness();
    h.open('01', 'gwA');
    h.open('02', 'gwA');
    h.open('03', 'gwB');
    h.network.broadcast([0, null]);
    h.network.send('02', [13, { instance: 'y' }]);
    h.network.parse();
    expect(h.published.map((p) => p.gateway).sort()).toEqual(['gwA', 'gwB']);
    const a = h.published.find((p) => p.gateway === 'gwA')!.batch;
    expect(a.frames.map(([i]) => i).sort()).toEqual(['01', '02']);
    expect(frameOf(a, '02')).toEqual(['[0,null]', '[13,{"instance":"y"}]']);
    expect(h.published.find((p) => p.gateway === 'gwB')!.batch.frames.map(([i]) => i)).toEqual(['03']);
  });

  it('network manager - a region broadcast is stored once and referenced by each recipient', () => {
    const h = harness();
    for (const i of ['01', '02', '03', '04']) h.open(i, 'gw1', 4); // the centre region
    h.open('05', 'gw1', 0); // a corner: surrounds the centre
    h.network.sendToSurroundingRegions(4, [19, { instance: '01', message: 'hello' }]);
    h.network.parse();
    const { batch } = h.published[0]!;
    expect(batch.packets).toEqual(['[19,{"instance":"01","message":"hello"}]']);
    expect(batch.frames).toHaveLength(5);
    for (const [, indices] of batch.frames) expect(indices).toEqual([0]);
  });

  it('network manager - a cached packet sent in separate calls is stored once per batch', () => {
    const h = harness();
    h.open('01');
    h.open('02');
    const spawn = '[5,{"instance":"09"}]';
    h.network.sendSerialized('01', spawn);
    h.network.sendSerialized('02', spawn);
    h.network.sendSerializedTo([h.recipients.get('01')!], spawn);
    h.network.parse();
    const { batch } = h.published[0]!;
    expect(batch.packets).toEqual([spawn]);
    expect(frameOf(batch, '01')).toEqual([spawn, spawn]);
    expect(frameOf(batch, '02')).toEqual([spawn]);
  });

  it('network manager - sendToRegion reaches that region only', () => {
    const h = harness();
    h.open('01', 'gw1', 4);
    h.open('02', 'gw1', 0);
    h.network.sendToRegion(4, [0, null]);
    h.network.parse();
    expect(h.published[0]!.batch.frames.map(([i]) => i)).toEqual(['01']);
  });

  it('network manager - ignore leaves one instance out of every kind of send', () => {
    const h = harness();
    h.open('01', 'gw1', 4);
    h.open('02', 'gw1', 4);
    h.network.sendToRegion(4, [1], '01');
    h.network.sendToSurroundingRegions(4, [2], '01');
    h.network.sendToPlayers(['01', '02'], [3], '01');
    h.network.broadcast([4], '01');
    h.network.parse();
    const { batch } = h.published[0]!;
    expect(frameOf(batch, '01')).toBeUndefined();
    expect(frameOf(batch, '02')).toEqual(['[1]', '[2]', '[3]', '[4]']);
  });

  it('network manager - closes come after the frames, then the queue is gone', () => {
    const h = harness();
    h.open('01');
    h.open('02');
    h.network.send('01', [25, 2, { message: 'bye' }]);
    h.network.close('01', 'maintenance');
    h.network.send('01', [0, null]); // after the close: never delivered
    h.network.close('02', 'timeout');
    h.network.parse();
    const { batch } = h.published[0]!;
    expect(frameOf(batch, '01')).toEqual(['[25,2,{"message":"bye"}]']);
    expect(frameOf(batch, '02')).toBeUndefined();
    expect(batch.closes).toEqual([
      ['01', 'maintenance'],
      ['02', 'timeout'],
    ]);
    expect(h.network.has('01')).toBe(false);
    h.network.send('01', [0, null]);
    h.network.parse();
    expect(h.published).toHaveLength(1);
  });

  it('network manager - a tick too big for one bus message goes out in several, each player whole and in order', () => {
    const h = harness(16 * 1024);
    // 60 players each get their own 1 KB Map packet and a shared broadcast: ~46 KB for gw1.
    for (let p = 0; p < 60; p++) h.open(`p${p}`, p % 4 === 0 ? 'gw2' : 'gw1');
    h.network.broadcast([0, 'all']);
    for (let p = 0; p < 60; p++) {
      h.network.sendSerialized(`p${p}`, `[7,"${String(p).padEnd(1000, 'm')}"]`);
      h.network.send(`p${p}`, [13, { n: p }]);
    }
    h.network.close('p59', 'timeout');
    h.network.parse();
    const gw1 = h.published.filter((p) => p.gateway === 'gw1').map((p) => p.batch);
    expect(gw1.length).toBeGreaterThanOrEqual(3);
    for (const batch of gw1) {
      // Within about one frame of the limit: the estimate cuts after the frame that passes it.
      expect(JSON.stringify(batch).length).toBeLessThan(16 * 1024 + 2048);
    }
    for (let p = 0; p < 60; p++) {
      const mine = h.published.filter(({ batch }) => batch.frames.some(([i]) => i === `p${p}`));
      expect(mine).toHaveLength(1); // one frame: never cut in two
      expect(frameOf(mine[0]!.batch, `p${p}`)).toEqual(['[0,"all"]', `[7,"${String(p).padEnd(1000, 'm')}"]`, `[13,{"n":${p}}]`]);
    }
    const closed = h.published.find(({ batch }) => batch.closes.length > 0)!;
    expect(closed.batch.closes).toEqual([['p59', 'timeout']]);
    expect(closed.batch.frames.map(([i]) => i)).toContain('p59');
  });

  it('network manager - nothing is published for empty queues', () => {
    const h = harness();
    h.open('01');
    h.open('02', 'gw2');
    h.network.parse();
    h.network.send('01', [0, null]);
    h.network.parse();
    h.network.parse();
    expect(h.published).toHaveLength(1);
    expect(h.published[0]!.gateway).toBe('gw1');
  });

  it('network manager - sendImmediate goes out on flushImmediate after what was queued', () => {
    const h = harness();
    h.open('01');
    h.network.send('01', [0, null]);
    h.network.sendImmediate('01', [1, { type: 'client' }]);
    h.network.sendImmediate('01', [6, 0, { entities: [] }]);
    expect(h.published).toHaveLength(0);
    h.network.flushImmediate();
    expect(h.published).toHaveLength(1);
    expect(frameOf(h.published[0]!.batch, '01')).toEqual(['[0,null]', '[1,{"type":"client"}]', '[6,0,{"entities":[]}]']);
    h.network.parse(); // the queue was handed over: nothing left for the tick
    expect(h.published).toHaveLength(1);
  });

  it('network manager - parse publishes pending immediate answers first', () => {
    const h = harness();
    h.open('01');
    h.network.sendImmediate('01', [1, { type: 'client' }]);
    h.network.send('01', [6, 0, { entities: [] }]);
    h.network.parse();
    expect(h.published).toHaveLength(2);
    expect(frameOf(h.published[0]!.batch, '01')).toEqual(['[1,{"type":"client"}]']);
    expect(frameOf(h.published[1]!.batch, '01')).toEqual(['[6,0,{"entities":[]}]']);
  });

  it('network manager - refuse closes a connection that never had a queue', () => {
    const h = harness();
    h.network.refuse('gw9', '0999', 'worldfull');
    h.network.flushImmediate();
    expect(h.published).toEqual([{ gateway: 'gw9', batch: { shard: 's1', packets: [], frames: [], closes: [['0999', 'worldfull']] } }]);
  });

  it('network manager - a dropped connection gets nothing and frees its gateway entry', () => {
    const h = harness();
    h.open('01', 'gwA');
    h.network.send('01', [0, null]);
    h.network.drop('01');
    h.network.parse();
    expect(h.published).toHaveLength(0);
    expect(h.network.instancesOf('gwA')).toEqual([]);
    expect(h.network.handleConnection('01', '10.0.0.1', 'gwA')).toBe(true);
  });

  it('network manager - a duplicate instance is refused', () => {
    const h = harness();
    h.open('01');
    expect(h.network.handleConnection('01', '10.0.0.1', 'gw1')).toBe(false);
    expect(h.network.size).toBe(1);
  });
});
