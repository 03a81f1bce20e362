import { DataLimits, parseClientFrame, validatePacketData } from '../src';
import type { ParsedFrame } from '../src';

/** Sends `[id, data]` the way the Kaetram client does: `JSON.stringify([packet, data])`. */
const send = (id: number, data?: unknown): ParsedFrame => parseClientFrame(JSON.stringify([id, data]));

const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe('protocol client packets as a Kaetram client sends them', () => {
  it('handshake - {gVer} is accepted and carries the version', () => {
    expect(send(1, { gVer: '0.5.5-beta' })).toEqual({ ok: true, packet: { id: 1, data: { gVer: '0.5.5-beta' } } });
  });

  it('handshake - extra fields an older client adds are dropped', () => {
    expect(send(1, { gVer: '0.5.5', cType: 'HTML5' })).toEqual({ ok: true, packet: { id: 1, data: { gVer: '0.5.5' } } });
  });

  it('login - a guest login {opcode: 2} needs no credentials', () => {
    const result = send(2, { opcode: 2 });
    expect(result).toEqual({ ok: true, packet: { id: 2, data: { opcode: 2 } } });
    if (result.ok) expect(Object.keys(result.packet.data as object)).toEqual(['opcode']);
  });

  it('login - login and register carry their credentials', () => {
    expect(send(2, { opcode: 0, username: 'alice', password: 'hunter2' })).toEqual({
      ok: true,
      packet: { id: 2, data: { opcode: 0, username: 'alice', password: 'hunter2' } },
    });
    expect(send(2, { opcode: 1, username: 'bob', password: 'pw', email: 'bob@example.com' })).toEqual({
      ok: true,
      packet: { id: 2, data: { opcode: 1, username: 'bob', password: 'pw', email: 'bob@example.com' } },
    });
  });

  it('login - null credentials count as absent', () => {
    expect(send(2, { opcode: 2, username: null, password: null, email: null })).toEqual({ ok: true, packet: { id: 2, data: { opcode: 2 } } });
  });

  it('list - [6, null] and [6] ask for the entity list again', () => {
    expect(send(6, null)).toEqual({ ok: true, packet: { id: 6, data: null } });
    expect(send(6)).toEqual({ ok: true, packet: { id: 6, data: null } });
    expect(parseClientFrame('[6]')).toEqual({ ok: true, packet: { id: 6, data: null } });
  });

  it('who - a list of instance ids is accepted in order', () => {
    const ids = ['0000010000001', '0000020000042', '1000010000007'];
    expect(send(7, ids)).toEqual({ ok: true, packet: { id: 7, data: ids } });
    expect(send(7, [])).toEqual({ ok: true, packet: { id: 7, data: [] } });
  });

  it('ready - {regionsLoaded, userAgent} is accepted and carried', () => {
    expect(send(9, { regionsLoaded: 4, userAgent: USER_AGENT })).toEqual({
      ok: true,
      packet: { id: 9, data: { regionsLoaded: 4, userAgent: USER_AGENT } },
    });
  });

  it('ready - null, a bare [9] or missing fields default to no regions and no agent', () => {
    const defaults = { ok: true, packet: { id: 9, data: { regionsLoaded: 0, userAgent: '' } } };
    expect(send(9, null)).toEqual(defaults);
    expect(send(9)).toEqual(defaults);
    expect(send(9, {})).toEqual(defaults);
    expect(send(9, { regionsLoaded: null, userAgent: null })).toEqual(defaults);
    expect(send(9, { hasMapData: true })).toEqual(defaults);
  });

  it('movement - Request carries where the player stands and the tile it asked for', () => {
    const result = send(11, { opcode: 0, requestX: 20, requestY: 31, playerX: 17, playerY: 30, following: false });
    expect(result).toEqual({ ok: true, packet: { id: 11, data: { opcode: 0, playerX: 17, playerY: 30, requestX: 20, requestY: 31 } } });
  });

  it('movement - Started is accepted with the client extras (movementSpeed, targetInstance)', () => {
    const result = send(11, { opcode: 1, requestX: 20, requestY: 31, playerX: 17, playerY: 30, movementSpeed: 250, targetInstance: '0000010000001' });
    expect(result).toEqual({ ok: true, packet: { id: 11, data: { opcode: 1, playerX: 17, playerY: 30, requestX: 20, requestY: 31 } } });
  });

  it('movement - Step with nextGridX, nextGridY and timestamp carries the position and timestamp', () => {
    const timestamp = 1_767_225_600_123;
    const result = send(11, { opcode: 2, playerX: 18, playerY: 30, nextGridX: 19, nextGridY: 30, timestamp });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.packet).toMatchObject({ id: 11, data: { opcode: 2, playerX: 18, playerY: 30, timestamp } });
  });

  it('movement - Step without the optional fields is accepted', () => {
    expect(send(11, { opcode: 2, playerX: 18, playerY: 30 })).toEqual({ ok: true, packet: { id: 11, data: { opcode: 2, playerX: 18, playerY: 30 } } });
  });

  it('movement - Stop carries the orientation the player ended facing', () => {
    const result = send(11, { opcode: 3, playerX: 20, playerY: 31, orientation: 2 });
    expect(result).toEqual({ ok: true, packet: { id: 11, data: { opcode: 3, playerX: 20, playerY: 31, orientation: 2 } } });
    expect(send(11, { opcode: 3, playerX: 20, playerY: 31, targetInstance: '0000010000009', orientation: 0 })).toMatchObject({ ok: true });
  });

  it('movement - coordinates from 0 up to the coordinate limit are accepted', () => {
    const max = DataLimits.coordinate;
    expect(send(11, { opcode: 0, playerX: 0, playerY: 0, requestX: max, requestY: max })).toMatchObject({ ok: true });
    expect(send(11, { opcode: 2, playerX: max, playerY: max })).toMatchObject({ ok: true });
  });

  it('network - a pong [18, [1]] is accepted', () => {
    expect(send(18, [1])).toEqual({ ok: true, packet: { id: 18, data: { opcode: 1 } } });
    expect(parseClientFrame('[18,[1]]')).toEqual({ ok: true, packet: { id: 18, data: { opcode: 1 } } });
  });

  it('network - the opcode may also come as {opcode}', () => {
    expect(send(18, { opcode: 1 })).toEqual({ ok: true, packet: { id: 18, data: { opcode: 1 } } });
  });

  it('chat - [19, ["text"]] carries the message as typed', () => {
    expect(send(19, ['hello world'])).toEqual({ ok: true, packet: { id: 19, data: { message: 'hello world' } } });
    expect(send(19, ['héllo "quoted" \\ 😀\n'])).toEqual({ ok: true, packet: { id: 19, data: { message: 'héllo "quoted" \\ 😀\n' } } });
  });

  it('chat - a message of exactly the raw chat limit is accepted, one more is not', () => {
    expect(send(19, ['a'.repeat(DataLimits.chatRaw)])).toMatchObject({ ok: true });
    expect(send(19, ['a'.repeat(DataLimits.chatRaw + 1)])).toEqual({ ok: false, reason: 'data', id: 19 });
  });

  it('validated data - is a fresh copy, not the object the client sent', () => {
    const who = ['0000010000001'];
    const whoPacket = validatePacketData(7, who);
    expect(whoPacket?.data).toEqual(who);
    expect(whoPacket?.data).not.toBe(who);
    const login = { opcode: 2, extra: 'x' };
    const loginPacket = validatePacketData(2, login);
    expect(loginPacket?.data).not.toBe(login);
    expect(loginPacket?.data).toStrictEqual({ opcode: 2 });
  });
});

