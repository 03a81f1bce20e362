import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, EnvReader } from '@shardgate/config';
import { GAME_VERSION_META, WebClientNotBuiltError, loadWebClient, readWebClientConfig } from '../src';

function fakeBuild(html = `<html><head><meta name="${GAME_VERSION_META}" content="0.5.5-beta"></head></html>`): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webclient-'));
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'app.js.map'), '{}');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not served');
  return dir;
}

describe('loadWebClient', () => {
  it('serves the page on / and /index.html, the bundle and its map, with content types; nothing else', () => {
    const files = loadWebClient({ dir: fakeBuild() });
    expect([...files.keys()].sort()).toEqual(['/', '/app.js', '/app.js.map', '/index.html']);
    expect(files.get('/')!.contentType).toBe('text/html; charset=utf-8');
    expect(files.get('/app.js')!.contentType).toBe('text/javascript; charset=utf-8');
    expect(files.get('/')!.body.equals(files.get('/index.html')!.body)).toBe(true);
  });

  it('writes the game version into the page, escaped', () => {
    const files = loadWebClient({ dir: fakeBuild(), gameVersion: 'v"2<x>' });
    expect(files.get('/')!.body.toString()).toContain(`<meta name="${GAME_VERSION_META}" content="v&quot;2&lt;x&gt;">`);
  });

  it('says how to build it when the bundle is missing', () => {
    expect(() => loadWebClient({ dir: path.join(os.tmpdir(), 'no-such-webclient-build') })).toThrow(WebClientNotBuiltError);
    expect(() => loadWebClient({ dir: path.join(os.tmpdir(), 'no-such-webclient-build') })).toThrow(/services\/webclient\/build\.js/);
    expect(() => loadWebClient({ dir: fakeBuild('<html></html>') })).toThrow(/no <meta name="shardgate-game-version">/);
  });
});

describe('readWebClientConfig', () => {
  const read = (env: Record<string, string>, options: Parameters<typeof readWebClientConfig>[1]) => {
    const reader = new EnvReader(env);
    const config = readWebClientConfig(reader, options);
    reader.done();
    return config;
  };

  it('SERVE_CLIENT defaults to what the caller says (embedded true, distributed false)', () => {
    expect(read({}, { serveClient: true })).toEqual({ serveClient: true, gameVersion: undefined });
    expect(read({}, { serveClient: false, readGameVersion: true })).toEqual({ serveClient: false, gameVersion: undefined });
    expect(read({ SERVE_CLIENT: 'false' }, { serveClient: true }).serveClient).toBe(false);
  });

  it('reads GAME_VERSION only when serving and asked to (a distributed gateway)', () => {
    expect(read({ SERVE_CLIENT: 'true' }, { serveClient: false, readGameVersion: true })).toEqual({ serveClient: true, gameVersion: '0.5.5-beta' });
    expect(read({ SERVE_CLIENT: '1', GAME_VERSION: 'beta-3' }, { serveClient: false, readGameVersion: true }).gameVersion).toBe('beta-3');
    expect(read({ GAME_VERSION: 'beta-3' }, { serveClient: true }).gameVersion).toBeUndefined();
  });

  it('names a bad SERVE_CLIENT or GAME_VERSION', () => {
    expect(() => read({ SERVE_CLIENT: 'maybe' }, { serveClient: true })).toThrow(ConfigError);
    expect(() => read({ SERVE_CLIENT: 'maybe' }, { serveClient: true })).toThrow(/SERVE_CLIENT: expected true or false, got "maybe"/);
    expect(() => read({ SERVE_CLIENT: 'true', GAME_VERSION: 'has space' }, { serveClient: false, readGameVersion: true })).toThrow(/GAME_VERSION/);
  });
});
