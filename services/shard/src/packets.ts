import { Opcodes, Packets } from '@shardgate/protocol';

/**
 * Server packets in Kaetram's exact shapes (read from Kaetram-Open's server and client:
 * `Packet.serialize()` gives `[id, data]` or `[id, opcode, data]`). Builders only; they
 * never serialize, so one packet can be serialized once for many recipients.
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
