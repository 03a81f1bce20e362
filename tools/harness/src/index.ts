// @shardgate/harness: starts shardgate the way a user does (the built entries, env for config,
// free ports), embedded or distributed, plus private redis-server and nats-server processes,
// and speaks the Kaetram protocol to it. Used by the end-to-end, hardening and browser tests
// and by the bench. Every export is named here.
export { EMBEDDED_BIN, GATEWAY_BIN, SHARD_BIN } from './entries';
export { freePort } from './free-port';
export { ROOT, ServiceProcess, httpRequest } from './service';
export type { LogLine, StartOptions } from './service';
export {
  Deployment,
  LOG_DIR,
  Players,
  SHARED_NATS_URL,
  SHARED_REDIS_URL,
  TEST_HEARTBEAT_MS,
  randomToken,
  sleep,
  waitUntil,
  wasAdmitted,
  wsUrl,
} from './deployment';
export type { ConnectOptions, DeploymentOptions, Env, Joined, Member } from './deployment';
export { PrivateServerError, startPrivateServer } from './private-server';
export type { LifecycleOptions, PrivateServer } from './private-server';
export { REDIS_SERVER_BINARY, redisCommand, startRedisServer } from './redis-server';
export type { PrivateRedisServer, RedisServerOptions } from './redis-server';
export { NATS_SERVER_BINARY, startNatsServer } from './nats-server';
export type { NatsServerOptions, PrivateNatsServer } from './nats-server';
export { KaetramClient, decodeMap, isChatOf, isDespawnOf, isMoveOf, isSpawnOf } from './kaetram-client';
export type { ClosedInfo, Packet } from './kaetram-client';
export { walkX } from './walk';
