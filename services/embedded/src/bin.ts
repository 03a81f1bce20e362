#!/usr/bin/env node
// First: SIGTERM/SIGINT are handled from here on, start-up included (packages/runner).
import { runService } from '@shardgate/runner';
import { readEmbeddedConfig, startEmbedded } from './embedded';

// The entry of `npm start`: the embedded mode. The environment is read here and only here.
runService('embedded', async () => {
  const embedded = await startEmbedded(readEmbeddedConfig(process.env));
  return { logger: embedded.logger, stop: () => embedded.stop() };
});
