import { decode, encode, Encoder } from '@msgpack/msgpack';
import { isGameVersion } from './game-version';
import { isCloseReason, type CloseReason } from './close-reasons';
import type { ClientPacket } from './packet-data';

/**
 * Gateway <-> shard envelopes, msgpack on the bus. Tuples instead of objects keep the
 * per-event overhead to a few bytes.
 */
export const EventKind = Object.freeze({ Open: 0, Message: 1, Close: 2, Fence: 3 } as const);

/** A new admitted connection: its instance, the client's address, the gateway that owns it. */
export type OpenEvent = [kind: 0, instance: string, ip: string, gateway: string];
/** A validated client packet. */
export type MessageEvent = [kind: 1, instance: string, id: number, data: unknown];
/** The connection is gone (client left, or the gateway closed it for this reason). */
export type CloseEvent = [kind: 2, instance: string, reason: string];
/**
 * The gateway now sends this instance's events to another shard (it read a `moves` entry):
 * everything before the fence went to the old shard, which passes the fence on to the new one.
 */
export type FenceEvent = [kind: 3, instance: string];
export type ClientEvent = OpenEvent | MessageEvent | CloseEvent | FenceEvent;

/** Everything one gateway has for one shard from one event-loop turn, in arrival order. */
export interface GatewayBatch {
  gateway: string;
  events: ClientEvent[];
}

/**
 * One shard's output for one gateway for one tick (or an immediate answer such as the
 * handshake). `packets` holds each distinct serialized packet once; each frame lists the
 * indices of its packets in queue order, so a region broadcast costs its bytes once however
 * many players see it. Closes apply after the frames, so queued packets are delivered first.
 */
export interface ShardBatch {
  shard: string;
  packets: string[];
  frames: Array<[instance: string, indices: number[]]>;
  closes: Array<[instance: string, reason: CloseReason]>;
  /**
   * Players handed to another shard of the world, after their last frame from this one: the
   * gateway routes their events to the new shard and sends this one a fence. Absent when none.
   */
  moves?: Array<[instance: string, shard: string]>;
}

export interface ShardHeartbeat {
  shard: string;
  players: number;
  capacity: number;
  accepting: boolean;
  /** gateway-visible world id (the handshake's serverId) */
  serverId: number;
  /** Whether this shard owns its world's spawn region (where new players appear): gateways send new players there. */
  spawn?: boolean;
  /**
   * Random per process: a shard id heard with another boot is a new process under the old id
   * (a crash and a quick restart); gateways close the players of the old one, which it does not know.
   */
  boot?: string;
  /**
   * The `gVer` the shard accepts (GAME_VERSION), so gateways can tell clients which version
   * to send (`GET /version`). Optional: a heartbeat from an older shard has none.
   */
  gameVersion?: string;
}

export interface GatewayHeartbeat {
  gateway: string;
  connections: number;
}

/**
 * Deployment-wide commands from the admin API, on `subjects.control`: every gateway closes a
 * banned IP's live connections and kicks an instance it owns; the shard that holds a player
 * teleports it.
 */
export type ControlMessage =
  | { type: 'ban'; ip: string }
  | { type: 'kick'; instance: string; reason: CloseReason }
  | { type: 'teleport'; instance: string; x: number; y: number; id?: string };

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/** Every envelope but the ShardBatch, which has its own wire form (encodeShardBatch). */
export function encodeEnvelope(value: GatewayBatch | ShardHeartbeat | GatewayHeartbeat | ControlMessage): Uint8Array {
  return encode(value);
}

// Module-level: one native decoder, no allocation per batch. `fatal: false` turns bytes that
// are not UTF-8 into U+FFFD; the length check in decodeShardBatch catches them.
const utf8Decoder = new TextDecoder('utf-8');
// Reused for every batch header: its buffer grows once to the largest header, and
// encodeSharedRef returns a view into it (copied into the message right away).
const headerEncoder = new Encoder();
// msgpack: fixstr "text", then bin 32 with a big-endian length.
const TEXT_KEY = [0xa4, 0x74, 0x65, 0x78, 0x74];
const FIXMAP_0 = 0x80;

/**
 * A ShardBatch on the wire: the packet table travels as ONE UTF-8 byte string (`text`) plus
 * each packet's length in UTF-16 units (`lens`), instead of one msgpack string per packet.
 * The shard encodes and the gateway decodes the whole table natively in one call; per-string
 * UTF-8 work in JavaScript was about a tenth of each side's CPU under chat load
 * (docs/benchmarks.md, profiles). No separator is assumed, so any packet text round-trips.
 */
