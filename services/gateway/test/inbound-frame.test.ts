import { Connection, type SocketLike } from '../src/connection';
import { classifyFrame } from '../src/inbound-frame';

function connection(messageLimit = 100): Connection {
  const socket: SocketLike = { send: () => 1, end: () => undefined, getBufferedAmount: () => 0, cork: (cb) => cb() };
  let now = 1000;
  const c = new Connection('0000011', '127.0.0.1', socket, { messageLimit, duplicateWindowMs: 100, maxBackpressureBytes: 1 << 20 }, () => (now += 1));
  c.admitted = true;
  c.shard = '1';
  return c;
}

const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('inbound frame - the order of the checks', () => {
  it('inbound frame - a valid packet passes with its typed data', () => {
    expect(classifyFrame(connection(), bytes('[19,["hi"]]'), false, 1024)).toEqual({ kind: 'packet', packet: { id: 19, data: { message: 'hi' } } });
  });

  it('inbound frame - the rate limit counts garbage too, and comes before everything else', () => {
    const c = connection(2);
    expect(classifyFrame(c, bytes('garbage'), false, 1024)).toMatchObject({ kind: 'drop', reason: 'malformed' });
    expect(classifyFrame(c, bytes('garbage'), true, 1024)).toMatchObject({ kind: 'drop', reason: 'malformed', detail: 'binary' });
    expect(classifyFrame(c, bytes('[19,["hi"]]'), false, 1024)).toEqual({ kind: 'ratelimit' });
  });

  it('inbound frame - binary, too large, before admission, bad UTF-8, each with its reason', () => {
    expect(classifyFrame(connection(), bytes('[19,["hi"]]'), true, 1024)).toEqual({ kind: 'drop', reason: 'malformed', detail: 'binary' });
    expect(classifyFrame(connection(), bytes('[19,["' + 'x'.repeat(2000) + '"]]'), false, 1024)).toEqual({ kind: 'drop', reason: 'toolarge', detail: '2009 bytes' });
    const early = connection();
    early.admitted = false;
    expect(classifyFrame(early, bytes('[19,["hi"]]'), false, 1024)).toEqual({ kind: 'drop', reason: 'early', detail: 'before admission' });
    expect(classifyFrame(connection(), new Uint8Array([0x5b, 0xc3, 0x28, 0x5d]).buffer, false, 1024)).toEqual({ kind: 'drop', reason: 'malformed', detail: 'utf8' });
  });

  it('inbound frame - an exact repeat within the window is a duplicate; a parse failure names its reason and id', () => {
    const c = connection();
    expect(classifyFrame(c, bytes('[19,["hi"]]'), false, 1024).kind).toBe('packet');
    expect(classifyFrame(c, bytes('[19,["hi"]]'), false, 1024)).toMatchObject({ kind: 'drop', reason: 'duplicate' });
    expect(classifyFrame(c, bytes('[4,null]'), false, 1024)).toEqual({ kind: 'drop', reason: 'malformed', detail: 'serveronly', id: 4 });
    expect(classifyFrame(c, bytes('{"a":1}'), false, 1024)).toEqual({ kind: 'drop', reason: 'malformed', detail: 'shape' });
  });
});
