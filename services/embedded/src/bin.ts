#!/usr/bin/env node
import { ConfigError } from '@shardgate/config';
import { createLogger } from '@shardgate/logger';
import { readEmbeddedConfig, startEmbedded } from './embedded';

// The entry of `npm start`: the embedded mode. The environment is read here and only here.
async function run(): Promise<void> {
  let config;
  try {
    config = readEmbeddedConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger({ level: 'info', service: 'embedded' }).fatal({ problems: error.problems }, error.message);
    process.exitCode = 1;
    return;
  }
  const embedded = await startEmbedded(config);
  const shutdown = (signal: string) => {
    embedded.logger.info({ signal }, 'shutting down');
    embedded.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        embedded.logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

run().catch((error: unknown) => {
  createLogger({ level: 'info', service: 'embedded' }).fatal({ err: error }, `start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
