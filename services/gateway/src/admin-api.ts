import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminAuthenticator, AdminReply, AdminRoute } from '@shardgate/admin';
import { BanRequestError, BanStoreUnavailableError, BanStoreUnconfirmedError, type Bans } from '@shardgate/bans';
import type { Bus } from '@shardgate/bus';
import type { Logger } from '@shardgate/logger';
import { CloseReasons, encodeEnvelope, isCloseReason, type ControlMessage, type Subjects } from '@shardgate/protocol';
import type { AdminToken } from './config';
import type { Gateway } from './gateway';
import { LogSampler } from './log-sampler';

export interface AdminApiOptions {
  /** Named bearer tokens; without any the API is off (404) and only health and metrics answer. */
  tokens: readonly AdminToken[];
  bans: Bans;
  bus: Bus;
  subjects: Subjects;
  gateway: Gateway;
  logger: Logger;
  /** Counted on every refused token (the log lines are sampled). */
  onAuthFailure?: () => void;
}

export interface AdminApi {
  authenticate: AdminAuthenticator;
  route: AdminRoute;
}

const json = (status: number, value: unknown): AdminReply => ({ status, body: JSON.stringify(value) });

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `Bearer <token>`, the scheme in any case (RFC 7235: schemes are case-insensitive). */
const bearer = (header: string | undefined): string => /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1] ?? '';

/**
 * The name of the token given, or undefined. Constant-time: every token is compared (hashes,
 * so equal lengths), and nothing leaks which one matched or how much of it.
 */
function principalOf(header: string | undefined, tokens: ReadonlyArray<{ name: string; hash: Buffer }>): string | undefined {
  const given = bearer(header);
  const hash = digest(given);
  let found: string | undefined;
  for (const token of tokens) if (timingSafeEqual(hash, token.hash) && given.length > 0) found ??= token.name;
  return found;
}

function parseBody(body: string): Record<string, unknown> | null {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isTile = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000;

/** Bans per page of GET /admin/bans: the default, and the most one page may ask for. */
const PAGE = 1000;

function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number | string {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) return `${name} must be an integer from 0 to ${max}`;
  return Number(raw);
}

/**
 * The admin API, JSON in and out, on the admin port: bans (durable, in the ban store; every
 * gateway's list follows it and closes the live connections a new ban covers), the audit
 * trail, kicks, teleports, and deployment stats.
 */
