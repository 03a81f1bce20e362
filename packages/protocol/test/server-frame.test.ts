import fc from 'fast-check';
import { encodeFrame, serializePacket } from '../src';

describe('protocol server frames', () => {
  it('frame - one packet becomes a one-packet batch [[...]], never a bare packet', () => {
    expect(encodeFrame([serializePacket([0, null])])).toBe('[[0,null]]');
    const handshake = serializePacket([1, { type: 'client', instance: '0000010000001', serverId: 1, serverTime: 1700000000000 }]);
    expect(encodeFrame([handshake])).toBe('[[1,{"type":"client","instance":"0000010000001","serverId":1,"serverTime":1700000000000}]]');
    expect(JSON.parse(encodeFrame([handshake]))).toHaveLength(1);
  });

  it('frame - several packets keep their order', () => {
    const packets = [
      [3, { instance: '0000010000001', name: 'guest1', x: 10, y: 12 }],
      [4, 'H4sIAAAAAAAAA6uuBQBDv6ajAgAAAA==', 2],
      [6, 0, { entities: ['1000010000002'] }],
      [11, 4, { instance: '0000010000003', x: 11, y: 12, forced: false }],
      [19, { instance: '0000010000003', message: 'hi', withBubble: true, colour: '' }],
    ];
    const frame = encodeFrame(packets.map(serializePacket));
    expect(JSON.parse(frame)).toEqual(packets);
    expect(frame).toBe(`[${packets.map((p) => JSON.stringify(p)).join(',')}]`);
  });

  it('frame - a packet serialized once can go into many frames unchanged', () => {
    const move = serializePacket([11, 4, { instance: '0000010000003', x: 11, y: 12, forced: false }]);
    const ping = serializePacket([18, 0, null]);
    expect(JSON.parse(encodeFrame([move, ping]))).toEqual([JSON.parse(move), [18, 0, null]]);
    expect(JSON.parse(encodeFrame([ping, move]))).toEqual([[18, 0, null], JSON.parse(move)]);
  });

  it('packet - the Map packet keeps its third element, the byte length', () => {
    expect(encodeFrame([serializePacket([4, 'eJyrVkrOzytJzSsBAA==', 13])])).toBe('[[4,"eJyrVkrOzytJzSsBAA==",13]]');
  });

  it('packet - undefined data is sent as null so the frame stays valid JSON', () => {
    expect(serializePacket([0, undefined])).toBe('[0,null]');
    expect(serializePacket([18, 0, undefined])).toBe('[18,0,null]');
  });

  it('packet - text with quotes, backslashes, newlines and line separators survives', () => {
    const message = 'a "quoted" \\ line\nnext \u2028 \u2029 😀 </script>';
    const frame = encodeFrame([serializePacket([19, { instance: '0000010000001', message, withBubble: true, colour: '' }])]);
    expect(JSON.parse(frame)[0][1].message).toBe(message);
  });

  it('frame - any non-empty list of packets is a valid JSON array of arrays, in order', () => {
    const packet = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.array(fc.jsonValue(), { maxLength: 3 })).map(([id, rest]) => [id, ...rest]);
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 20 }), (packets) => {
        const frame = encodeFrame(packets.map(serializePacket));
        const parsed: unknown = JSON.parse(frame);
        expect(Array.isArray(parsed)).toBe(true);
        expect((parsed as unknown[]).every((p) => Array.isArray(p))).toBe(true);
        // The client batches when the outer array has more than one element.
        expect(parsed).toHaveLength(packets.length);
        expect(parsed).toEqual(packets.map((p) => JSON.parse(JSON.stringify(p))));
      }),
      { numRuns: 1000 },
    );
  });
});
