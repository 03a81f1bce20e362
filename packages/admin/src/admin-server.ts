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

export type AdminRoute = (request: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }) => Promise<AdminReply | undefined> | AdminReply | undefined;

export interface AdminServerOptions {
  host: string;
  port: number;
  /** Ready to take players: false while starting, draining, or cut off from the bus. */
  ready: () => boolean;
  /** Prometheus exposition and its content type. */
  metrics: () => Promise<{ body: string; contentType: string }>;
  /** Extra routes, tried in order; the first to answer wins. */
  routes?: AdminRoute[];
  maxBodyBytes?: number;
}

export class AdminServer {
  private server?: http.Server;

  constructor(private readonly options: AdminServerOptions) {}

  async listen(): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 10000;
    server.requestTimeout = 10000;
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
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const method = req.method ?? 'GET';
      const reply = await this.route(method, path, req);
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', 'cache-control': 'no-store' });
      res.end(reply.body);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal"}');
    }
  }

  private async route(method: string, path: string, req: http.IncomingMessage): Promise<AdminReply> {
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
      const body = await readBody(req, this.options.maxBodyBytes ?? 64 * 1024);
      if (body === null) return { status: 413, body: '{"error":"body too large"}' };
      for (const route of routes) {
        const reply = await route({ method, path, headers: req.headers, body });
        if (reply) return reply;
      }
    }
    return { status: 404, body: '{"error":"not found"}' };
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}
