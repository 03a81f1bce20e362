import type { Logger } from '@shardgate/logger';

export interface RetryOptions {
  logger: Logger;
  /** Pause between attempts. */
  retryMs: number;
}

/**
 * Calls `connect` until it resolves, with one warn line per failed attempt naming `what`,
 * the URL (without credentials), the attempt and why, so that a start-up waiting for a
 * dependency says so instead of hanging silently. The error itself is not logged: its
 * message can carry the URL with its credentials.
 */
export async function connectWithRetry<T>(what: string, url: string, connect: () => Promise<T>, { logger, retryMs }: RetryOptions): Promise<T> {
  const safe = withoutCredentials(url);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const connected = await connect();
      if (attempt > 1) logger.info({ url: safe, attempts: attempt }, `${what} reached`);
      return connected;
    } catch (error) {
      logger.warn({ url: safe, attempt, reason: rootReason(error), retryInMs: retryMs }, `${what} unreachable`);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}

/** `nats://user:pass@host:4222,redis://:pw@h:6379/0?password=x` without the credentials. */
export function withoutCredentials(urls: string): string {
  return urls
    .split(',')
    .map((url) =>
      url
        .trim()
        .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1')
        .replace(/([?&](?:password|pass|token|user|username)=)[^&]*/gi, '$1***'),
    )
    .join(',');
}

/** The innermost cause's code or message (socket errors name host and port, never credentials). */
function rootReason(error: unknown): string {
  let e: unknown = error;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  let reason = String(e);
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    reason = code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return reason.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, '$1');
}
