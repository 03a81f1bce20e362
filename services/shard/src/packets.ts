import { Opcodes, Packets } from '@shardgate/protocol';

/**
 * Server packets in Kaetram's exact shapes (read from Kaetram-Open's server and client:
 * `Packet.serialize()` gives `[id, data]` or `[id, opcode, data]`). Builders only; they
 * never serialize, so one packet can be serialized once for many recipients. The hot ones
 * also come as ready JSON text (`*Text`, at the end).
 */

/** Kaetram's `Modules.Orientation`. */
export const Orientation = Object.freeze({ Up: 0, Down: 1, Left: 2, Right: 3 } as const);

/**
 * One equipment slot as Kaetram's `Equipment.serialize(true)` gives it (server
 * player/equipment/equipment.ts; the weapon adds its attack fields), which the client's
 * `Player.equip` reads. A slot with an empty `key` is unequipped: the client draws its default.
 */
export interface EquipmentData {
  type: number;
  key: string;
  name: string;
  count: number;
  enchantments: Record<string, never>;
  poisonous: boolean;
  attackStats: Stats;
  defenseStats: Stats;
  bonuses: Bonuses;
  attackRange?: number;
  attackStyle?: number;
  attackStyles?: number[];
}

interface Stats {
  crush: number;
  slash: number;
  stab: number;
  archery: number;
  magic: number;
}

interface Bonuses {
  accuracy: number;
  strength: number;
  archery: number;
  magic: number;
}

/**
 * Kaetram's `Modules.Equipment` at 4bdbd6d, in enum order (`Equipments.equipments` keeps the
 * slots "in the order of the enum"): Armour, Boots, Pendant, Ring, Weapon, Arrows, WeaponSkin,
 * ArmourSkin.
 */
export const EquipmentSlot = Object.freeze({
  Armour: 0,
  Boots: 1,
  Pendant: 2,
  Ring: 3,
  Weapon: 4,
  Arrows: 5,
  WeaponSkin: 6,
  ArmourSkin: 7,
} as const);

const zeroStats = (): Stats => ({ crush: 0, slash: 0, stab: 0, archery: 0, magic: 0 });
const zeroBonuses = (): Bonuses => ({ accuracy: 0, strength: 0, archery: 0, magic: 0 });

function slot(type: number): EquipmentData {
  // Kaetram's empty slot: key '', count -1, no enchantments, zero stats (`Equipment.empty()`).
  return { type, key: '', name: '', count: -1, enchantments: {}, poisonous: false, attackStats: zeroStats(), defenseStats: zeroStats(), bonuses: zeroBonuses() };
}

/**
 * What a shardgate player wears, as Kaetram's `Equipments.serialize(true).equipments` lists
 * it for a fresh guest: every slot in enum order, all empty. The client's `Player.equip`
 * unequips an empty slot, which puts its default back (cloth armour, `clotharmor`), so
 * players are drawn dressed whatever slot layout the client has. No inventory here: it
 * never changes.
 */
export function playerEquipments(): EquipmentData[] {
  return Object.values(EquipmentSlot).map((type) =>
    type === EquipmentSlot.Weapon ? { ...slot(type), attackRange: 1, attackStyle: 0, attackStyles: [] } : slot(type),
  );
}

/**
 * What other clients need to draw a player: Kaetram's `Player.serialize(true)`, which
 * `SpawnPacket` (common/network/impl/spawn.ts) sends for a player: with `equipments`.
 */
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
  equipments: EquipmentData[];
}

/**
 * The player's own data: Kaetram's `Player.intro` sends `serialize(false, true, true)`: no
 * equipments (they follow in an Equipment batch, not sent here), experience and mana added.
 */
export interface WelcomeData extends Omit<PlayerSpawnData, 'equipments'> {
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

/**
 * Kaetram's `Player.setPosition` relays `[11, 4, {instance, x, y, target, forced}]` to the
 * surrounding regions without the mover, for every step and for the Stop that ends a walk
 * (`handleMovementStop` calls `setPosition`): there is no Stop relay. `target` is undefined
 * for a player walking, so JSON leaves it out.
 */
export const move = (instance: string, x: number, y: number) =>
  [Packets.Movement, Opcodes.Movement.Move, { instance, x, y, forced: false }] as const;

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

/** Kaetram's `Player.notify`: `[25, 2, {message, colour, source}]`, colour and source '' unless given. */
export const notification = (message: string, colour = '') =>
  [Packets.Notification, Opcodes.Notification.Text, { message, colour, source: '' }] as const;

/*
 * The hot packets (chat relays, a Move per step, Teleport, Despawn) as the exact text
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
const TELEPORT = `[${Packets.Teleport},{"instance":`;
const DESPAWN = `[${Packets.Despawn},{"instance":`;
const CHAT = `[${Packets.Chat},{"instance":`;

/** `JSON.stringify(move(...))`. */
export const moveText = (instance: string, x: number, y: number) =>
  `${MOVE}${str(instance)},"x":${num(x)},"y":${num(y)},"forced":false}]`;

/** `JSON.stringify(teleport(...))`. */
export const teleportText = (instance: string, x: number, y: number) =>
  `${TELEPORT}${str(instance)},"x":${num(x)},"y":${num(y)},"withAnimation":false}]`;

/** `JSON.stringify(despawn(...))`. */
export const despawnText = (instance: string) => `${DESPAWN}${str(instance)}}]`;

/** `JSON.stringify(chat(...))`. */
export const chatText = (instance: string, name: string, message: string) =>
  `${CHAT}${str(instance)},"name":${str(name)},"message":${str(message)},"withBubble":true,"colour":""}]`;
