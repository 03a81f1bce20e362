import fc from 'fast-check';
import { CloseReasons, KAETRAM_CLOSE_CODE } from '@shardgate/protocol';
import { Connection, type ConnectionLimits } from '../src/connection';
import { Clock, fakeSocket, limits, type FakeSocketOptions } from './helpers';

function open(overrides: Partial<ConnectionLimits> = {}, socketOptions: FakeSocketOptions = {}, clock = new Clock()) {
  const fake = fakeSocket(socketOptions);
  const connection = new Connection('1-1', '10.0.0.1', fake.socket, limits(overrides), clock.now);
  return { connection, clock, ...fake };
}

describe('connection', () => {
  describe('close', () => {
    test('connection - close(reason) ends the socket with 1010 and the reason, corked', () => {
      const { connection, record } = open();
      connection.close(CloseReasons.RateLimit);
      expect(record.ends).toEqual([{ code: KAETRAM_CLOSE_CODE, reason: 'ratelimit' }]);
      expect(KAETRAM_CLOSE_CODE).toBe(1010);
      expect(record.calls).toEqual(['cork', 'end']);
      expect(connection.closed).toBe(true);
      expect(connection.closeReason).toBe('ratelimit');
    });

    test('connection - close twice ends once and keeps the first reason', () => {
      const { connection, record } = open();
      connection.close(CloseReasons.Timeout);
      expect(() => connection.close(CloseReasons.Banned)).not.toThrow();
      expect(record.ends).toEqual([{ code: 1010, reason: 'timeout' }]);
      expect(connection.closeReason).toBe('timeout');
      expect(record.accessAfterEnd).toEqual([]);
    });

    test('connection - never touches the socket after close()', () => {
      const { connection, record } = open();
      connection.close(CloseReasons.Lost);
      const callsAtClose = record.calls.length;
      expect(connection.sendUTF8('[[1]]')).toBe('closed');
      expect(connection.send({ a: 1 })).toBe('closed');
      connection.close(CloseReasons.Error);
      connection.markClosed();
      // The pure parts still work without the socket.
      connection.admitFrame();
      connection.isDuplicate('x');
      connection.touch();
      expect(record.calls.length).toBe(callsAtClose);
      expect(record.accessAfterEnd).toEqual([]);
      expect(record.sent).toEqual([]);
    });

    test('connection - never touches the socket after markClosed() (uWS reported the close)', () => {
      const { connection, record } = open();
      connection.markClosed();
      expect(connection.sendUTF8('[[1]]')).toBe('closed');
      expect(connection.send([1, 2])).toBe('closed');
      connection.close(CloseReasons.Maintenance);
      expect(record.calls).toEqual([]);
      expect(record.ends).toEqual([]);
      // The gateway did not close it: no Kaetram reason is claimed.
      expect(connection.closeReason).toBeUndefined();
    });

    test('connection - any sequence of operations touches the socket zero times after it closed', () => {
      type Op = 'send' | 'sendUTF8' | 'close' | 'markClosed' | 'frame';
      const op = fc.constantFrom<Op>('send', 'sendUTF8', 'close', 'markClosed', 'frame');
      fc.assert(
        fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
          const { connection, record } = open();
          let closedAtCall: number | undefined;
          for (const o of ops) {
            if (o === 'send') connection.send({ o });
            else if (o === 'sendUTF8') connection.sendUTF8('[[0]]');
            else if (o === 'close') connection.close(CloseReasons.Error);
            else if (o === 'markClosed') connection.markClosed();
            else connection.admitFrame();
            if (connection.closed && closedAtCall === undefined) closedAtCall = record.calls.length;
          }
          expect(record.accessAfterEnd).toEqual([]);
          expect(record.ends.length).toBeLessThanOrEqual(1);
          if (closedAtCall !== undefined) expect(record.calls.length).toBe(closedAtCall);
        }),
      );
    });
  });

  describe('send', () => {
    test('connection - sendUTF8 sends the text as one text frame, corked, and reports sent', () => {
      const { connection, record } = open();
      expect(connection.sendUTF8('[[0,"hello"]]')).toBe('sent');
      expect(record.sent).toEqual(['[[0,"hello"]]']);
      expect(record.corks).toBe(1);
    });

    test('connection - send(value) sends the value serialized as JSON', () => {
      const { connection, record } = open();
      const value = [[4, { id: 'a"b', hp: 12, items: [1, null, true] }], 'ünïcode'];
      expect(connection.send(value)).toBe('sent');
      expect(record.sent).toEqual([JSON.stringify(value)]);
      expect(JSON.parse(record.sent[0]!)).toEqual(value);
    });

    test("connection - sendUTF8 is 'slow' when uWS dropped the frame (send() === 2)", () => {
      const { connection, record } = open({}, { sendStatus: 2, buffered: 0 });
      expect(connection.sendUTF8('x')).toBe('slow');
      expect(record.sent).toEqual(['x']);
      // Reporting slow does not close: the caller decides.
      expect(connection.closed).toBe(false);
      expect(record.ends).toEqual([]);
    });

    test("connection - sendUTF8 is 'slow' only when buffered bytes exceed maxBackpressureBytes", () => {
      const { connection, set } = open({ maxBackpressureBytes: 1000 }, { sendStatus: 1, buffered: 1000 });
      expect(connection.sendUTF8('at the bound')).toBe('sent');
      set({ buffered: 1001 });
      expect(connection.sendUTF8('over the bound')).toBe('slow');
      set({ sendStatus: 0, buffered: 0 });
      expect(connection.sendUTF8('drained')).toBe('sent');
    });

    test("connection - sendUTF8 is 'closed' after close, without sending", () => {
      const { connection, record } = open();
      expect(connection.sendUTF8('before')).toBe('sent');
      connection.close(CloseReasons.Lost);
      expect(connection.sendUTF8('after')).toBe('closed');
      expect(record.sent).toEqual(['before']);
    });

    test('connection - bufferedAmount reports what uWS holds, and 0 once closed without touching the socket', () => {
      const { connection, set, record } = open({}, { buffered: 4096 });
      expect(connection.bufferedAmount()).toBe(4096);
      set({ buffered: 70000 });
      expect(connection.bufferedAmount()).toBe(70000);
      connection.close(CloseReasons.Lost);
      expect(connection.bufferedAmount()).toBe(0);
      expect(record.accessAfterEnd).toEqual([]);
    });

    test("connection - a slow reader closed with 'lost' gets one end and no further frames", () => {
      const { connection, record } = open({}, { sendStatus: 2 });
      expect(connection.sendUTF8('one')).toBe('slow');
      connection.close(CloseReasons.Lost);
      expect(connection.sendUTF8('two')).toBe('closed');
      expect(record.ends).toEqual([{ code: 1010, reason: 'lost' }]);
      expect(record.sent).toEqual(['one']);
      expect(record.accessAfterEnd).toEqual([]);
    });
  });

  describe('rate limit', () => {
    test('connection - admitFrame refuses frames past messageLimit within one second', () => {
      const { connection, clock } = open({ messageLimit: 3 });
      expect([connection.admitFrame(), connection.admitFrame(), connection.admitFrame()]).toEqual([true, true, true]);
      expect(connection.admitFrame()).toBe(false);
      clock.advance(999);
      expect(connection.admitFrame()).toBe(false);
    });

    test('connection - admitFrame admits again in the next one-second window', () => {
      const { connection, clock } = open({ messageLimit: 2 });
      connection.admitFrame();
      connection.admitFrame();
      expect(connection.admitFrame()).toBe(false);
      clock.advance(1000);
      expect(connection.admitFrame()).toBe(true);
      expect(connection.admitFrame()).toBe(true);
      expect(connection.admitFrame()).toBe(false);
    });

    test('connection - the default limit of 300 admits exactly 300 frames in a burst', () => {
      const { connection } = open({ messageLimit: 300 });
      let admitted = 0;
      for (let i = 0; i < 1000; i += 1) if (connection.admitFrame()) admitted += 1;
      expect(admitted).toBe(300);
    });

    test('connection - two connections have separate rate limits', () => {
      const clock = new Clock();
      const a = open({ messageLimit: 1 }, {}, clock).connection;
      const b = open({ messageLimit: 1 }, {}, clock).connection;
      expect(a.admitFrame()).toBe(true);
      expect(a.admitFrame()).toBe(false);
      expect(b.admitFrame()).toBe(true);
    });
  });

  describe('duplicates', () => {
    test('connection - an exact repeat within duplicateWindowMs is a duplicate', () => {
      const { connection, clock } = open({ duplicateWindowMs: 100 });
      expect(connection.isDuplicate('[4,[1,2]]')).toBe(false);
      clock.advance(99);
      expect(connection.isDuplicate('[4,[1,2]]')).toBe(true);
    });

    test('connection - a different message is not a duplicate', () => {
      const { connection, clock } = open({ duplicateWindowMs: 100 });
      expect(connection.isDuplicate('[4,[1,2]]')).toBe(false);
      clock.advance(1);
      expect(connection.isDuplicate('[4,[1,3]]')).toBe(false);
      expect(connection.isDuplicate('[4,[1,2]] ')).toBe(false);
    });

    test('connection - a repeat after the window is not a duplicate', () => {
      const { connection, clock } = open({ duplicateWindowMs: 100 });
      expect(connection.isDuplicate('[4,[1,2]]')).toBe(false);
      clock.advance(100);
      expect(connection.isDuplicate('[4,[1,2]]')).toBe(false);
      clock.advance(500);
      expect(connection.isDuplicate('[4,[1,2]]')).toBe(false);
    });

    test('connection - duplicateWindowMs 0 never drops anything', () => {
      const { connection } = open({ duplicateWindowMs: 0 });
      expect(connection.isDuplicate('same')).toBe(false);
      expect(connection.isDuplicate('same')).toBe(false);
    });
  });

  describe('inactivity', () => {
    test('connection - inactive only once more than the timeout passed since it opened', () => {
      const { connection, clock } = open();
      const openedAt = clock.t;
      expect(connection.isInactive(openedAt + 1000, 1000)).toBe(false);
      expect(connection.isInactive(openedAt + 1001, 1000)).toBe(true);
    });

    test('connection - touch() restarts the inactivity clock', () => {
      const { connection, clock } = open();
      clock.advance(900);
      connection.touch();
      expect(connection.lastValidAt).toBe(clock.t);
      expect(connection.isInactive(clock.t + 1000, 1000)).toBe(false);
      expect(connection.isInactive(clock.t + 1001, 1000)).toBe(true);
    });

    test('connection - admitFrame and isDuplicate alone do not keep it active', () => {
      const { connection, clock } = open();
      const openedAt = clock.t;
      clock.advance(5000);
      connection.admitFrame();
      connection.isDuplicate('[1]');
      expect(connection.lastValidAt).toBe(openedAt);
      expect(connection.isInactive(clock.t, 1000)).toBe(true);
    });
  });

  test('connection - the fake socket throws like uWS on any access after end (the checks above rely on it)', () => {
    const { socket, record } = fakeSocket();
    socket.end(1000, 'bye');
    expect(() => socket.send('x')).toThrow(/Invalid access of closed uWS.WebSocket/);
    expect(() => socket.getBufferedAmount()).toThrow(/Invalid access/);
    expect(record.accessAfterEnd).toEqual(['send', 'getBufferedAmount']);
  });

  test('connection - starts open, not admitted, on no shard', () => {
    const { connection } = open();
    expect(connection.instance).toBe('1-1');
    expect(connection.ip).toBe('10.0.0.1');
    expect(connection.closed).toBe(false);
    expect(connection.admitted).toBe(false);
    expect(connection.shard).toBeUndefined();
    expect(connection.closeReason).toBeUndefined();
  });
});
