import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The admin port of a service: liveness, readiness and Prometheus metrics, plus routes a
 * service adds (the admin API). Plain node:http: it serves operators, not players, and
 * stays apart from the players' uWS port so a flood there cannot starve health checks.
 */
export interface AdminReply {
  status: number;
  body: string;
  contentType?: string;
}

export interface AdminRequest {
  method: string;
  path: string;
  /** The raw query string (without `?`), '' when none. */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Who `authenticate` said this is (the admin token's name). */
  principal?: string;
}

export type AdminRoute = (request: AdminRequest) => Promise<AdminReply | undefined> | AdminReply | undefined;

/**
 * Runs on the headers alone, before a byte of the body is read: a principal to go on with, a
 * reply to end with (401), or undefined when the path is not its business.
 */
export type AdminAuthenticator = (request: { method: string; path: string; headers: http.IncomingHttpHeaders }) => { principal: string } | AdminReply | undefined;

export interface AdminServerOptions {
  host: string;
  port: number;
  /** Ready to take players: false while starting, draining, or cut off from the bus. */
  ready: () => boolean;
  /** Prometheus exposition and its content type. */
  metrics: () => Promise<{ body: string; contentType: string }>;
  /** Extra routes, tried in order; the first to answer wins. */
  routes?: AdminRoute[];
  authenticate?: AdminAuthenticator;
  /** Larger bodies get 413 (announced by Content-Length: unread). Default 64 KiB. */
  maxBodyBytes?: number;
  /** A request's headers must arrive within this (slow-header sockets are closed). Default 10 000 ms. */
  headersTimeoutMs?: number;
  /** The whole request, body included. Default 10 000 ms. */
  requestTimeoutMs?: number;
}

/** What a refused request may still send before its socket is cut: enough for the reply to be read. */
const DISCARD_LIMIT_BYTES = 1024 * 1024;

export class AdminServer {
  private server?: http.Server;

  constructor(private readonly options: AdminServerOptions) {}

  async listen(): Promise<number> {
    const headersTimeout = this.options.headersTimeoutMs ?? 10_000;
    const requestTimeout = Math.max(headersTimeout, this.options.requestTimeoutMs ?? 10_000);
    // Node checks both timeouts every connectionsCheckingInterval (30 s by default, so a
    // header-trickling socket was held 30 s whatever the setting): check every 500 ms.
    const server = http.createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: 500, keepAliveTimeout: 5000 }, (req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1);
      const method = req.method ?? 'GET';
      const reply = await this.route(method, path, query, req);
      // A body we did not read (refused, or too large): say so, then close once it is sent.
      const unread = !req.complete;
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', 'cache-control': 'no-store', ...(unread ? { connection: 'close' } : {}) });
      res.end(reply.body);
      if (unread) discard(req);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal"}');
    }
  }

  private async route(method: string, path: string, query: string, req: http.IncomingMessage): Promise<AdminReply> {
    if (method === 'GET' && path === '/healthz') return { status: 200, body: '{"status":"ok"}' };
    if (method === 'GET' && path === '/readyz') {
      return this.options.ready() ? { status: 200, body: '{"ready":true}' } : { status: 503, body: '{"ready":false}' };
    }
    if (method === 'GET' && path === '/metrics') {
      const { body, contentType } = await this.options.metrics();
      return { status: 200, body, contentType };
    }
    const routes = this.options.routes ?? [];
    if (routes.length > 0) {
      // Authenticate from the headers first: an anonymous caller never gets a body buffered.
      const auth = this.options.authenticate?.({ method, path, headers: req.headers });
      if (auth !== undefined && !('principal' in auth)) return auth;
      const max = this.options.maxBodyBytes ?? 64 * 1024;
      const tooLarge = { status: 413, body: JSON.stringify({ error: `body too large: at most ${max} bytes` }) };
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > max) return tooLarge;
      const body = await readBody(req, max);
      if (body === null) return tooLarge;
      for (const route of routes) {
        const reply = await route({ method, path, query, headers: req.headers, body, ...(auth ? { principal: auth.principal } : {}) });
        if (reply) return reply;
      }
    }
    return { status: 404, body: '{"error":"not found"}' };
  }
}

/** The body, or null past `max` bytes (reading stops there; the rest is discarded after the reply). */
function readBody(req: http.IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/**
 * Reads and drops what is left of a refused request's body (cutting the socket at once would
 * make the client's TCP stack reset it before the 401/413 is read), up to a bound.
 */
function discard(req: http.IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
}