export function encodeShardBatch(batch: ShardBatch): Uint8Array {
  const { packets } = batch;
  const lens = new Array<number>(packets.length);
  for (let i = 0; i < packets.length; i++) lens[i] = packets[i]!.length;
  const text = packets.join('');
  // One allocation per message: the header's msgpack map, then the text written straight
  // into the message as the map's fifth entry (a bin). Encoding the text apart and letting
  // msgpack copy it cost two more buffers per batch, which showed as gateway RSS growth.
  const header: Record<string, unknown> = { shard: batch.shard, lens, frames: batch.frames, closes: batch.closes };
  if (batch.moves !== undefined && batch.moves.length > 0) header.moves = batch.moves;
  const head = headerEncoder.encodeSharedRef(header);
  const entries = head[0]! - FIXMAP_0;
  if (entries !== 4 && entries !== 5) throw new EnvelopeError('shard batch: unexpected header encoding');
  const size = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(head.byteLength + TEXT_KEY.length + 5 + size);
  out.set(head, 0);
  out[0] = FIXMAP_0 + entries + 1;
  let at = head.byteLength;
  for (const byte of TEXT_KEY) out[at++] = byte;
  out[at++] = 0xc6;
  out.writeUInt32BE(size, at);
  out.write(text, at + 4, size, 'utf8');
  return out;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function decodeObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (cause) {
    throw new EnvelopeError(`${what}: not msgpack`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnvelopeError(`${what}: not a map`);
  return value as Record<string, unknown>;
}

export function decodeGatewayBatch(bytes: Uint8Array): GatewayBatch {
  const v = decodeObject(bytes, 'gateway batch');
  if (typeof v.gateway !== 'string' || !Array.isArray(v.events)) throw new EnvelopeError('gateway batch: bad fields');
  return v as unknown as GatewayBatch;
}

export function decodeShardBatch(bytes: Uint8Array): ShardBatch {
  const v = decodeObject(bytes, 'shard batch');
  if (typeof v.shard !== 'string' || !Array.isArray(v.lens) || !(v.text instanceof Uint8Array) || !Array.isArray(v.frames) || !Array.isArray(v.closes)) {
    throw new EnvelopeError('shard batch: bad fields');
  }
  const text = utf8Decoder.decode(v.text);
  const lens = v.lens as unknown[];
  const packets = new Array<string>(lens.length);
  let at = 0;
  for (let i = 0; i < lens.length; i++) {
    const len = lens[i];
    if (!isCount(len) || at + len > text.length) throw new EnvelopeError('shard batch: packet lengths do not match the text');
    packets[i] = text.slice(at, at + len);
    at += len;
  }
  if (at !== text.length) throw new EnvelopeError('shard batch: packet lengths do not match the text');
  const batch: ShardBatch = { shard: v.shard, packets, frames: v.frames as ShardBatch['frames'], closes: v.closes as ShardBatch['closes'] };
  if (v.moves !== undefined) {
    if (!Array.isArray(v.moves) || !v.moves.every((m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string')) {
      throw new EnvelopeError('shard batch: bad moves');
    }
    batch.moves = v.moves as ShardBatch['moves'];
  }
  return batch;
}

export function decodeShardHeartbeat(bytes: Uint8Array): ShardHeartbeat {
  const v = decodeObject(bytes, 'shard heartbeat');
  if (
    typeof v.shard !== 'string' ||
    !isCount(v.players) ||
    !isCount(v.capacity) ||
    typeof v.accepting !== 'boolean' ||
    !isCount(v.serverId) ||
    (v.spawn !== undefined && typeof v.spawn !== 'boolean') ||
    (v.boot !== undefined && typeof v.boot !== 'string')
  ) {
    throw new EnvelopeError('shard heartbeat: bad fields');
  }
  if (v.gameVersion !== undefined && !isGameVersion(v.gameVersion)) throw new EnvelopeError('shard heartbeat: bad gameVersion');
  return v as unknown as ShardHeartbeat;
}

export function decodeGatewayHeartbeat(bytes: Uint8Array): GatewayHeartbeat {
  const v = decodeObject(bytes, 'gateway heartbeat');
  if (typeof v.gateway !== 'string' || !isCount(v.connections)) throw new EnvelopeError('gateway heartbeat: bad fields');
  return v as unknown as GatewayHeartbeat;
}

export function decodeControl(bytes: Uint8Array): ControlMessage {
  const v = decodeObject(bytes, 'control');
  if (v.type === 'ban' && typeof v.ip === 'string') return { type: 'ban', ip: v.ip };
  if (v.type === 'kick' && typeof v.instance === 'string' && isCloseReason(v.reason)) {
    return { type: 'kick', instance: v.instance, reason: v.reason };
  }
  if (v.type === 'teleport' && typeof v.instance === 'string' && isCount(v.x) && isCount(v.y) && (v.id === undefined || (typeof v.id === 'string' && v.id.length <= 64))) {
    return { type: 'teleport', instance: v.instance, x: v.x, y: v.y, ...(v.id === undefined ? {} : { id: v.id }) };
  }
  throw new EnvelopeError('control: unknown message');
}

/** A message event carries a packet validated by the gateway. */
export function messageEvent(instance: string, packet: ClientPacket): MessageEvent {
  return [EventKind.Message, instance, packet.id, packet.data];
}
