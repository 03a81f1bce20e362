import { PeerLiveness } from '../src/index';

describe('peer liveness', () => {
  test('peer liveness - a peer is lost once silent past the timeout, reported once with its silence', () => {
    const l = new PeerLiveness(3000, 1000);
    l.seen('old', 0);
    l.judge(0, true);
    l.seen('fresh', 2000);
    for (let t = 500; t <= 3000; t += 500) expect(l.judge(t, true)).toEqual({ kind: 'judged', lost: [] }); // exactly 3000: not past it
    expect(l.judge(3001, true)).toEqual({ kind: 'judged', lost: [{ peer: 'old', silentMs: 3001 }] });
    expect(l.lastSeenAt('old')).toBeUndefined();
    expect(l.size).toBe(1);
    expect(l.judge(3500, true)).toEqual({ kind: 'judged', lost: [] });
  });

  test('peer liveness - touch keeps a known peer alive and does not introduce an unknown one', () => {
    const l = new PeerLiveness(1000, 1000);
    l.seen('a', 0);
    l.touch('a', 900);
    l.touch('stranger', 900);
    expect(l.size).toBe(1);
    expect(l.judge(1500, true)).toEqual({ kind: 'judged', lost: [] });
    expect(l.lastSeenAt('a')).toBe(900);
  });

  test('peer liveness - with its own bus down nobody is judged, and refresh gives everyone a full timeout after', () => {
    const l = new PeerLiveness(1000, 1000);
    l.seen('a', 0);
    for (let t = 500; t <= 5000; t += 500) expect(l.judge(t, false)).toEqual({ kind: 'unheard' });
    l.refresh(5000); // the bus is back
    expect(l.judge(5500, true)).toEqual({ kind: 'judged', lost: [] });
    expect(l.judge(6001, true)).toEqual({ kind: 'judged', lost: [{ peer: 'a', silentMs: 1001 }] });
  });

  test('peer liveness - the first judgement after this process stalled condemns nobody and restarts every timeout', () => {
    const l = new PeerLiveness(1000, 1000);
    l.seen('a', 0);
    l.seen('b', 0);
    expect(l.judge(500, true)).toEqual({ kind: 'judged', lost: [] });
    // Stalled 2.5 s: both look silent, but their heartbeats may be unread in our socket.
    expect(l.judge(3000, true)).toEqual({ kind: 'stalled', gapMs: 2500 });
    expect(l.size).toBe(2);
    l.seen('a', 3010); // the unread heartbeat
    expect(l.judge(3500, true)).toEqual({ kind: 'judged', lost: [] });
    // b really is gone: lost a timeout after the stall, not before.
    expect(l.judge(4001, true)).toEqual({ kind: 'judged', lost: [{ peer: 'b', silentMs: 1001 }] });
  });

  test('peer liveness - judgements at the stall bound apart are ordinary; the first judgement is never a stall', () => {
    const l = new PeerLiveness(5000, 1000);
    l.seen('a', 0);
    expect(l.judge(100_000, true)).toEqual({ kind: 'judged', lost: [{ peer: 'a', silentMs: 100_000 }] });
    l.seen('b', 100_000);
    expect(l.judge(101_000, true)).toEqual({ kind: 'judged', lost: [] });
    expect(l.judge(102_001, true)).toEqual({ kind: 'stalled', gapMs: 1001 });
  });

  test('peer liveness - after begin(), a first judgement that comes late is a stall (the process stopped before its first sweep)', () => {
    const l = new PeerLiveness(1000, 2000);
    l.begin(0);
    l.seen('a', 100);
    expect(l.judge(2600, true)).toEqual({ kind: 'stalled', gapMs: 2600 });
    expect(l.lastSeenAt('a')).toBe(2600);
  });

  test('peer liveness - a stall measured while the bus is down still counts: judgements resume cleanly after', () => {
    const l = new PeerLiveness(1000, 1000);
    l.seen('a', 0);
    expect(l.judge(500, false)).toEqual({ kind: 'unheard' });
    expect(l.judge(600, true)).toEqual({ kind: 'judged', lost: [] });
    l.forget('a');
    expect(l.judge(5000, true)).toEqual({ kind: 'stalled', gapMs: 4400 });
    expect(l.size).toBe(0);
  });
});
