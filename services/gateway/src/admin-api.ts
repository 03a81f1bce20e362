import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { AdminReply, AdminRoute } from '@shardgate/admin';
import type { Bus } from '@shardgate/bus';
import type { Guard } from '@shardgate/guard';
import type { Logger } from '@shardgate/logger';
import { CloseReasons, encodeEnvelope, isCloseReason, type ControlMessage, type Subjects } from '@shardgate/protocol';
import type { Gateway } from './gateway';
import { normalizeIp } from './client-address';

export interface AdminApiOptions {
  /** The bearer token; without one the API is off (404) and only health and metrics answer. */
  token: string | undefined;
  guard: Guard;
  bus: Bus;
  subjects: Subjects;
  gateway: Gateway;
  logger: Logger;
}

const json = (status: number, value: unknown): AdminReply => ({ status, body: JSON.stringify(value) });

/** Constant-time: hashing first gives equal lengths, so the compare leaks neither length nor prefix. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

function parseBody(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isTile = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000;

/**
 * The admin API, JSON in and out, on the admin port: bans (in the guard, so every gateway
 * enforces them; live connections of a banned IP are closed on every gateway through the
 * bus), kicks, teleports, and deployment stats.
 */
export function adminApi(options: AdminApiOptions): AdminRoute {
  const { guard, bus, subjects, gateway, logger } = options;
  const broadcast = (message: ControlMessage) => bus.publish(subjects.control, encodeEnvelope(message));

  return async ({ method, path, headers, body }) => {
    if (!path.startsWith('/admin/')) return undefined;
    if (!options.token) return json(404, { error: 'admin API disabled: set ADMIN_TOKEN' });
    if (!tokenMatches(headers.authorization, options.token)) {
      logger.warn({ path, method }, 'admin request refused: bad or missing token');
      return { ...json(401, { error: 'unauthorized' }) };
    }
    const data = method === 'POST' ? parseBody(body) : {};
    if (data === null) return json(400, { error: 'body must be a JSON object' });

    if (path === '/admin/bans' && method === 'GET') return json(200, { bans: (await guard.bans()).sort() });
    if (path === '/admin/bans' && method === 'POST') {
      if (typeof data.ip !== 'string' || isIP(data.ip.trim()) === 0) return json(400, { error: 'ip must be an IPv4 or IPv6 address' });
      const ip = normalizeIp(data.ip);
      try {
        await guard.ban(ip);
      } catch (error) {
        logger.error({ err: error, ip }, 'ban not stored');
        return json(503, { error: 'ban not stored in the shared guard; applied on this gateway only' });
      }
      broadcast({ type: 'ban', ip });
      logger.info({ ip }, 'IP banned');
      return json(200, { banned: ip });
    }
    if (path.startsWith('/admin/bans/') && method === 'DELETE') {
      const raw = decodeURIComponent(path.slice('/admin/bans/'.length));
      if (isIP(raw) === 0) return json(400, { error: 'not an IP address' });
      const ip = normalizeIp(raw);
      try {
        await guard.unban(ip);
      } catch (error) {
        logger.error({ err: error, ip }, 'unban not stored');
        return json(503, { error: 'unban not stored in the shared guard' });
      }
      logger.info({ ip }, 'IP unbanned');
      return json(200, { unbanned: ip });
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
}
