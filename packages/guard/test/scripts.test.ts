import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { guardScript } from '../src/scripts';

// The scripts' behaviour is tested through RedisGuard on the real Redis (redis-guard*.test.ts);
// this checks only that the one copy of each is found from the sources and from the build.
describe('scripts', () => {
  const names = ['admit', 'release', 'renew', 'reconcile', 'connections'] as const;

  test.each(names)('scripts - %s is read from lua/, with its KEYS/ARGV header', (name) => {
    const lua = guardScript(name);
    expect(lua.startsWith('-- shardgate guard:')).toBe(true);
    expect(lua).toMatch(/^-- KEYS\[1/m);
  });

  test('scripts - the built package (dist/, as the services and the image run it) finds the same files', () => {
    const built = join(__dirname, '..', 'dist', 'scripts.js');
    expect(existsSync(built)).toBe(true);
    const program = `const s = require(${JSON.stringify(built)}); process.stdout.write(JSON.stringify(${JSON.stringify(names)}.map((n) => s.guardScript(n))));`;
    const child = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(names.map((n) => guardScript(n)));
  });
});
