/**
 * Kaetram packet ids used by the network layer, in one frozen table (the client's
 * `packages/common/network/packets.ts` numbering). Ids the browser has no handler for must
 * never be sent to it: see SERVER_ONLY_PACKETS.
 */
export const Packets = Object.freeze({
  Connected: 0,
  Handshake: 1,
  Login: 2,
  Welcome: 3,
  Map: 4,
  Spawn: 5,
  List: 6,
  Who: 7,
  Ready: 9,
  Movement: 11,
  Teleport: 12,
  Despawn: 13,
  Network: 18,
  Chat: 19,
  Notification: 25,
} as const);

export type PacketName = keyof typeof Packets;
export type PacketId = (typeof Packets)[PacketName];

/** Packets a client may send that shardgate handles. */
export const CLIENT_PACKETS: ReadonlySet<number> = new Set<number>([
  Packets.Handshake,
  Packets.Login,
  Packets.List,
  Packets.Who,
  Packets.Ready,
  Packets.Movement,
  Packets.Network,
  Packets.Chat,
]);

/**
 * Client-to-server or server-to-server ids: the Kaetram browser client has no handler for
 * them and crashes if one arrives (docs/kaetram-wire.md), so the server never sends them.
 */
export const SERVER_ONLY_PACKETS: ReadonlySet<number> = new Set<number>([
  2, 7, 9, 14, 39, 49, 51, 52, 53, 58, 60,
]);

/** Highest packet id a Kaetram client knows; anything above is unknown outright. */
export const MAX_KAETRAM_PACKET_ID = 60;

export const Opcodes = Object.freeze({
  Login: Object.freeze({ Login: 0, Register: 1, Guest: 2 } as const),
  Movement: Object.freeze({
    Request: 0,
    Started: 1,
    Step: 2,
    Stop: 3,
    Move: 4,
  } as const),
  List: Object.freeze({ Spawns: 0 } as const),
  Network: Object.freeze({ Ping: 0, Pong: 1, Sync: 2 } as const),
  Notification: Object.freeze({ Text: 2 } as const),
} as const);

/** Kaetram's entity type digit, the first character of an instance id. */
export const EntityType = Object.freeze({ Player: 0 } as const);
