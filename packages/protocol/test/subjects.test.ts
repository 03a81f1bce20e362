import fc from 'fast-check';
import { createSubjects } from '../src';
import type { Subjects } from '../src';

const all = (s: Subjects, ids: readonly string[]) => [
  ...ids.map((id) => s.shardInbox(id)),
  ...ids.map((id) => s.gatewayInbox(id)),
  s.shardHeartbeat,
  s.gatewayHeartbeat,
  s.control,
];

/** One NATS token: what a prefix segment or a node id may be. */
const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
const wordToken = fc.oneof(token, fc.constantFrom('sg', 'shard', 'shards', 'gw', 'gateways', 'in', 'out', 'control', 'heartbeat'));

describe('protocol bus subjects', () => {
  it('subjects - the default prefix is sg', () => {
    const s = createSubjects();
    expect(s.shardInbox('1')).toBe('sg.shard.1.in');
    expect(s.gatewayInbox('2')).toBe('sg.gw.2.out');
    expect(s.shardHeartbeat).toBe('sg.shards.heartbeat');
    expect(s.gatewayHeartbeat).toBe('sg.gateways.heartbeat');
    expect(s.control).toBe('sg.control');
  });

  it('subjects - every subject starts with a custom dotted prefix', () => {
    const s = createSubjects('test-run_42.eu');
    for (const subject of all(s, ['1', 'a'])) expect(subject.startsWith('test-run_42.eu.')).toBe(true);
  });

  it('subjects - a shard and a gateway with the same id get different inboxes', () => {
    const s = createSubjects();
    expect(s.shardInbox('1')).not.toBe(s.gatewayInbox('1'));
  });

  it('subjects - all subjects of one deployment are distinct and carry no wildcard', () => {
    const s = createSubjects('sg');
    const ids = Array.from({ length: 200 }, (_, i) => String(i + 1));
    const subjects = all(s, ids);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const subject of subjects) {
      expect(subject.split('.').every((t) => /^[A-Za-z0-9_-]+$/.test(t))).toBe(true);
    }
  });

  it('subjects - distinct ids and prefixes never share a subject', () => {
    fc.assert(
      fc.property(
        fc.array(wordToken, { minLength: 1, maxLength: 3 }),
        fc.array(wordToken, { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(wordToken, { minLength: 1, maxLength: 6 }),
        (a, b, ids) => {
          const prefixA = a.join('.');
          const prefixB = b.join('.');
          fc.pre(prefixA !== prefixB);
          const first = all(createSubjects(prefixA), ids);
          const second = new Set(all(createSubjects(prefixB), ids));
          expect(new Set(first).size).toBe(first.length);
          for (const subject of first) expect(second.has(subject)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([[''], ['.'], ['sg.'], ['.sg'], ['a..b'], ['a b'], ['sg*'], ['*'], ['>'], ['sg.>'], ['sg.*.x'], ['é'], ['sg\n'], ['sg\t1'], ['sg/1']])(
    'prefix - %j is rejected with a RangeError naming it',
    (prefix) => {
      expect(() => createSubjects(prefix)).toThrow(RangeError);
      expect(() => createSubjects(prefix)).toThrow(JSON.stringify(prefix));
    },
  );

  it('subjects - the subject table cannot be changed at run time', () => {
    const s = createSubjects();
    expect(Object.isFrozen(s)).toBe(true);
  });
});
