import { parseCidr } from '@shardgate/bans';
import type { EnvReader } from '@shardgate/config';
import { CLIENT_IP_HEADERS, type ClientIpHeader } from './trust-boundary';

/** Everything a gateway needs, validated once in the entry file and passed down typed. */
export interface GatewayConfig {
  host: string;
  port: number;
  /** Numeric, unique in the deployment: the node part of every instance id it mints. */
  gatewayId: number;
  maxConnectionsPerIp: number;
  connectIntervalMs: number;
  messageLimit: number;
  duplicateWindowMs: number;
  inactivityTimeoutMs: number;
  /** uWS transport idle timeout; pings go out automatically before it fires. */
  idleTimeoutSeconds: number;
  maxPayloadBytes: number;
  maxBackpressureBytes: number;
  shardTimeoutMs: number;
  heartbeatMs: number;
  /** Bus publishes of client events are at least this far apart (0: one per event-loop turn). */
  busFlushMs: number;
  /** Peers (canonical CIDRs) whose CLIENT_IP_HEADER names the client. */
  trustedProxies: string[];
  /** The one header that names the client behind a trusted proxy. */
  clientIpHeader: ClientIpHeader;
  /** Origins a browser page may connect from; undefined = any. */
  allowedOrigins: string[] | undefined;
  /** Named bearer tokens of the admin API (ADMIN_TOKEN is named `admin`); none turns the API off. */
  adminTokens: AdminToken[];
}

const HOST = /^[A-Za-z0-9.:_-]+$/;

/** `GatewayConfig` as the environment gives it: `GATEWAY_ID` may be unset, for the deployment to settle. */
export type GatewaySettings = Omit<GatewayConfig, 'gatewayId'> & { gatewayId: number | undefined };

/**
 * The embedded mode's reading: `GATEWAY_ID` defaults to `defaults.gatewayId` (1). The caller
 * calls `reader.done()` once every part has read.
 */
export function readGatewayConfig(reader: EnvReader, defaults: { gatewayId?: number } = {}): GatewayConfig {
  const { gatewayId, ...settings } = readGatewaySettings(reader);
  return { ...settings, gatewayId: gatewayId ?? defaults.gatewayId ?? 1 };
}

/** Reads the gateway's variables, leaving an unset `GATEWAY_ID` undefined (a distributed gateway allocates one). */
export function readGatewaySettings(reader: EnvReader): GatewaySettings {
  const maxPayloadBytes = reader.int('MAX_PAYLOAD_BYTES', 16 * 1024, { min: 256, max: 16 * 1024 * 1024 });
  return {
    host: reader.string('HOST', '0.0.0.0', HOST, 'a host name or IP address'),
    port: reader.int('PORT', 9001, { min: 0, max: 65535 }),
    gatewayId: reader.optionalInt('GATEWAY_ID', { min: 1, max: 99_999 }),
    maxConnectionsPerIp: reader.int('MAX_CONNECTIONS_PER_IP', 16, { min: 1, max: 1_000_000 }),
    connectIntervalMs: reader.int('CONNECT_INTERVAL_MS', 5000, { min: 0, max: 3_600_000 }),
    messageLimit: reader.int('MESSAGE_LIMIT', 300, { min: 1, max: 1_000_000 }),
    duplicateWindowMs: reader.int('DUPLICATE_WINDOW_MS', 100, { min: 0, max: 60_000 }),
    inactivityTimeoutMs: reader.int('INACTIVITY_TIMEOUT_MS', 600_000, { min: 1000, max: 86_400_000 }),
    idleTimeoutSeconds: reader.int('IDLE_TIMEOUT_SECONDS', 15, { min: 8, max: 960 }),
    maxPayloadBytes,
    maxBackpressureBytes: reader.int('MAX_BACKPRESSURE_BYTES', 1024 * 1024, { min: 16 * 1024, max: 256 * 1024 * 1024 }),
    shardTimeoutMs: reader.int('SHARD_TIMEOUT_MS', 3000, { min: 500, max: 600_000 }),
    heartbeatMs: reader.int('HEARTBEAT_MS', 1000, { min: 100, max: 60_000 }),
    busFlushMs: reader.int('BUS_FLUSH_MS', 2, { min: 0, max: 20 }),
    trustedProxies: readTrustedProxies(reader),
    clientIpHeader: readClientIpHeader(reader),
    allowedOrigins: readList(reader, 'ALLOWED_ORIGINS', (o) => /^https?:\/\/[^/\s]+$/i.test(o), 'comma-separated origins like https://play.example.com'),
    adminTokens: readAdminTokens(reader),
  };
}

