import fs from 'node:fs';
import path from 'node:path';
import type { EnvReader } from '@shardgate/config';
// The shard's rule and default for GAME_VERSION, so both read it alike.
import { GAME_VERSION_PATTERN, STOCK_CLIENT_VERSION } from '@shardgate/protocol';

/** A file the gateway serves on a plain GET (structurally the gateway's `StaticFile`). */
export interface WebClientFile {
  body: Buffer;
  contentType: string;
}

/** The version written into the page when nothing else is known: the shard's default, the stock client's. */
export const DEFAULT_GAME_VERSION = STOCK_CLIENT_VERSION;

/** The `<meta name=...>` of index.html whose `content` carries the game version. */
export const GAME_VERSION_META = 'shardgate-game-version';

/** What `node services/webclient/build.js` writes: index.html, app.js, app.js.map. */
export function webClientDir(): string {
  // src/load.ts (tests, from sources) and dist/load.js (built) both sit one level under the package.
  return path.resolve(__dirname, '..', 'dist', 'public');
}

export class WebClientNotBuiltError extends Error {
  override name = 'WebClientNotBuiltError';
}

export interface LoadOptions {
  /** Written into index.html: the `gVer` the page sends (the shard's GAME_VERSION). */
  gameVersion?: string;
  /** Another build directory (tests). */
  dir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * The built web client as the gateway's static files, by URL path: `/` and `/index.html`
 * (the page, with the game version written into its meta tag), `/app.js`, `/app.js.map`.
 * Read once at start; throws WebClientNotBuiltError when the bundle is missing.
 */
export function loadWebClient({ gameVersion = DEFAULT_GAME_VERSION, dir = webClientDir() }: LoadOptions = {}): Map<string, WebClientFile> {
  const indexFile = path.join(dir, 'index.html');
  if (!fs.existsSync(indexFile)) {
    throw new WebClientNotBuiltError(`web client not built (no ${indexFile}): run \`node services/webclient/build.js\` or \`npm run build\``);
  }
  const files = new Map<string, WebClientFile>();
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const type = CONTENT_TYPES[path.extname(name)];
    if (type === undefined) continue;
    let body = fs.readFileSync(file);
    if (name === 'index.html') {
      const html = body.toString('utf8');
      const pattern = new RegExp(`(<meta name="${GAME_VERSION_META}" content=")[^"]*(")`);
      if (!pattern.test(html)) throw new WebClientNotBuiltError(`${indexFile} has no <meta name="${GAME_VERSION_META}">`);
      body = Buffer.from(html.replace(pattern, (_m, open: string, close: string) => `${open}${escapeAttribute(gameVersion)}${close}`), 'utf8');
      files.set('/', { body, contentType: type });
    }
    files.set(`/${name}`, { body, contentType: type });
  }
  return files;
}

export interface WebClientConfig {
  /** SERVE_CLIENT: the players' port also serves the web client on a plain GET of `/`. */
  serveClient: boolean;
  /** GAME_VERSION, read only when asked (a distributed gateway serving the page); else undefined. */
  gameVersion: string | undefined;
}


/**
 * Reads SERVE_CLIENT (default: true embedded, false distributed) and, when `readGameVersion`
 * and the client is served, GAME_VERSION: a distributed gateway must write the shards'
 * version into the page. The embedded mode takes it from the shard's config instead.
 */
export function readWebClientConfig(reader: EnvReader, { serveClient, readGameVersion = false }: { serveClient: boolean; readGameVersion?: boolean }): WebClientConfig {
  const serve = reader.bool('SERVE_CLIENT', serveClient);
  const gameVersion =
    serve && readGameVersion ? reader.string('GAME_VERSION', DEFAULT_GAME_VERSION, GAME_VERSION_PATTERN, '1 to 64 printable ASCII characters without spaces') : undefined;
  return { serveClient: serve, gameVersion };
}
