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
  /** Bearer token of the admin API; unset turns the API off. */
  adminToken: string | undefined;
}

const HOST = /^[A-Za-z0-9.:_-]+$/;

/** Reads the gateway's variables; the caller calls `reader.done()` once every part has read. */
export function readGatewayConfig(reader: EnvReader, defaults: { gatewayId?: number } = {}): GatewayConfig {
  const maxPayloadBytes = reader.int('MAX_PAYLOAD_BYTES', 16 * 1024, { min: 256, max: 16 * 1024 * 1024 });
  return {
    host: reader.string('HOST', '0.0.0.0', HOST, 'a host name or IP address'),
    port: reader.int('PORT', 9001, { min: 0, max: 65535 }),
    gatewayId: reader.int('GATEWAY_ID', defaults.gatewayId ?? 1, { min: 1, max: 99_999 }),
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
    adminToken: reader.optionalString('ADMIN_TOKEN', /^\S{16,512}$/, 'at least 16 characters without spaces'),
  };
}
