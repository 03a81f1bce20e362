import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readYaml } from './helpers/files';

// readYaml is how test/deploy looks inside deploy/'s YAML: a construct read the wrong way would
// make those checks pass on a misread value, so anything doubtful must fail, naming the file.
describe('deploy - readYaml', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-yaml-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('deploy - reads mappings, sequences and core-schema scalars', () => {
    const value = readYaml(file('ok.yml', 'a: 1\nb: [x, "2"]\nc:\n  - on\n  - true\n  - null\nd: |\n  two\n  lines\n'));
    expect(value).toEqual({ a: 1, b: ['x', '2'], c: ['on', true, null], d: 'two\nlines\n' });
  });

  it.each([
    ['a duplicate key', 'dup.yml', 'a: 1\na: 2\n'],
    ['an alias', 'alias.yml', 'a: &x 1\nb: *x\n'],
    ['a second document', 'two.yml', 'a: 1\n---\nb: 2\n'],
    ['a tab in the indentation', 'tab.yml', 'a:\n\t- 1\n'],
  ])('deploy - refuses %s, naming the file', (_what, name, text) => {
    expect(() => readYaml(file(name, text))).toThrow(new RegExp(name.replace('.', '\\.')));
  });
});
