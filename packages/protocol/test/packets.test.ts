import { CLIENT_PACKETS, EntityType, MAX_KAETRAM_PACKET_ID, Opcodes, Packets, SERVER_ONLY_PACKETS } from '../src';

/** The packet table of docs/kaetram-wire.md, "Packet ids used by the network layer". */
const WIRE_TABLE = {
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
};
/** Ids the server sends (S->C or both). */
const SERVER_SENDS = [0, 1, 3, 4, 5, 6, 11, 12, 13, 18, 19, 25];
/** Ids the browser has no handler for (docs/kaetram-wire.md, "Never send the browser..."). */
const NO_BROWSER_HANDLER = [2, 7, 9, 14, 39, 49, 51, 52, 53, 58, 60];
/** Ids a Kaetram client sends in the connect/login/ready/move/chat flow (C->S or both). */
const CLIENT_SENDS = [1, 2, 6, 7, 9, 11, 18, 19];

describe('protocol packet tables', () => {
  it('packet ids - the table matches the Kaetram numbering in docs/kaetram-wire.md', () => {
    expect({ ...Packets }).toEqual(WIRE_TABLE);
  });

  it('packet ids - no two names share an id', () => {
    const ids = Object.values(Packets);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('packet ids - the tables cannot be changed at run time', () => {
    expect(Object.isFrozen(Packets)).toBe(true);
    expect(Object.isFrozen(Opcodes)).toBe(true);
    for (const table of Object.values(Opcodes)) expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(EntityType)).toBe(true);
  });

  it('packet ids - every id is within the Kaetram range', () => {
    for (const id of [...Object.values(Packets), ...SERVER_ONLY_PACKETS, ...CLIENT_PACKETS]) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThanOrEqual(MAX_KAETRAM_PACKET_ID);
    }
    expect(MAX_KAETRAM_PACKET_ID).toBe(60);
  });

  it('server-only packets - are exactly the ids the browser has no handler for', () => {
    expect([...SERVER_ONLY_PACKETS].sort((a, b) => a - b)).toEqual(NO_BROWSER_HANDLER);
  });

  it('server-only packets - never intersect the ids the server sends', () => {
    for (const id of SERVER_SENDS) expect(SERVER_ONLY_PACKETS.has(id)).toBe(false);
  });

  it('client packets - are the ids a Kaetram client sends that shardgate handles', () => {
    expect([...CLIENT_PACKETS].sort((a, b) => a - b)).toEqual(CLIENT_SENDS);
  });

  it('client packets - contain no id that only the server sends', () => {
    for (const id of [Packets.Connected, Packets.Welcome, Packets.Map, Packets.Spawn, Packets.Teleport, Packets.Despawn, Packets.Notification]) {
      expect(CLIENT_PACKETS.has(id)).toBe(false);
    }
  });

  it('opcodes - match the values Kaetram puts on the wire', () => {
    expect(Opcodes.Login).toEqual({ Login: 0, Register: 1, Guest: 2 });
    expect(Opcodes.Movement).toEqual({ Request: 0, Started: 1, Step: 2, Stop: 3, Move: 4 });
    expect(Opcodes.List).toEqual({ Spawns: 0 });
    expect(Opcodes.Network).toEqual({ Ping: 0, Pong: 1, Sync: 2 });
    expect(Opcodes.Notification).toEqual({ Text: 2 });
  });

  it('entity types - a player is type 0', () => {
    expect(EntityType.Player).toBe(0);
  });
});
