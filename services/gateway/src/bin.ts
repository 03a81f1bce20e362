#!/usr/bin/env node
// First: SIGTERM/SIGINT are handled from here on, start-up included (packages/runner).
import { connectWithRetry, runService, withoutCredentials } from '@shardgate/runner';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import Redis from 'ioredis';
import { AdminServer, type AdminAuthenticator, type AdminRoute } from '@shardgate/admin';
import { BanRequestError, JetStreamBanStore, type Bans } from '@shardgate/bans';
import { NatsBus } from '@shardgate/bus';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { RedisGuard } from '@shardgate/guard';
import { createLogger, type Logger } from '@shardgate/logger';
import { createGatewayMetrics, createRegistry } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import { loadWebClient, readWebClientConfig } from '@shardgate/webclient';
import { readGatewaySettings, type GatewayConfig } from './config';
import { readDistributedGatewayConfig } from './distributed-config';
import { adminApi } from './admin-api';
import { readBansFailureMode, startBans } from './ban-setup';
import { Gateway } from './gateway';
import { LogSampler } from './log-sampler';
import { allocateGatewayId } from './node-id';

// `npm run start:gateway`: one gateway of a distributed deployment (Redis + NATS).
runService('gateway', async () => {
  const reader = new EnvReader(process.env);
  const processConfig = readProcessConfig(reader);
  const settings = readGatewaySettings(reader);
  const distributed = readDistributedGatewayConfig(reader);
  // SERVE_CLIENT=true: the web client on a plain GET of the players' port, carrying GAME_VERSION.
  const webClient = readWebClientConfig(reader, { serveClient: false, readGameVersion: true });
  // Bans follow REDIS_FAILURE_MODE's choice unless told otherwise.
  const bansFailureMode = readBansFailureMode(reader, distributed.redisFailureMode);
  const bansReplicas = reader.int('BANS_REPLICAS', 1, { min: 1, max: 5 });
  reader.done();
  // Asked for explicitly, so a missing bundle stops the start (WebClientNotBuiltError says how to build it).
  const staticFiles = webClient.serveClient ? loadWebClient({ gameVersion: webClient.gameVersion }) : undefined;

  let logger = createLogger({ level: processConfig.logLevel, service: 'gateway' });
  let metrics: ReturnType<typeof createGatewayMetrics> | undefined;
  // The admin port opens before Redis or NATS is reached: /healthz answers 200 at once and
  // /readyz 503 until the gateway takes players, so a start-up stuck on a dependency is seen.
  let gateway: Gateway | undefined;
  let registry: ReturnType<typeof createRegistry> | undefined;
  const adminRoutes: AdminRoute[] = []; // the admin API joins once the guard, bans and bus exist
  let authenticate: AdminAuthenticator | undefined;
  const admin = new AdminServer({
    host: processConfig.adminHost,
    port: processConfig.adminPort,
    ready: () => gateway?.ready ?? false,
    metrics: async () => (registry ? { body: await registry.metrics(), contentType: registry.contentType } : { body: '', contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
    routes: adminRoutes,
    authenticate: (request) => authenticate?.(request),
  });
  await admin.listen();
  logger.info({ adminPort: processConfig.adminPort }, 'admin port open; starting');
  const redisUrl = withoutCredentials(distributed.redisUrl);
  // Redis: never queue commands while it is away (the guard decides by its failure mode
  // instead), never give up reconnecting, and never let an 'error' event kill the process.
  const redis = new Redis(distributed.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    lazyConnect: true,
    // The admissions profile: a socket write per Lua call was half the gateway's busy time
    // under a connect storm. Calls of one event-loop turn now share one write.
    enableAutoPipelining: true,
  });
  // One line per failed attempt (ioredis retries every 100 ms x attempt, at most every 2 s),
  // naming the URL without its password; the error's own text can carry the URL, so only
  // its code goes out.
  let redisAttempts = 0;
  redis.on('error', (error: NodeJS.ErrnoException) => {
    if (redis.status === 'ready') return logger.error({ url: redisUrl, reason: error.code ?? error.name }, 'redis error');
    redisAttempts += 1;
    logger.warn({ url: redisUrl, attempt: redisAttempts, reason: error.code ?? error.name }, 'redis unreachable');
  });
  redis.on('close', () => metrics?.redisConnected.set(0));
  redis.on('ready', () => {
    metrics?.redisConnected.set(1);
    if (redisAttempts > 0) logger.info({ url: redisUrl, attempts: redisAttempts }, 'redis reachable again');
    redisAttempts = 0;
  });
  await redis.connect().catch(() => logger.warn({ url: redisUrl }, 'redis not reachable at start; admission follows REDIS_FAILURE_MODE'));

  // Attempts of our own (not the client's silent waitOnFirstConnect): one line each.
  const bus = await connectWithRetry(
    'nats',
    distributed.natsServers.join(','),
    () =>
      NatsBus.connect({
        servers: distributed.natsServers,
        name: 'shardgate-gateway',
        waitOnFirstConnect: false,
        onError: (error: unknown) => logger.error({ err: error }, 'bus error'),
      }),
    { logger, retryMs: 1000 },
  );
  const subjects = createSubjects(processConfig.busPrefix);
  let gatewayId = settings.gatewayId;
  if (gatewayId === undefined) {
    const { id, from } = await allocateGatewayId({ redis, counterKey: `${distributed.redisPrefix}gateway-ids`, bus, subjects, heartbeatMs: settings.heartbeatMs });
    gatewayId = id;
    logger.info({ gateway: id, from }, 'GATEWAY_ID unset: took an id no live gateway uses');
  }
  const gatewayConfig: GatewayConfig = { ...settings, gatewayId };
  const node = String(gatewayConfig.gatewayId);
  logger = createLogger({ level: processConfig.logLevel, service: 'gateway', node });
  registry = createRegistry('gateway', node);
  metrics = createGatewayMetrics(registry);
  metrics.redisConnected.set(redis.status === 'ready' ? 1 : 0);
  metrics.bus.observe(() => bus.stats());
  bus.onStatus((status) => logger.info({ status }, 'bus status'));

  const guard = new RedisGuard({
    redis,
    prefix: distributed.redisPrefix,
    // Fresh per process: a restarted gateway must not adopt its previous life's counts.
    gatewayId: `${node}-${os.hostname()}-${randomUUID().slice(0, 8)}`,
    limits: { maxConnectionsPerIp: gatewayConfig.maxConnectionsPerIp, connectIntervalMs: gatewayConfig.connectIntervalMs },
    leaseMs: distributed.guardLeaseMs,
    failureMode: distributed.redisFailureMode,
    onDegraded: (op, error) => {
      metrics.guardDegraded.inc({ op });
      logger.warn({ op, err: error, mode: distributed.redisFailureMode }, 'guard decided without Redis');
    },
  });
  guard.start();

  // The durable ban list: a JetStream KV bucket per deployment (named after BUS_PREFIX), on its own NATS connection.
  const banStoreErrors = new LogSampler(1, 10_000); // the watch retries every second while NATS is away
  const banStore = new JetStreamBanStore({
    servers: distributed.natsServers,
    bucket: `${processConfig.busPrefix.replace(/\./g, '_')}_bans`,
    replicas: bansReplicas,
    onError: (error, what) => {
      const { log, suppressed } = banStoreErrors.take(what);
      if (log) logger.warn({ err: error, what, suppressed }, 'ban store: retrying');
    },
  });
  const bans = await startBans({ store: banStore, failureMode: bansFailureMode, metrics, logger });

  void migrateRedisBans(redis, `${distributed.redisPrefix}bans`, bans, logger);

  const started = new Gateway({ config: gatewayConfig, bus, guard, bans, subjects, logger, metrics, staticFiles });
  const api = adminApi({ tokens: gatewayConfig.adminTokens, bans, bus, subjects, gateway: started, logger, onAuthFailure: () => metrics?.adminAuthFailures.inc() });
  authenticate = api.authenticate;
  adminRoutes.push(api.route);
  await started.start();
  gateway = started;
  logger.info({ port: started.port, adminPort: processConfig.adminPort, gateway: node, webClient: webClient.serveClient }, 'gateway started (distributed mode)');

  return {
    logger,
    stop: async () => {
      await started.drain(distributed.drain);
      await guard.close();
      await bans.close();
      await bus.close();
      redis.disconnect();
      await admin.close();
    },
  };
});

/**
 * Bans made before the ban store lived in a Redis set that the guard's admit script still
 * reads: move them into the store (audited as `redis-migration`), then out of Redis, so none is
 * enforced unseen. Best effort and idempotent: any gateway may do it, once the list is loaded.
 */
async function migrateRedisBans(redis: Redis, key: string, bans: Bans, logger: Logger): Promise<void> {
  try {
    if (!bans.isLoaded) return;
    const members = await redis.smembers(key);
    let moved = 0;
    for (const ip of members) {
      try {
        if (bans.lookup(ip).bans.length === 0) await bans.ban({ target: ip, reason: 'moved from the Redis ban set', by: 'redis-migration' });
        await redis.srem(key, ip);
        moved += 1;
      } catch (error) {
        if (error instanceof BanRequestError) await redis.srem(key, ip); // not an address: nothing to keep
        else throw error;
      }
    }
    if (moved > 0) logger.info({ moved }, 'bans moved from Redis into the ban store');
  } catch (error) {
    logger.warn({ err: error }, 'bans in Redis not moved into the ban store yet (next start tries again)');
  }
}