describe('protocol client packets with data of the wrong types', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each<[string, number, unknown]>([
    ['handshake null', 1, null],
    ['handshake array', 1, ['0.5.5']],
    ['handshake string', 1, '0.5.5'],
    ['handshake without gVer', 1, {}],
    ['handshake numeric gVer', 1, { gVer: 1 }],
    ['handshake null gVer', 1, { gVer: null }],
    ['handshake gVer over the short string limit', 1, { gVer: long(DataLimits.shortString + 1) }],
    ['login null', 2, null],
    ['login array', 2, [2]],
    ['login without opcode', 2, { username: 'a' }],
    ['login string opcode', 2, { opcode: '2' }],
    ['login opcode 3', 2, { opcode: 3 }],
    ['login negative opcode', 2, { opcode: -1 }],
    ['login fractional opcode', 2, { opcode: 1.5 }],
    ['login numeric username', 2, { opcode: 0, username: 5, password: 'p' }],
    ['login object password', 2, { opcode: 0, username: 'a', password: { $ne: '' } }],
    ['login array email', 2, { opcode: 1, username: 'a', password: 'p', email: ['e'] }],
    ['login password over the credential limit', 2, { opcode: 0, username: 'a', password: long(DataLimits.credential + 1) }],
    ['who null', 7, null],
    ['who object', 7, { 0: '0000010000001' }],
    ['who string', 7, '0000010000001'],
    ['who numeric ids', 7, [10000010001]],
    ['who mixed ids', 7, ['0000010000001', null]],
    ['who nested arrays', 7, [['0000010000001']]],
    ['who id over the short string limit', 7, [long(DataLimits.shortString + 1)]],
    ['who over the entry limit', 7, Array.from({ length: DataLimits.whoEntries + 1 }, (_, i) => String(i))],
    ['ready array', 9, [3, 'agent']],
    ['ready string', 9, 'ready'],
    ['ready string regionsLoaded', 9, { regionsLoaded: '3', userAgent: 'a' }],
    ['ready negative regionsLoaded', 9, { regionsLoaded: -1, userAgent: 'a' }],
    ['ready fractional regionsLoaded', 9, { regionsLoaded: 1.5, userAgent: 'a' }],
    ['ready numeric userAgent', 9, { regionsLoaded: 1, userAgent: 42 }],
    ['ready userAgent over its limit', 9, { regionsLoaded: 1, userAgent: long(DataLimits.userAgent + 1) }],
    ['movement null', 11, null],
    ['movement array', 11, [2, 18, 30]],
    ['movement without opcode', 11, { playerX: 1, playerY: 1 }],
    ['movement Move opcode 4 (server only)', 11, { opcode: 4, playerX: 1, playerY: 1 }],
    ['movement string opcode', 11, { opcode: '2', playerX: 1, playerY: 1 }],
    ['movement without playerX', 11, { opcode: 2, playerY: 1 }],
    ['movement without playerY', 11, { opcode: 2, playerX: 1 }],
    ['movement string playerX', 11, { opcode: 2, playerX: '1', playerY: 1 }],
    ['movement negative playerY', 11, { opcode: 2, playerX: 1, playerY: -1 }],
    ['movement fractional playerX', 11, { opcode: 2, playerX: 1.5, playerY: 1 }],
    ['movement playerX past the coordinate limit', 11, { opcode: 2, playerX: DataLimits.coordinate + 1, playerY: 1 }],
    ['movement string requestX', 11, { opcode: 0, playerX: 1, playerY: 1, requestX: '3', requestY: 3 }],
    ['movement negative requestY', 11, { opcode: 0, playerX: 1, playerY: 1, requestX: 3, requestY: -3 }],
    ['movement orientation 17', 11, { opcode: 3, playerX: 1, playerY: 1, orientation: 17 }],
    ['movement string orientation', 11, { opcode: 3, playerX: 1, playerY: 1, orientation: 'up' }],
    ['network null', 18, null],
    ['network bare number', 18, 1],
    ['network empty array', 18, []],
    ['network string opcode', 18, ['1']],
    ['network opcode 17', 18, [17]],
    ['network negative opcode', 18, [-1]],
    ['network object without opcode', 18, { pong: 1 }],
    ['chat null', 19, null],
    ['chat empty array', 19, []],
    ['chat number', 19, [42]],
    ['chat object', 19, [{ message: 'hi' }]],
    ['chat nested array', 19, [['hi']]],
  ])('data - %s is rejected', (_what, id, data) => {
    expect(send(id, data)).toEqual({ ok: false, reason: 'data', id });
  });
});

