#!/usr/bin/env node
// First: SIGTERM/SIGINT are handled from here on, start-up included (packages/runner).
import { connectWithRetry, runService } from '@shardgate/runner';
import { AdminServer } from '@shardgate/admin';
import { NatsBus } from '@shardgate/bus';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { createLogger } from '@shardgate/logger';
import { createRegistry, createShardMetrics } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import { readShardConfig } from './config';
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
  const connected = await connectWithRetry(
    'nats',
    natsUrl!,
    () =>
      NatsBus.connect({
        servers: natsUrl!.split(',').map((s) => s.trim()),
        name: 'shardgate-shard',
        waitOnFirstConnect: false,
        onError: (error: unknown) => logger.error({ err: error }, 'bus error'),
      }),
    { logger, retryMs: 1000 },
  );
  bus = connected;
  const subjects = createSubjects(processConfig.busPrefix);
  if (!idGiven) {
    config.serverId = await chooseShardId(connected, subjects, config.heartbeatMs);
    logger.info({ shard: config.serverId }, 'SHARD_ID unset: chose an id no live shard uses');
  }
  const node = String(config.serverId);
  logger = createLogger({ level: processConfig.logLevel, service: 'shard', node });
  connected.onStatus((status) => logger.info({ status }, 'bus status'));
  registry = createRegistry('shard', node);
  const started = new Shard({ config, bus: connected, subjects, logger, metrics: createShardMetrics(registry) });
  shard = started;
  await started.start();
  logger.info({ shard: node, adminPort: processConfig.adminPort }, 'shard started (distributed mode)');

  return {
    logger,
    stop: async () => {
      await started.stop({ notify: true });
      await connected.flush().catch(() => undefined);
      await connected.close();
      await admin.close();
    },
  };
});
