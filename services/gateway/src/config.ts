import { isIP } from 'node:net';
import type { EnvReader } from '@shardgate/config';

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
  /** Peers (CIDRs) whose X-Forwarded-For / CF-Connecting-IP name the client. */
  trustedProxies: string[];
  /** Origins a browser page may connect from; undefined = any. */
  allowedOrigins: string[] | undefined;
  /** Bearer token of the admin API; unset turns the API off. */
  adminToken: string | undefined;
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
    trustedProxies: readList(reader, 'TRUSTED_PROXIES', isCidr, 'comma-separated IP addresses or CIDRs') ?? [],
    allowedOrigins: readList(reader, 'ALLOWED_ORIGINS', (o) => /^https?:\/\/[^/\s]+$/i.test(o), 'comma-separated origins like https://play.example.com'),
    adminToken: reader.optionalString('ADMIN_TOKEN', /^\S{16,512}$/, 'at least 16 characters without spaces'),
  };
}

function isCidr(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  const n = /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
  return n >= 0 && n <= (version === 6 ? 128 : 32);
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
