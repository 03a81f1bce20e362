import { ConfigError } from '@shardgate/config';
import { createLogger, type Logger } from '@shardgate/logger';

export interface RunningService {
  logger: Logger;
  /** Drain and stop; the process exits 0 when it resolves, 1 when it rejects. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * The life of a shardgate process, the same for every entry file: a bad configuration is
 * one fatal JSON line naming every bad variable and exit code 1; SIGTERM/SIGINT drain and
 * exit; a stray rejection is logged, not fatal (bad input must never take a process down).
 */
export function runService(service: string, start: () => Promise<RunningService>): void {
  let logger = createLogger({ level: 'info', service });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  start().then(
    (running) => {
      logger = running.logger;
      let stopping = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        running.logger.info({ signal }, 'shutting down');
        running.stop(signal).then(
          () => process.exit(0),
          (error: unknown) => {
            running.logger.fatal({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) logger.fatal({ problems: error.problems }, error.message);
      else logger.fatal({ err: error }, `start failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
