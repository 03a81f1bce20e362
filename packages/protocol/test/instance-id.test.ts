import fc from 'fast-check';
import { EntityType, InstanceIds, MAX_NODE_ID, nodeIdOf } from '../src';

const EPOCH = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;
/** A boot time from 2025 to about 2045. */
const bootTime = fc.integer({ min: EPOCH, max: EPOCH + 20 * YEAR_MS });
const nodeId = fc.integer({ min: 1, max: MAX_NODE_ID });
const at = (ms: number) => () => ms;

const take = (ids: InstanceIds, count: number): string[] => Array.from({ length: count }, () => ids.next());

describe('protocol InstanceIds', () => {
  it('layout - the first character is the entity type digit (0 = player by default)', () => {
    expect(new InstanceIds(1).next()[0]).toBe(String(EntityType.Player));
    for (let type = 0; type <= 9; type++) {
      const ids = new InstanceIds(7, type, at(EPOCH + 5_000));
      for (const id of take(ids, 20)) expect(id[0]).toBe(String(type));
    }
  });

  it('layout - ids are numeric strings a Kaetram client can use', () => {
    fc.assert(
      fc.property(nodeId, fc.integer({ min: 0, max: 9 }), bootTime, (node, type, boot) => {
        for (const id of take(new InstanceIds(node, type, at(boot)), 5)) {
          expect(typeof id).toBe('string');
          expect(id).toMatch(/^\d+$/);
        }
      }),
    );
    for (const id of take(new InstanceIds(1), 100)) expect(id).toMatch(/^\d{7,}$/);
  });

  it('uniqueness - 100k ids from one node are all different', () => {
    const ids = take(new InstanceIds(12_345), 100_000);
    expect(new Set(ids).size).toBe(100_000);
  });

  it('uniqueness - two node ids never collide', () => {
    fc.assert(
      fc.property(
        nodeId,
        nodeId,
        bootTime,
        bootTime,
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (a, b, bootA, bootB, countA, countB) => {
          fc.pre(a !== b);
          const first = new Set(take(new InstanceIds(a, 0, at(bootA)), countA));
          for (const id of take(new InstanceIds(b, 0, at(bootB)), countB)) expect(first.has(id)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('uniqueness - nodes whose ids are prefixes of each other (1, 10, 100...) never collide', () => {
    const seen = new Set<string>();
    for (const node of [1, 10, 11, 100, 101, 1000, 10_000, 10_001, 99_999]) {
      for (const id of take(new InstanceIds(node, 0, at(EPOCH + 1_000)), 1_000)) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
  });

  it('uniqueness - different entity types on one node never collide', () => {
    const seen = new Set<string>();
    for (let type = 0; type <= 9; type++) for (const id of take(new InstanceIds(3, type, at(EPOCH)), 500)) seen.add(id);
    expect(seen.size).toBe(5_000);
  });

  it('restart - a node restarted a second later does not reuse its earlier ids', () => {
    const boot = Date.UTC(2026, 5, 1, 12, 0, 0);
    const before = take(new InstanceIds(4, 0, at(boot)), 100);
    const after = take(new InstanceIds(4, 0, at(boot + 1_000)), 100);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
  });

  it('restart - a restart later never reuses an id while the node gave out at most 1000 ids a second', () => {
    fc.assert(
      fc.property(nodeId, bootTime, fc.integer({ min: 1, max: 2_000 }), fc.nat({ max: 60_000 }), fc.integer({ min: 1, max: 500 }), (node, boot, count, slack, countAfter) => {
        const before = new Set(take(new InstanceIds(node, 0, at(boot)), count));
        // `count` ids in `count` milliseconds is exactly 1000 per second.
        const restarted = new InstanceIds(node, 0, at(boot + count + slack));
        for (const id of take(restarted, countAfter)) expect(before.has(id)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('restart - ids keep growing across restarts on a real-looking clock', () => {
    const boot = Date.UTC(2027, 0, 1);
    const lives = [0, 60_000, 3_600_000].map((offset) => take(new InstanceIds(9, 0, at(boot + offset)), 1_000));
    const all = lives.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('nodeIdOf - gives back the node that minted the id', () => {
    fc.assert(
      fc.property(nodeId, fc.integer({ min: 0, max: 9 }), bootTime, fc.integer({ min: 1, max: 50 }), (node, type, boot, count) => {
        for (const id of take(new InstanceIds(node, type, at(boot)), count)) expect(nodeIdOf(id)).toBe(node);
      }),
      { numRuns: 500 },
    );
    expect(nodeIdOf(new InstanceIds(1).next())).toBe(1);
    expect(nodeIdOf(new InstanceIds(MAX_NODE_ID).next())).toBe(MAX_NODE_ID);
  });

  it.each([[''], ['abc'], ['1'], ['123456'], ['12345a7'], [' 0000010001'], ['0000010001 '], ['-000001000'], ['1.000001'], ['0x000010001'], ['１２３４５６７']])(
    'nodeIdOf - %j is not one of ours',
    (instance) => {
      expect(nodeIdOf(instance)).toBeNull();
    },
  );

  it.each([[0], [-1], [MAX_NODE_ID + 1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])('node id - %p throws RangeError', (bad) => {
    expect(() => new InstanceIds(bad)).toThrow(RangeError);
    expect(() => new InstanceIds(bad)).toThrow(/node id must be an integer from 1 to 99999/);
  });

  it.each([[-1], [10], [0.5], [Number.NaN]])('entity type - %p throws RangeError', (bad) => {
    expect(() => new InstanceIds(1, bad)).toThrow(RangeError);
    expect(() => new InstanceIds(1, bad)).toThrow(/entity type must be a digit/);
  });

  it('node id - the whole range 1 to 99999 is accepted', () => {
    expect(MAX_NODE_ID).toBe(99_999);
    expect(() => new InstanceIds(1)).not.toThrow();
    expect(() => new InstanceIds(MAX_NODE_ID)).not.toThrow();
  });
});

describe('instance ids - review findings', () => {
  it('instance ids - a restart whose clock reads before 2025 still never reuses ids', () => {
    const first = new InstanceIds(1, 0, () => 0).next();
    const second = new InstanceIds(1, 0, () => 1_000_000).next();
    expect(first).not.toBe(second);
  });

  it('instance ids - node 0 is never ours', () => {
    expect(nodeIdOf('1000000')).toBeNull();
    expect(nodeIdOf('0000001')).toBeNull();
  });
});
