import { decode, encode } from '@msgpack/msgpack';
import { isCloseReason, type CloseReason } from './close-reasons';
import type { ClientPacket } from './packet-data';

/**
 * Gateway <-> shard envelopes, msgpack on the bus. Tuples instead of objects keep the
 * per-event overhead to a few bytes.
 */
export const EventKind = Object.freeze({ Open: 0, Message: 1, Close: 2 } as const);

/** A new admitted connection: its instance, the client's address, the gateway that owns it. */
export type OpenEvent = [kind: 0, instance: string, ip: string, gateway: string];
/** A validated client packet. */
export type MessageEvent = [kind: 1, instance: string, id: number, data: unknown];
/** The connection is gone (client left, or the gateway closed it for this reason). */
export type CloseEvent = [kind: 2, instance: string, reason: string];
export type ClientEvent = OpenEvent | MessageEvent | CloseEvent;

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
}

export interface ShardHeartbeat {
  shard: string;
  players: number;
  capacity: number;
  accepting: boolean;
  /** gateway-visible world id (the handshake's serverId) */
  serverId: number;
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
  | { type: 'teleport'; instance: string; x: number; y: number };

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

export function encodeEnvelope(value: GatewayBatch | ShardBatch | ShardHeartbeat | GatewayHeartbeat | ControlMessage): Uint8Array {
  return encode(value);
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
  if (typeof v.shard !== 'string' || !Array.isArray(v.packets) || !Array.isArray(v.frames) || !Array.isArray(v.closes)) {
    throw new EnvelopeError('shard batch: bad fields');
  }
  return v as unknown as ShardBatch;
}

export function decodeShardHeartbeat(bytes: Uint8Array): ShardHeartbeat {
  const v = decodeObject(bytes, 'shard heartbeat');
  if (typeof v.shard !== 'string' || !isCount(v.players) || !isCount(v.capacity) || typeof v.accepting !== 'boolean' || !isCount(v.serverId)) {
    throw new EnvelopeError('shard heartbeat: bad fields');
  }
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
  if (v.type === 'teleport' && typeof v.instance === 'string' && isCount(v.x) && isCount(v.y)) {
    return { type: 'teleport', instance: v.instance, x: v.x, y: v.y };
  }
  throw new EnvelopeError('control: unknown message');
}

/** A message event carries a packet validated by the gateway. */
export function messageEvent(instance: string, packet: ClientPacket): MessageEvent {
  return [EventKind.Message, instance, packet.id, packet.data];
}
