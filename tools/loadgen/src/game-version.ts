import http from 'node:http';
import https from 'node:https';

/**
 * The `gVer` Kaetram's stock client sends (Kaetram-Open 4bdbd6d, .env.defaults), which is
 * shardgate's default GAME_VERSION; the fallback when the gateway cannot be asked. Kept here,
 * not imported, so the load generator runs against any Kaetram-protocol server on its own.
 */
export const STOCK_CLIENT_VERSION = '0.5.5-beta';

/** The gateway's `GET /version` for a players' URL: same host and port, same `?world=`. */
export function versionUrl(wsUrl: string): URL {
  const target = new URL(wsUrl);
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') throw new Error(`not a ws:// or wss:// URL: ${wsUrl}`);
  const url = new URL('/version', target);
  url.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  const world = target.searchParams.get('world');
  if (world !== null) url.searchParams.set('world', world);
  return url;
}

/**
 * Asks the gateway which version its shards accept (`{"gameVersion": "..."}`), so that bots
 * keep joining when a deployment changes GAME_VERSION. Rejects with a sentence on any failure.
 */
export function fetchGameVersion(wsUrl: string, timeoutMs = 3000): Promise<string> {
  const url = versionUrl(wsUrl);
  const get = url.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 4096) req.destroy(new Error('answer too long'));
      });
      res.on('end', () => {
        let version: unknown;
        try {
          version = (JSON.parse(body) as { gameVersion?: unknown }).gameVersion;
        } catch {
          version = undefined;
        }
        if (res.statusCode === 200 && typeof version === 'string' && version.length > 0) resolve(version);
        else reject(new Error(`${url.href} answered ${res.statusCode ?? '?'} ${body.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url.href} did not answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`${url.href}: ${error.message}`)));
  });
}
