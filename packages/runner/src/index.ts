import { ConfigError } from '@shardgate/config';
import { createLogger, type Logger } from '@shardgate/logger';

export { connectWithRetry, withoutCredentials, type RetryOptions } from './connect-retry';

export interface RunningService {
  logger: Logger;
  /** Drain and stop; the process exits 0 when it resolves, 1 when it rejects. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Exit codes of a shardgate process (README "Start and stop"). */
export const ExitCodes = Object.freeze({
  /** Stopped by SIGTERM/SIGINT: drained, or during start-up with nothing to drain. */
  stopped: 0,
  /** A bad configuration, a start-up that failed, or a drain that failed. */
  failed: 1,
});

// Signals are caught from the moment an entry file imports this module (its first import),
// not once start-up is over: as PID 1 in a container, a process without a handler ignores
// SIGTERM, and a start-up waiting for NATS could otherwise only be stopped by SIGKILL.
// Until runService takes over, a signal ends the process at once: nothing has started.
let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
  createLogger({ level: 'info', service: 'shardgate' }).info({ signal }, 'stopped before start-up began');
  process.exit(ExitCodes.stopped);
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

/**
 * The life of a shardgate process, the same for every entry file: a bad configuration is
 * one fatal JSON line naming every bad variable and exit code 1; SIGTERM/SIGINT drain and
 * exit 0, and during start-up (waiting for NATS, say) exit 0 at once, since nobody has been
 * admitted yet; a stray rejection is logged, not fatal (bad input must never take a
 * process down).
 */
export function runService(service: string, start: () => Promise<RunningService>): void {
  let logger = createLogger({ level: 'info', service });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  let running: RunningService | undefined;
  let stopping = false;
  onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    if (running === undefined) {
      logger.info({ signal }, 'stopped during start-up');
      process.exit(ExitCodes.stopped);
    }
    const service = running;
    service.logger.info({ signal }, 'shutting down');
    service.stop(signal).then(
      () => process.exit(ExitCodes.stopped),
      (error: unknown) => {
        service.logger.fatal({ err: error }, 'shutdown failed');
        process.exit(ExitCodes.failed);
      },
    );
  };
  start().then(
    (started) => {
      logger = started.logger;
      running = started;
    },
    (error: unknown) => {
      if (error instanceof ConfigError) logger.fatal({ problems: error.problems }, error.message);
      else logger.fatal({ err: error }, `start failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(ExitCodes.failed);
    },
  );
}
