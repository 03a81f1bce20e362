#!/usr/bin/env node
import { AdminServer } from '@shardgate/admin';
import { NatsBus } from '@shardgate/bus';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { createLogger } from '@shardgate/logger';
import { createRegistry, createShardMetrics } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import { runService } from '@shardgate/runner';
import type { ShardConfig } from './config';
import { readDistributedShardConfig } from './distributed-config';
import { Shard } from './shard';
import { chooseShardId } from './shard-id';

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
  let serverId = distributed.shard.serverId;
  if (serverId === undefined) {
    serverId = await chooseShardId(bus, subjects, distributed.shard.heartbeatMs);
    logger.info({ shard: serverId }, 'SHARD_ID unset: chose an id no live shard uses');
  }
  const config: ShardConfig = { ...distributed.shard, serverId };
  const node = String(config.serverId);
  logger = createLogger({ level: processConfig.logLevel, service: 'shard', node });
  bus.onStatus((status) => logger.info({ status }, 'bus status'));
  const registry = createRegistry('shard', node);
  const metrics = createShardMetrics(registry);
  metrics.bus.observe(() => bus.stats());
  const shard = new Shard({ config, bus, subjects, logger, metrics });
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
      await admin.close();
    },
  };
});
