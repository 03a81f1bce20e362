import pino from 'pino';

/** One JSON line per event, with a level; `service` and `node` name who wrote it. */
export type Logger = pino.Logger;
export type LogDestination = pino.DestinationStream;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  service: string;
  node?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

export function createLogger({ level, service, node, destination }: LoggerOptions): Logger {
  const base: Record<string, string> = { service };
  if (node !== undefined) base.node = node;
  // Synchronous writes: a line logged just before an exit must not be lost.
  return pino(
    { level, base, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
