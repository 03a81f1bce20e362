#!/usr/bin/env node
import { AdminServer } from '@shardgate/admin';
import { NatsBus, NatsVersionedStore } from '@shardgate/bus';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { createLogger } from '@shardgate/logger';
import { createRegistry, createShardMetrics } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import { runService } from '@shardgate/runner';
import type { ShardConfig } from './config';
import { readDistributedShardConfig } from './distributed-config';
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

  let logger = createLogger({ level: processConfig.logLevel, service: 'shard' });
  const bus = await NatsBus.connect({
    servers: distributed.natsServers,
    name: 'shardgate-shard',
    onError: (error: unknown) => logger.error({ err: error }, 'bus error'),
  });
  const subjects = createSubjects(processConfig.busPrefix);
  let shardId = distributed.shardId;
  if (shardId === undefined) {
    shardId = await chooseShardId(bus, subjects, distributed.shard.heartbeatMs);
    logger.info({ shard: shardId }, 'SHARD_ID unset: chose an id no live shard uses');
  }
  // SERVER_ID unset: SHARD_ID doubles as the world id, a world of this shard alone.
  const config: ShardConfig = { ...distributed.shard, serverId: distributed.shard.serverId ?? shardId };
  const node = String(shardId);
  logger = createLogger({ level: processConfig.logLevel, service: 'shard', node });
  bus.onStatus((status) => logger.info({ status }, 'bus status'));
  const registry = createRegistry('shard', node);
  const metrics = createShardMetrics(registry);
  metrics.bus.observe(() => bus.stats());
  // A world shared with other shards: its members live in JetStream KV, beside the bus.
  const store = distributed.shared && (await NatsVersionedStore.connect(distributed.natsServers, worldBucket(processConfig.busPrefix), `shardgate-shard-${node}-world`));
  const shard = new Shard({
    config,
    bus,
    subjects,
    logger,
    metrics,
    ...(store && distributed.shared ? { world: { store, shardId: node, ...distributed.shared } } : {}),
  });
  const admin = new AdminServer({
    host: processConfig.adminHost,
    port: processConfig.adminPort,
    ready: () => shard.ready && bus.status === 'connected',
    metrics: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
  });
  await admin.listen();
  await shard.start();
  logger.info({ shard: node, adminPort: processConfig.adminPort }, 'shard started (distributed mode)');

  return {
    logger,
    stop: async () => {
      await shard.stop({ notify: true });
      await bus.flush().catch(() => undefined);
      await bus.close();
      if (store) await store.close();
      await admin.close();
    },
  };
});
