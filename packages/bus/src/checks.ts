import type { BusErrorListener } from './bus';
import { type BusError, BusPayloadError, BusSubjectError } from './errors';

// Tokens are anything but dots, whitespace/control characters and the NATS wildcards.
// Checked identically by every implementation so that a subject accepted in embedded mode
// is never rejected (or, worse, treated as a wildcard) by NATS in production.
const SUBJECT = /^[^.\s*>\x00-\x1f\x7f]+(\.[^.\s*>\x00-\x1f\x7f]+)*$/;

/** NATS's default max_payload; the in-process bus uses it too, so both modes split alike. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export function assertSubject(subject: string): void {
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) throw new BusSubjectError(String(subject));
}

export function assertPayload(payload: Uint8Array): void {
  // nats.js would silently accept a string; the contract is bytes, so reject it everywhere.
  if (!(payload instanceof Uint8Array)) throw new BusPayloadError('payload must be a Uint8Array');
}

/** Calls `onError` without letting a throwing listener break the caller (the bus itself). */
export function safeReport(onError: BusErrorListener, error: BusError): void {
  try {
    onError(error);
  } catch {
    // A broken error listener must not break delivery; there is nowhere left to report.
  }
}

/** The default `onError`: one line on stderr, so nothing is swallowed silently. */
export function defaultOnError(error: BusError): void {
  console.error(`[bus] ${error.name}: ${error.message}`);
}
