import { Opcodes, Packets } from '@shardgate/protocol';

/**
 * Server packets in Kaetram's exact shapes (read from Kaetram-Open's server and client:
 * `Packet.serialize()` gives `[id, data]` or `[id, opcode, data]`). Builders only; they
 * never serialize, so one packet can be serialized once for many recipients. The hot ones
 * also come as ready JSON text (`*Text`, at the end).
 */

/** Kaetram's `Modules.Orientation`. */
export const Orientation = Object.freeze({ Up: 0, Down: 1, Left: 2, Right: 3 } as const);

/** What other clients need to draw a player (Kaetram's `Player.serialize()` without equipment). */
export interface PlayerSpawnData {
  instance: string;
  type: number;
  key: string;
  name: string;
  x: number;
  y: number;
  level: number;
  hitPoints: number;
  maxHitPoints: number;
  movementSpeed: number;
  orientation: number;
  attackRange: number;
  rank: number;
  pvp: boolean;
}

/** The player's own data (Kaetram sends `serialize(false, true, true)`: experience and mana added). */
export interface WelcomeData extends PlayerSpawnData {
  mana: number;
  maxMana: number;
  experience: number;
}

export const connected = () => [Packets.Connected, null] as const;

export const handshake = (instance: string, serverId: number, serverTime: number) =>
  [Packets.Handshake, { type: 'client', instance, serverId, serverTime }] as const;

export const welcome = (data: WelcomeData) => [Packets.Welcome, data] as const;

export const spawn = (data: PlayerSpawnData) => [Packets.Spawn, data] as const;

export const list = (entities: string[]) => [Packets.List, Opcodes.List.Spawns, { entities }] as const;

export const move = (instance: string, x: number, y: number) =>
  [Packets.Movement, Opcodes.Movement.Move, { instance, x, y, forced: false }] as const;

export const stop = (instance: string, x: number, y: number, orientation: number) =>
  [Packets.Movement, Opcodes.Movement.Stop, { instance, x, y, orientation }] as const;

export const teleport = (instance: string, x: number, y: number) =>
  [Packets.Teleport, { instance, x, y, withAnimation: false }] as const;

export const despawn = (instance: string) => [Packets.Despawn, { instance }] as const;

/**
 * Kaetram's local chat packet is `{instance, message, withBubble, colour}` (the client takes
 * the name from the entity); `name` is added for clients that do not track entities.
 * `colour: ''` is Kaetram's default for unranked players.
 */
export const chat = (instance: string, name: string, message: string) =>
  [Packets.Chat, { instance, name, message, withBubble: true, colour: '' }] as const;

/** Kaetram's ping: `new Network(Opcodes.Network.Ping)`, serialized `[18, 0, null]`. */
export const ping = () => [Packets.Network, Opcodes.Network.Ping, null] as const;

export const notification = (message: string, colour?: string) =>
  [Packets.Notification, Opcodes.Notification.Text, colour === undefined ? { message } : { message, colour }] as const;

/*
 * The hot packets (chat relays, a Move per step, Stop, Teleport, Despawn) as the exact text
 * JSON.stringify gives for the builders above, from a template: JSON.stringify of a fresh
 * array and object was the shard's largest self time under chat load. NetworkManager takes
 * a string as already serialized. test/packets.test.ts proves both forms equal.
 */

// What JSON.stringify escapes in a string: quote, backslash, controls, any surrogate (a lone
// one becomes \udxxx). A string with none is quoted as is; otherwise JSON.stringify quotes it.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const str = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
// Callers pass tile coordinates (integers); anything else (NaN, Infinity, floats) goes through JSON.stringify.
const num = (n: number) => (Number.isSafeInteger(n) ? `${n}` : JSON.stringify(n));

const MOVE = `[${Packets.Movement},${Opcodes.Movement.Move},{"instance":`;
const STOP = `[${Packets.Movement},${Opcodes.Movement.Stop},{"instance":`;
const TELEPORT = `[${Packets.Teleport},{"instance":`;
const DESPAWN = `[${Packets.Despawn},{"instance":`;
const CHAT = `[${Packets.Chat},{"instance":`;

/** `JSON.stringify(move(...))`. */
export const moveText = (instance: string, x: number, y: number) =>
  `${MOVE}${str(instance)},"x":${num(x)},"y":${num(y)},"forced":false}]`;

/** `JSON.stringify(stop(...))`. */
export const stopText = (instance: string, x: number, y: number, orientation: number) =>
  `${STOP}${str(instance)},"x":${num(x)},"y":${num(y)},"orientation":${num(orientation)}}]`;

/** `JSON.stringify(teleport(...))`. */
export const teleportText = (instance: string, x: number, y: number) =>
  `${TELEPORT}${str(instance)},"x":${num(x)},"y":${num(y)},"withAnimation":false}]`;

/** `JSON.stringify(despawn(...))`. */
export const despawnText = (instance: string) => `${DESPAWN}${str(instance)}}]`;

/** `JSON.stringify(chat(...))`. */
export const chatText = (instance: string, name: string, message: string) =>
  `${CHAT}${str(instance)},"name":${str(name)},"message":${str(message)},"withBubble":true,"colour":""}]`;
