import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADMIT_LUA,
  CONNECTIONS_LUA,
  RECONCILE_LUA,
  RELEASE_LUA,
  RENEW_LUA,
} from '../src/scripts';

describe('scripts', () => {
  test.each([
    ['admit', ADMIT_LUA],
    ['release', RELEASE_LUA],
    ['renew', RENEW_LUA],
    ['reconcile', RECONCILE_LUA],
    ['connections', CONNECTIONS_LUA],
  ])('scripts - the embedded %s script is its src/lua file verbatim, header included', (name, embedded) => {
    const file = readFileSync(join(__dirname, '..', 'src', 'lua', `${name}.lua`), 'utf8');
    expect(embedded).toBe(file);
    expect(embedded.startsWith('-- shardgate guard:')).toBe(true);
    expect(embedded).toMatch(/^-- KEYS\[1/m);
  });
});