describe('protocol client packets and prototype keys', () => {
  const hostile = (fields: string) =>
    `{"__proto__":{"polluted":"yes","opcode":2,"gVer":"p","regionsLoaded":7},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},${fields}}`;

  afterEach(() => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['handshake', 1, '"gVer":"0.5.5"'],
    ['login', 2, '"opcode":0,"username":"a","password":"p"'],
    ['ready', 9, '"regionsLoaded":1,"userAgent":"a"'],
    ['movement', 11, '"opcode":3,"playerX":1,"playerY":2,"orientation":1'],
    ['network', 18, '"opcode":1'],
  ])('prototype - __proto__ and constructor keys never reach the validated %s data', (_what, id, fields) => {
    const result = parseClientFrame(`[${id},${hostile(fields)}]`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const data = result.packet.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    for (const key of ['__proto__', 'constructor', 'prototype']) expect(Object.prototype.hasOwnProperty.call(data, key)).toBe(false);
    expect(Object.keys(data)).not.toEqual(expect.arrayContaining(['__proto__']));
    expect(data.polluted).toBeUndefined();
  });

  it('prototype - fields hidden under __proto__ do not count as sent', () => {
    expect(parseClientFrame('[2,{"__proto__":{"opcode":2}}]')).toEqual({ ok: false, reason: 'data', id: 2 });
    expect(parseClientFrame('[1,{"__proto__":{"gVer":"0.5.5"}}]')).toEqual({ ok: false, reason: 'data', id: 1 });
    expect(parseClientFrame('[11,{"__proto__":{"opcode":2,"playerX":1,"playerY":1}}]')).toEqual({ ok: false, reason: 'data', id: 11 });
    expect(parseClientFrame('[9,{"__proto__":{"regionsLoaded":5,"userAgent":"x"}}]')).toEqual({
      ok: true,
      packet: { id: 9, data: { regionsLoaded: 0, userAgent: '' } },
    });
    expect(parseClientFrame('[2,{"opcode":0,"__proto__":{"username":"admin","password":"x"}}]')).toEqual({
      ok: true,
      packet: { id: 2, data: { opcode: 0 } },
    });
  });

  it('prototype - a chat message or who id spelled "__proto__" is just text', () => {
    expect(parseClientFrame('[19,["__proto__"]]')).toEqual({ ok: true, packet: { id: 19, data: { message: '__proto__' } } });
    expect(parseClientFrame('[7,["__proto__","constructor"]]')).toEqual({ ok: true, packet: { id: 7, data: ['__proto__', 'constructor'] } });
  });
});
