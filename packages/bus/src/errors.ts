// One small class per failure, `name` set and `cause` chained, so callers and tests can
// branch on the class instead of parsing messages (the habit of nats.js `errors.ts`).

/** Base class of every error the bus throws or reports through `onError`. */
export class BusError extends Error {
  override name = 'BusError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The bus was closed: subscribe()/flush() after close(), or a publish() dropped after it. */
export class BusClosedError extends BusError {
  override name = 'BusClosedError';
}

/** A subject that is not plain dot-separated tokens (empty token, whitespace, `*` or `>`). */
export class BusSubjectError extends BusError {
  override name = 'BusSubjectError';
  constructor(readonly subject: string) {
    super(`invalid subject ${JSON.stringify(subject)}: expected dot-separated tokens without wildcards or whitespace`);
  }
}

/** A payload that is not a Uint8Array (strings and objects must be encoded by the caller). */
export class BusPayloadError extends BusError {
  override name = 'BusPayloadError';
}

/** A subscriber's handler threw; reported through `onError`, delivery goes on. */
export class BusHandlerError extends BusError {
  override name = 'BusHandlerError';
  constructor(readonly subject: string, cause: unknown) {
    super(`handler for ${subject} threw: ${describe(cause)}`, { cause });
  }
}

/** The NATS client refused a publish (for example a payload over the server's max_payload). */
export class BusPublishError extends BusError {
  override name = 'BusPublishError';
  constructor(readonly subject: string, cause: unknown) {
    super(`publish to ${subject} failed: ${describe(cause)}`, { cause });
  }
}

/**
 * A payload larger than the bus carries (`Bus.maxPayload`; NATS: the server's max_payload):
 * dropped and reported, never sent. Callers that may produce big messages split them first.
 */
export class BusPayloadTooLargeError extends BusError {
  override name = 'BusPayloadTooLargeError';
  constructor(
    readonly subject: string,
    readonly bytes: number,
    readonly maxPayload: number,
  ) {
    super(`publish to ${subject} dropped: ${bytes} bytes exceed the bus's largest message (${maxPayload} bytes)`);
  }
}

/** The reconnect buffer is full: publishes are dropped until the connection is back. */
export class BusBufferFullError extends BusError {
  override name = 'BusBufferFullError';
}

/** flush() while not connected, or the connection was lost before the server answered. */
export class BusDisconnectedError extends BusError {
  override name = 'BusDisconnectedError';
}

/** A bounded wait (flush, close) ran out. */
export class BusTimeoutError extends BusError {
  override name = 'BusTimeoutError';
}

/** An asynchronous error from the server or the client (permissions, protocol, closed with error). */
export class BusConnectionError extends BusError {
  override name = 'BusConnectionError';
}

/** Options rejected at construction; the message names the field. */
export class BusOptionsError extends BusError {
  override name = 'BusOptionsError';
  constructor(readonly field: string, problem: string) {
    super(`option ${field}: ${problem}`);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
