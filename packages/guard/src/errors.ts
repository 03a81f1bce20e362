// One class per failure so callers (and tests) can check the class, not the message.

/** An option is missing or out of range; `field` names it as the caller spelled it. */
export class GuardConfigError extends Error {
  override readonly name = 'GuardConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The shared store failed or could not be reached during `op`; `cause` is the client's error. */
export class GuardStoreError extends Error {
  override readonly name: string = 'GuardStoreError';
  constructor(
    readonly op: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${op}: ${message}`, options);
  }
}

/** The store did not answer `op` within commandTimeoutMs (the command may still run later). */
export class GuardTimeoutError extends GuardStoreError {
  override readonly name = 'GuardTimeoutError';
  constructor(op: string, readonly timeoutMs: number) {
    super(op, `no answer from the store within ${timeoutMs} ms`);
  }
}

/** Another live process renews the same gateway lease: gatewayId is not unique. */
export class GuardLeaseConflictError extends Error {
  override readonly name = 'GuardLeaseConflictError';
  constructor(readonly gatewayId: string) {
    super(`gateway lease "${gatewayId}" is renewed by another process: gatewayId must be unique per process`);
  }
}

/** The guard was used after close(). */
export class GuardClosedError extends Error {
  override readonly name = 'GuardClosedError';
  constructor(op: string) {
    super(`${op}: guard is closed`);
  }
}