export interface AdminToken {
  /** Who, in the audit trail and the logs. */
  name: string;
  token: string;
}

const TOKEN = /^\S{16,512}$/;
const TOKEN_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** ADMIN_TOKEN (named `admin`) and ADMIN_TOKENS=name:token,...; names and tokens unique. */
function readAdminTokens(reader: EnvReader): AdminToken[] {
  const tokens: AdminToken[] = [];
  const single = reader.optionalString('ADMIN_TOKEN', TOKEN, 'at least 16 characters without spaces');
  if (single !== undefined) tokens.push({ name: 'admin', token: single });
  const raw = reader.optionalString('ADMIN_TOKENS');
  if (raw === undefined) return tokens;
  for (const item of raw.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon) : '';
    const token = colon > 0 ? item.slice(colon + 1) : '';
    if (!TOKEN_NAME.test(name)) {
      reader.problem(`ADMIN_TOKENS: each entry is name:token with a name of 1 to 64 [A-Za-z0-9_.@-]; ${JSON.stringify(item.slice(0, Math.max(colon, 0)) || '(no name)')} is not`);
    } else if (!TOKEN.test(token)) {
      reader.problem(`ADMIN_TOKENS: the token of ${JSON.stringify(name)} must be at least 16 characters without spaces or commas`);
    } else if (tokens.some((t) => t.name === name)) {
      reader.problem(`ADMIN_TOKENS: the name ${JSON.stringify(name)} is used twice${name === 'admin' && single !== undefined ? ' (ADMIN_TOKEN is named admin)' : ''}`);
    } else if (tokens.some((t) => t.token === token)) {
      reader.problem(`ADMIN_TOKENS: ${JSON.stringify(name)} reuses another entry's token (the audit trail could not tell them apart)`);
    } else {
      tokens.push({ name, token });
    }
  }
  return tokens;
}

/** Header names are case-insensitive. */
function readClientIpHeader(reader: EnvReader): ClientIpHeader {
  const raw = reader.optionalString('CLIENT_IP_HEADER');
  if (raw === undefined) return 'x-forwarded-for';
  const name = raw.trim().toLowerCase() as ClientIpHeader;
  if (CLIENT_IP_HEADERS.includes(name)) return name;
  reader.problem(`CLIENT_IP_HEADER: expected one of ${CLIENT_IP_HEADERS.join(', ')}, got ${JSON.stringify(raw)}`);
  return 'x-forwarded-for';
}

/** Every entry parsed and written canonically (`::ffff:127.0.0.1` is 127.0.0.1), or a problem naming the entry. */
function readTrustedProxies(reader: EnvReader): string[] {
  const raw = reader.optionalString('TRUSTED_PROXIES');
  if (raw === undefined) return [];
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) {
    reader.problem(`TRUSTED_PROXIES: expected comma-separated IP addresses or CIDRs, got ${JSON.stringify(raw)}`);
    return [];
  }
  const canonical: string[] = [];
  for (const entry of entries) {
    try {
      canonical.push(parseCidr(entry).text);
    } catch (error) {
      reader.problem(`TRUSTED_PROXIES: ${(error as Error).message} (expected IP addresses or CIDRs, comma-separated)`);
    }
  }
  return canonical;
}

/** A comma-separated list whose every entry passes `valid`; undefined when unset. */
function readList(reader: EnvReader, name: string, valid: (entry: string) => boolean, expected: string): string[] | undefined {
  const raw = reader.optionalString(name);
  if (raw === undefined) return undefined;
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = entries.filter((e) => !valid(e));
  if (bad.length > 0 || entries.length === 0) {
    reader.problem(`${name}: expected ${expected}, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return entries;
}