export function adminApi(options: AdminApiOptions): AdminApi {
  const { bans, bus, subjects, gateway, logger } = options;
  const broadcast = (message: ControlMessage) => bus.publish(subjects.control, encodeEnvelope(message));
  const tokens = options.tokens.map((t) => ({ name: t.name, hash: digest(t.token) }));
  // One line per second and a count for the rest: a token-guessing flood must not flood the log.
  const refusalLogs = new LogSampler(5, 1000);

  const authenticate: AdminAuthenticator = ({ method, path, headers }) => {
    if (!path.startsWith('/admin/')) return undefined;
    if (tokens.length === 0) return json(404, { error: 'admin API disabled: set ADMIN_TOKEN or ADMIN_TOKENS' });
    const principal = principalOf(headers.authorization, tokens);
    if (principal !== undefined) return { principal };
    options.onAuthFailure?.();
    const { log, suppressed } = refusalLogs.take('auth');
    if (log) logger.warn(suppressed > 0 ? { path: path.slice(0, 200), method, suppressed } : { path: path.slice(0, 200), method }, 'admin request refused: bad or missing token');
    return json(401, { error: 'unauthorized: send Authorization: Bearer <token>' });
  };

  /** The store's answer to a change it could not make, as an operator should read it. */
  const storeFailure = (error: unknown, what: string, target: string): AdminReply => {
    if (error instanceof BanRequestError) return json(400, { error: error.message });
    if (error instanceof BanStoreUnconfirmedError) {
      logger.error({ err: error, target }, `${what} not confirmed by the ban store`);
      return json(503, { error: `${what} not confirmed by the ban store (${bans.store.location}); it may still take effect: check GET /admin/bans/<ip> before retrying`, detail: error.message });
    }
    if (error instanceof BanStoreUnavailableError) {
      logger.error({ err: error, target }, `${what} refused: ban store unavailable`);
      return json(503, { error: `ban store unavailable (${bans.store.location}): nothing was changed on any gateway; retry when it is back`, detail: error.message });
    }
    throw error;
  };

  const route: AdminRoute = async ({ method, path, query, body, principal = 'unknown' }) => {
    if (!path.startsWith('/admin/')) return undefined;
    const data = method === 'POST' ? parseBody(body) : {};
    if (data === null) return json(400, { error: 'body must be a JSON object' });
    const params = new URLSearchParams(query);

    if (path === '/admin/bans' && method === 'GET') {
      const offset = intParam(params, 'offset', 0, 1_000_000_000);
      const limit = intParam(params, 'limit', PAGE, PAGE);
      if (typeof offset === 'string') return json(400, { error: offset });
      if (typeof limit === 'string') return json(400, { error: limit });
      const page = bans.page(offset, limit);
      const next = offset + page.bans.length < page.total ? offset + page.bans.length : undefined;
      // `bans` (the targets) as before the ban store; `entries` the records (reason, who, when, expiry).
      return json(200, { total: page.total, offset, bans: page.bans.map((b) => b.target), entries: page.bans, ...(next !== undefined ? { next: `/admin/bans?offset=${next}&limit=${limit}` } : {}), store: { kind: bans.store.kind, connected: bans.connected } });
    }
    if (path === '/admin/bans' && method === 'POST') {
      const hasIp = data.ip !== undefined;
      const hasCidr = data.cidr !== undefined;
      if (hasIp === hasCidr) return json(400, { error: 'give exactly one of "ip" (an address) or "cidr" (a range such as 198.51.100.0/24)' });
      const target = hasIp ? data.ip : data.cidr;
      if (typeof target !== 'string') return json(400, { error: `"${hasIp ? 'ip' : 'cidr'}" must be a string` });
      if (hasIp && target.includes('/')) return json(400, { error: '"ip" is one address; give a range as "cidr"' });
      let record;
      try {
        record = await bans.ban({ target, for: data.for, reason: data.reason, by: principal });
      } catch (error) {
        return storeFailure(error, 'ban', target.slice(0, 100));
      }
      logger.info({ ban: record.target, by: principal, reason: record.reason, expiresAt: record.expiresAt }, 'banned');
      return json(200, { banned: record.target, ban: record });
    }
    if (path.startsWith('/admin/bans/') && (method === 'DELETE' || method === 'GET')) {
      let raw: string;
      try {
        raw = decodeURIComponent(path.slice('/admin/bans/'.length));
      } catch {
        return json(400, { error: 'the path is not valid percent-encoding: give an address or range, e.g. /admin/bans/198.51.100.0%2F24' });
      }
      if (method === 'GET') {
        let found;
        try {
          found = bans.lookup(raw);
        } catch (error) {
          return json(400, { error: (error as Error).message });
        }
        return json(200, { address: found.address, banned: found.bans.length > 0, bans: found.bans });
      }
      let result;
      try {
        result = await bans.unban(raw, principal, typeof params.get('reason') === 'string' ? params.get('reason')!.slice(0, 500) : '');
      } catch (error) {
        return storeFailure(error, 'unban', raw.slice(0, 100));
      }
      // Idempotent, as before: lifting a ban that is not there is not an error (and not audited).
      if (result.removed) logger.info({ unban: result.target, by: principal }, 'unbanned');
      return json(200, { unbanned: result.target, removed: result.removed });
    }
    if (path === '/admin/audit' && method === 'GET') {
      const limit = intParam(params, 'limit', 100, PAGE);
      const before = intParam(params, 'before', 0, Number.MAX_SAFE_INTEGER);
      if (typeof limit === 'string') return json(400, { error: limit });
      if (typeof before === 'string') return json(400, { error: before });
      try {
        const page = await bans.audit({ limit, ...(before > 0 ? { before } : {}) });
        return json(200, { entries: page.entries, ...(page.next !== undefined ? { next: `/admin/audit?before=${page.next}&limit=${limit}` } : {}) });
      } catch (error) {
        return json(503, { error: `audit trail unavailable (${bans.store.location})`, detail: (error as Error).message });
      }
    }
    if (path === '/admin/kick' && method === 'POST') {
      if (typeof data.instance !== 'string' || !/^\d{1,32}$/.test(data.instance)) return json(400, { error: 'instance must be an instance id' });
      const reason = data.reason === undefined ? CloseReasons.Error : data.reason;
      if (!isCloseReason(reason)) return json(400, { error: 'reason must be a Kaetram close reason' });
      broadcast({ type: 'kick', instance: data.instance, reason });
      return json(202, { kicked: data.instance, reason });
    }
    if (path === '/admin/teleport' && method === 'POST') {
      if (typeof data.instance !== 'string' || !/^\d{1,32}$/.test(data.instance)) return json(400, { error: 'instance must be an instance id' });
      if (!isTile(data.x) || !isTile(data.y)) return json(400, { error: 'x and y must be tile coordinates' });
      broadcast({ type: 'teleport', instance: data.instance, x: data.x, y: data.y });
      return json(202, { teleported: data.instance, x: data.x, y: data.y });
    }
    if (path === '/admin/stats' && method === 'GET') {
      return json(200, {
        gateways: gateway.gateways(),
        shards: gateway.registry.list().map(({ shard, players, capacity, accepting }) => ({ shard, players, capacity, accepting })),
      });
    }
    return json(404, { error: 'not found' });
  };

  return { authenticate, route };
}
