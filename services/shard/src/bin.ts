#!/usr/bin/env node
// First: SIGTERM/SIGINT are handled from here on, start-up included (packages/runner).
import { connectWithRetry, runService } from '@shardgate/runner';
import { AdminServer } from '@shardgate/admin';
import { NatsBus, NatsVersionedStore } from '@shardgate/bus';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { createLogger } from '@shardgate/logger';
import { createRegistry, createShardMetrics } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import type { ShardConfig } from './config';
import { readDistributedShardConfig } from './distributed-config';
import { loadMapFile } from './map-file';
import { Shard } from './shard';
import { chooseShardId } from './shard-id';

/** The JetStream KV bucket of the worlds' members: one per BUS_PREFIX, so deployments sharing a NATS stay apart. */
function worldBucket(busPrefix: string): string {
  return `${busPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}_worlds`;
}

// `npm run start:shard`: one world shard of a distributed deployment (NATS).
runService('shard', async () => {
  const reader = new EnvReader(process.env);
  const processConfig = readProcessConfig(reader);
  const distributed = readDistributedShardConfig(reader);
  reader.done();
  // The map before the bus: a bad MAP_FILE stops the start at once, with one line naming it.
  const map = distributed.shard.mapFile !== undefined ? loadMapFile(distributed.shard.mapFile) : undefined;

  let logger = createLogger({ level: processConfig.logLevel, service: 'shard' });
  // The admin port opens before NATS is reached: /healthz 200 at once, /readyz 503 until the
  // shard is on the bus and accepting, so a start-up stuck on NATS is seen.
  let shard: Shard | undefined;
  let bus: NatsBus | undefined;
  let registry: ReturnType<typeof createRegistry> | undefined;
  const admin = new AdminServer({
    host: processConfig.adminHost,
    port: processConfig.adminPort,
    ready: () => (shard?.ready ?? false) && bus?.status === 'connected',
    metrics: async () => (registry ? { body: await registry.metrics(), contentType: registry.contentType } : { body: '', contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
  });
  await admin.listen();
  logger.info({ adminPort: processConfig.adminPort }, 'admin port open; starting');
  // Attempts of our own (not the client's silent waitOnFirstConnect): one line each.
  const natsUrl = distributed.natsServers.join(',');
  const connected = await connectWithRetry(
    'nats',
    natsUrl,
    () =>
      NatsBus.connect({
        servers: distributed.natsServers,
        name: 'shardgate-shard',
        waitOnFirstConnect: false,
        onError: (error: unknown) => logger.error({ err: error }, 'bus error'),
      }),
    { logger, retryMs: 1000 },
  );
  bus = connected;
  const subjects = createSubjects(processConfig.busPrefix);
  let shardId = distributed.shardId;
  if (shardId === undefined) {
    shardId = await chooseShardId(connected, subjects, distributed.shard.heartbeatMs);
    logger.info({ shard: shardId }, 'SHARD_ID unset: chose an id no live shard uses');
  }
  // SERVER_ID unset: SHARD_ID doubles as the world id, a world of this shard alone.
  const config: ShardConfig = { ...distributed.shard, serverId: distributed.shard.serverId ?? shardId };
  const node = String(shardId);
  logger = createLogger({ level: processConfig.logLevel, service: 'shard', node });
  connected.onStatus((status) => logger.info({ status }, 'bus status'));
  registry = createRegistry('shard', node);
  const metrics = createShardMetrics(registry);
  metrics.bus.observe(() => connected.stats());
  // A world shared with other shards: its members live in JetStream KV, beside the bus.
  const shared = distributed.shared;
  const store = shared ? await NatsVersionedStore.connect(distributed.natsServers, worldBucket(processConfig.busPrefix), `shardgate-shard-${node}-world`) : undefined;
  const started = new Shard({
    config,
    bus: connected,
    subjects,
    logger,
    metrics,
    ...(map ? { map } : {}),
    ...(store && shared ? { world: { store, shardId: node, ...shared } } : {}),
  });
  shard = started;
  await started.start();
  logger.info({ shard: node, world: config.serverId, adminPort: processConfig.adminPort }, 'shard started (distributed mode)');

  return {
    logger,
    stop: async () => {
      await started.stop({ notify: true });
      await connected.flush().catch(() => undefined);
      await connected.close();
      await store?.close();
      await admin.close();
    },
  };
});
