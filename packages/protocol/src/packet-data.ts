import { Packets } from './packets';

/**
 * Typed client packets. Validators build fresh objects from the fields they know, so keys
 * like `__proto__` or `constructor` in a client's JSON never reach game logic.
 */
export interface HandshakeData {
  gVer: string;
}
export interface LoginData {
  opcode: 0 | 1 | 2;
  username?: string;
  password?: string;
  email?: string;
}
export interface ReadyData {
  regionsLoaded: number;
  userAgent: string;
}
export interface MovementData {
  opcode: 0 | 1 | 2 | 3;
  playerX: number;
  playerY: number;
  requestX?: number;
  requestY?: number;
  nextGridX?: number;
  nextGridY?: number;
  orientation?: number;
  timestamp?: number;
}

export type ClientPacket =
  | { id: typeof Packets.Handshake; data: HandshakeData }
  | { id: typeof Packets.Login; data: LoginData }
  | { id: typeof Packets.List; data: null }
  | { id: typeof Packets.Who; data: string[] }
  | { id: typeof Packets.Ready; data: ReadyData }
  | { id: typeof Packets.Movement; data: MovementData }
  | { id: typeof Packets.Network; data: { opcode: number } }
  | { id: typeof Packets.Chat; data: { message: string } };

/** Bounds on what a client may send; anything longer is wrong data, not something to cut. */
export const DataLimits = Object.freeze({
  shortString: 64,
  credential: 256,
  chatRaw: 1024,
  userAgent: 2048,
  whoEntries: 512,
  coordinate: 1_000_000,
});

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function optString(o: Obj, key: string, max: number): string | undefined | false {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' && v.length <= max ? v : false;
}

function optInt(o: Obj, key: string, min: number, max: number): number | undefined | false {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  if (v === undefined || v === null) return undefined;
  return isInt(v, min, max) ? v : false;
}

const C = DataLimits.coordinate;

/** Returns the typed packet, or null when `data` has the wrong types for `id`. */
export function validatePacketData(id: number, data: unknown): ClientPacket | null {
  switch (id) {
    case Packets.Handshake: {
      if (!isObject(data) || typeof data.gVer !== 'string' || data.gVer.length > DataLimits.shortString) return null;
      return { id, data: { gVer: data.gVer } };
    }
    case Packets.Login: {
      if (!isObject(data) || !isInt(data.opcode, 0, 2)) return null;
      const username = optString(data, 'username', DataLimits.credential);
      const password = optString(data, 'password', DataLimits.credential);
      const email = optString(data, 'email', DataLimits.credential);
      if (username === false || password === false || email === false) return null;
      const login: LoginData = { opcode: data.opcode as 0 | 1 | 2 };
      if (username !== undefined) login.username = username;
      if (password !== undefined) login.password = password;
      if (email !== undefined) login.email = email;
      return { id, data: login };
    }
    case Packets.List:
      return { id, data: null };
    case Packets.Who: {
      if (!Array.isArray(data) || data.length > DataLimits.whoEntries) return null;
      if (!data.every((i) => typeof i === 'string' && i.length <= DataLimits.shortString)) return null;
      return { id, data: data.slice() as string[] };
    }
    case Packets.Ready: {
      if (data === null || data === undefined) return { id, data: { regionsLoaded: 0, userAgent: '' } };
      if (!isObject(data)) return null;
      const regionsLoaded = optInt(data, 'regionsLoaded', 0, C);
      const userAgent = optString(data, 'userAgent', DataLimits.userAgent);
      if (regionsLoaded === false || userAgent === false) return null;
      return { id, data: { regionsLoaded: regionsLoaded ?? 0, userAgent: userAgent ?? '' } };
    }
    case Packets.Movement: {
      if (!isObject(data) || !isInt(data.opcode, 0, 3)) return null;
      if (!isInt(data.playerX, 0, C) || !isInt(data.playerY, 0, C)) return null;
      const requestX = optInt(data, 'requestX', 0, C);
      const requestY = optInt(data, 'requestY', 0, C);
      const nextGridX = optInt(data, 'nextGridX', 0, C);
      const nextGridY = optInt(data, 'nextGridY', 0, C);
      const orientation = optInt(data, 'orientation', 0, 16);
      const timestamp = data.timestamp;
      if (timestamp !== undefined && timestamp !== null && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) return null;
      if (requestX === false || requestY === false || nextGridX === false || nextGridY === false || orientation === false) return null;
      const movement: MovementData = {
        opcode: data.opcode as 0 | 1 | 2 | 3,
        playerX: data.playerX,
        playerY: data.playerY,
      };
      if (requestX !== undefined) movement.requestX = requestX;
      if (requestY !== undefined) movement.requestY = requestY;
      if (nextGridX !== undefined) movement.nextGridX = nextGridX;
      if (nextGridY !== undefined) movement.nextGridY = nextGridY;
      if (orientation !== undefined) movement.orientation = orientation;
      if (typeof timestamp === 'number') movement.timestamp = timestamp;
      return { id, data: movement };
    }
    case Packets.Network: {
      // Kaetram's client answers a ping with `[18, [1]]`: the opcode inside an array.
      const opcode = Array.isArray(data) ? data[0] : isObject(data) ? data.opcode : undefined;
      if (!isInt(opcode, 0, 16)) return null;
      return { id, data: { opcode } };
    }
    case Packets.Chat: {
      // The client sends `["text"]`; `{message}` is the validated form, accepted again so
      // validation is idempotent (the shard re-checks what the gateway already checked).
      const message = Array.isArray(data) ? data[0] : isObject(data) ? data.message : undefined;
      if (typeof message !== 'string' || message.length > DataLimits.chatRaw) return null;
      return { id, data: { message } };
    }
    default:
      return null;
  }
}
