#!/usr/bin/env node
import { AdminServer } from '@shardgate/admin';
import { NatsBus } from '@shardgate/bus';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { createLogger } from '@shardgate/logger';
import { createRegistry, createShardMetrics } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import { runService } from '@shardgate/runner';
import { readShardConfig } from './config';
import { loadMapFile } from './map-file';
import { Shard } from './shard';
import { chooseShardId } from './shard-id';

const NATS_URL = /^(nats|tls|ws|wss):\/\/\S+(,\s*(nats|tls|ws|wss):\/\/\S+)*$/;

// `npm run start:shard`: one world shard of a distributed deployment (NATS).
runService('shard', async () => {
  // SHARD_ID is the distributed mode's name for SERVER_ID (the world id clients see).
  const env = { ...process.env };
  const reader = new EnvReader(env);
  if (env.SHARD_ID?.trim()) {
    if (env.SERVER_ID?.trim() && env.SERVER_ID.trim() !== env.SHARD_ID.trim()) {
      reader.problem(`SHARD_ID and SERVER_ID: name the same world id, got ${JSON.stringify(env.SHARD_ID)} and ${JSON.stringify(env.SERVER_ID)}`);
    }
    env.SERVER_ID = env.SHARD_ID;
  }
  const idGiven = Boolean(env.SERVER_ID?.trim());
  const processConfig = readProcessConfig(reader);
  const config = readShardConfig(reader);
  const natsUrl = reader.optionalString('NATS_URL', NATS_URL, 'nats:// URLs, comma-separated');
  if (natsUrl === undefined) reader.problem('NATS_URL: required by a standalone shard (the embedded mode is `npm start`)');
  reader.done();
  // The map before the bus: a bad MAP_FILE stops the start at once, with one line naming it.
  const map = config.mapFile !== undefined ? loadMapFile(config.mapFile) : undefined;

  let logger = createLogger({ level: processConfig.logLevel, service: 'shard' });
  const bus = await NatsBus.connect({
    servers: natsUrl!.split(',').map((s) => s.trim()),
    name: 'shardgate-shard',
    onError: (error: unknown) => logger.error({ err: error }, 'bus error'),
  });
  const subjects = createSubjects(processConfig.busPrefix);
  if (!idGiven) {
    config.serverId = await chooseShardId(bus, subjects, config.heartbeatMs);
    logger.info({ shard: config.serverId }, 'SHARD_ID unset: chose an id no live shard uses');
  }
  const node = String(config.serverId);
  logger = createLogger({ level: processConfig.logLevel, service: 'shard', node });
  bus.onStatus((status) => logger.info({ status }, 'bus status'));
  const registry = createRegistry('shard', node);
  const shard = new Shard({ config, bus, subjects, logger, metrics: createShardMetrics(registry), ...(map ? { map } : {}) });
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
