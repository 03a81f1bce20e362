// Tests of test/deploy/helpers/yaml-subset.ts, the YAML reader the compose, Prometheus and
// Grafana checks rely on. Why: a reader that silently misread a file would make those checks
// pass on the wrong data, so it is held to what YAML means, and to refusing what it does not
// handle rather than guessing.
import { parseYaml, YamlSubsetError } from './helpers/yaml-subset';

describe('deploy - YAML subset reader', () => {
  it('deploy - it reads block mappings, sequences, compact sequence items, flow sequences and comments', () => {
    const text = [
      '# a comment',
      'name: shardgate   # trailing comment',
      'services:',
      '  web:',
      '    command: ["node", "bin.js", "--x=1"]',
      '    ports:',
      '      - "9001:9001"',
      '      - 127.0.0.1:9101:9100',
      '    depends_on:',
      '      db:',
      '        condition: service_healthy',
      '  empty: {}',
      'list:',
      '- a',
      '-   b',
      'jobs:',
      '  - job_name: one',
      '    targets:',
      '      - host:9100',
      '  - job_name: two',
      '    targets: []',
      'url: docs/operations.md#anchor',
      'nothing:',
      '',
    ].join('\n');
    expect(parseYaml(text)).toEqual({
      name: 'shardgate',
      services: {
        web: { command: ['node', 'bin.js', '--x=1'], ports: ['9001:9001', '127.0.0.1:9101:9100'], depends_on: { db: { condition: 'service_healthy' } } },
        empty: {},
      },
      list: ['a', 'b'],
      jobs: [
        { job_name: 'one', targets: ['host:9100'] },
        { job_name: 'two', targets: [] },
      ],
      url: 'docs/operations.md#anchor',
      nothing: null,
    });
  });

  it('deploy - it types plain scalars by the YAML 1.2 core schema and keeps quoted ones as strings', () => {
    expect(parseYaml('a: 10\nb: "10"\nc: 0.05\nd: true\ne: ~\nf: 15s\ng: \'it\'\'s\'\nh: "x\\"y"\ni: -3\nj: 1e3\n')).toEqual({
      a: 10,
      b: '10',
      c: 0.05,
      d: true,
      e: null,
      f: '15s',
      g: "it's",
      h: 'x"y',
      i: -3,
      j: 1000,
    });
  });

  it('deploy - it reads literal and folded block scalars', () => {
    expect(parseYaml('expr: |\n  a > 1\n  or b\nnext: 1\nkeep: |-\n  x\nfold: >\n  one\n  two\n')).toEqual({ expr: 'a > 1\nor b\n', next: 1, keep: 'x', fold: 'one two\n' });
  });

  it('deploy - it refuses anchors, aliases, tags, flow mappings, duplicate keys, tabs, bad indentation and a second document', () => {
    const refused = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: {b: 1}\n',
      'a: 1\na: 2\n',
      'a:\n\tb: 1\n',
      'a:\n    b: 1\n  c: 2\n',
      'a: 1\n---\nb: 2\n',
      'a: "unterminated\n',
      'a: b: c\n',
      '- a\nb: 1\n',
    ];
    for (const text of refused) expect(() => parseYaml(text)).toThrow(YamlSubsetError);
  });
});
