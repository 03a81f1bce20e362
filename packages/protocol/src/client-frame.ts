import { CLIENT_PACKETS, MAX_KAETRAM_PACKET_ID } from './packets';
import { ClientPacket, validatePacketData } from './packet-data';

/**
 * Why a client frame was not accepted. Each has one documented outcome at the gateway
 * (dropped and counted as `malformed`, with a log line), see README "Bad input".
 */
export type FrameRejection =
  | 'utf8' // not valid UTF-8
  | 'json' // not JSON
  | 'shape' // JSON, but not `[id, data]`
  | 'unknown' // an id the Kaetram protocol does not have
  | 'unsupported' // a Kaetram client packet shardgate does not handle (yet)
  | 'serveronly' // an id only the server sends
  | 'data'; // right id, data of the wrong types

export type ParsedFrame =
  | { ok: true; packet: ClientPacket }
  | { ok: false; reason: FrameRejection; id?: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a frame's bytes as strict UTF-8; null when they are not. */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Server-sent ids the client never sends (everything it has a handler for). */
const SERVER_TO_CLIENT = new Set<number>([0, 3, 4, 5, 12, 13, 25]);

/**
 * Validates one client frame: exactly one packet `[id, data]` (`[id]` counts as data null).
 * Never throws: every failure is a rejection with its reason.
 */
export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'json' };
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) return { ok: false, reason: 'shape' };
  const id = value[0];
  if (typeof id !== 'number' || !Number.isInteger(id)) return { ok: false, reason: 'shape' };
  if (id < 0 || id > MAX_KAETRAM_PACKET_ID) return { ok: false, reason: 'unknown', id };
  if (SERVER_TO_CLIENT.has(id)) return { ok: false, reason: 'serveronly', id };
  if (!CLIENT_PACKETS.has(id)) return { ok: false, reason: 'unsupported', id };
  const packet = validatePacketData(id, value.length === 2 ? value[1] : null);
  return packet ? { ok: true, packet } : { ok: false, reason: 'data', id };
}
