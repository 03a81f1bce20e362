import { gzipSync } from 'node:zlib';
import { MapPacketError } from '../src/errors';
import { GameMap } from '../src/game-map';
import { MapCodec, decodeMapPacket } from '../src/map-codec';
import { sharedMap } from './helpers';

describe('MapCodec', () => {
  it('map codec - a Map packet round-trips to Kaetram region data', () => {
    const map = sharedMap();
    const codec = new MapCodec(map);
    const packet = JSON.parse(codec.serialized([0, 1, 10, 11])) as unknown[];
    expect(packet[0]).toBe(4);
    expect(typeof packet[1]).toBe('string');
    const regions = decodeMapPacket(packet);
    expect(Object.keys(regions)).toEqual(['0', '1', '10', '11']);
    expect(regions['0']).toHaveLength(48 * 48);
    expect(regions['0']![0]).toEqual({ x: 0, y: 0, data: 2, c: true }); // the wall corner
    expect(regions['11']!.find((t) => t.x === 60 && t.y === 60)).toEqual({ x: 60, y: 60, data: 1 });
    expect(regions['1']!.every((t) => t.x >= 48 && t.x < 96 && t.y < 48)).toBe(true);
  });

  it('map codec - the third element is the UTF-8 byte length of the JSON', () => {
    const data = [...new Array<number>(48 * 48).fill(7)];
    data[0] = [1, 2] as unknown as number;
    const map = new GameMap({ width: 48, height: 48, data, collisions: [5], spawn: { x: 3, y: 3 }, source: 'test' });
    const [, , length] = new MapCodec(map).encode([0]);
    const json = JSON.stringify(decodeMapPacket(new MapCodec(map).encode([0])));
    expect(length).toBe(Buffer.byteLength(json));
    expect(decodeMapPacket(new MapCodec(map).encode([0]))['0']!.slice(0, 6)).toEqual([
      { x: 0, y: 0, data: [1, 2] },
      { x: 1, y: 0, data: 7 },
      { x: 2, y: 0, data: 7 },
      { x: 3, y: 0, data: 7 },
      { x: 4, y: 0, data: 7 },
      { x: 5, y: 0, data: 7, c: true },
    ]);
  });

  it('map codec - empty tiles are left out, as Kaetram does', () => {
    const data = new Array<number>(48 * 48).fill(0);
    data[48 + 1] = 3;
    const map = new GameMap({ width: 48, height: 48, data, collisions: [], spawn: { x: 1, y: 1 }, source: 'test' });
    expect(decodeMapPacket(new MapCodec(map).encode([0]))).toEqual({ '0': [{ x: 1, y: 1, data: 3 }] });
  });

  it('map codec - an encoded set is cached, whatever the order it is asked in', () => {
    const codec = new MapCodec(sharedMap());
    const first = codec.serialized([12, 11, 13]);
    const again = codec.serialized([11, 12, 13, 12]);
    expect(again).toBe(first);
    expect(codec.misses).toBe(1);
    expect(codec.hits).toBe(1);
  });

  it('map codec - the packet cache is bounded, least recently used first', () => {
    const codec = new MapCodec(sharedMap(), 2);
    codec.serialized([1]);
    codec.serialized([2]);
    codec.serialized([1]); // hit: [2] is now the least recently used
    codec.serialized([3]); // evicts [2]
    codec.serialized([1]); // hit
    codec.serialized([2]); // miss again
    expect(codec.hits).toBe(2);
    expect(codec.misses).toBe(4);
  });

  it('map codec - by default every region of a map of more than 1024 regions stays cached', () => {
    // 6 x 200 = 1 200 regions, empty (the content does not matter, the count does; empty is quick).
    const width = 48 * 6;
    const height = 48 * 200;
    const data = new Array<number>(width * height).fill(0);
    data[width + 1] = 1; // the spawn must stand on a tile
    const map = new GameMap({ width, height, data, collisions: [], spawn: { x: 1, y: 1 }, source: 'test' });
    const codec = new MapCodec(map);
    for (let r = 0; r < map.grid.count; r++) codec.serialized([r]);
    expect(codec.misses).toBe(1200);
    for (let r = 0; r < map.grid.count; r++) codec.serialized([r]);
    expect(codec.misses).toBe(1200); // the second walk over the map is all hits
    expect(codec.hits).toBe(1200);
  });

  it('map codec - decodeMapPacket refuses what is not a Map packet', () => {
    expect(() => decodeMapPacket([5, 'x', 1])).toThrow(MapPacketError);
    expect(() => decodeMapPacket([4, '!!!not base64 gzip', 3])).toThrow(MapPacketError);
    const gz = gzipSync(Buffer.from('{"0":[]}')).toString('base64');
    expect(() => decodeMapPacket([4, gz, 99])).toThrow('announces 99 bytes');
    expect(decodeMapPacket([4, gz, 8])).toEqual({ '0': [] });
  });
});
