import { decodeUtf8, parseClientFrame, type ClientPacket } from '@shardgate/protocol';
import type { Connection } from './connection';

/** Why a frame was dropped: the `reason` label of shardgate_gateway_messages_dropped_total. */
export type DropReason = 'malformed' | 'toolarge' | 'early' | 'duplicate';

/** What the gateway does with one received frame. */
export type FrameVerdict =
  | { kind: 'packet'; packet: ClientPacket }
  | { kind: 'ratelimit' }
  | { kind: 'drop'; reason: DropReason; detail: string; id?: number };

/**
 * The checks every client frame goes through, in order. The rate limit comes first so that
 * garbage counts against it too; the cheap checks (binary, size, state) come before UTF-8
 * decoding and JSON parsing; the duplicate filter compares the raw text before parsing.
 */
export function classifyFrame(connection: Connection, message: ArrayBuffer, isBinary: boolean, maxPayloadBytes: number): FrameVerdict {
  if (!connection.admitFrame()) return { kind: 'ratelimit' };
  if (isBinary) return { kind: 'drop', reason: 'malformed', detail: 'binary' };
  if (message.byteLength > maxPayloadBytes) return { kind: 'drop', reason: 'toolarge', detail: `${message.byteLength} bytes` };
  // The client speaks only after [[0,null]], which comes after admission.
  if (!connection.admitted) return { kind: 'drop', reason: 'early', detail: 'before admission' };
  const text = decodeUtf8(message);
  if (text === null) return { kind: 'drop', reason: 'malformed', detail: 'utf8' };
  if (connection.isDuplicate(text)) return { kind: 'drop', reason: 'duplicate', detail: 'repeat' };
  const parsed = parseClientFrame(text);
  if (!parsed.ok) return parsed.id === undefined ? { kind: 'drop', reason: 'malformed', detail: parsed.reason } : { kind: 'drop', reason: 'malformed', detail: parsed.reason, id: parsed.id };
  return { kind: 'packet', packet: parsed.packet };
}
