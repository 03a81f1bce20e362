// MAP_FILE problems stop the shard binary at start with one line that names the file and what
// is wrong, before it connects to anything (services/shard/src/bin.ts loads the map first).
import { SHARED_NATS_URL, ServiceProcess, randomToken } from '@shardgate/harness';
import { kaetramClientMap, kaetramWorld, writeTemp } from './world-fixture';

const SHARD = 'services/shard/dist/bin.js';

async function startShard(mapFile: string): Promise<ServiceProcess> {
  // NATS_URL is required by a standalone shard; the map is refused before it is dialled.
  return ServiceProcess.start(SHARD, { MAP_FILE: mapFile, NATS_URL: 'nats://127.0.0.1:1', SHARD_ID: '9' }, { waitReady: false });
}

const small = kaetramWorld(96, 96, { x: 50, y: 50 }).world;

describe('kaetram map file - the shard binary refuses a bad map with one line', () => {
  it.each([
    ['not JSON', () => writeTemp('world.json', '{"width": 1152, "height":'), /is not valid JSON/],
    ['the wrong shape', () => writeTemp('world.json', { ...small, spawn: { x: 50, y: 50 }, data: 'zlib:eJzLSM3JyQcABiwCFQ==' }), /data must be an array/],
    ['a size that is not a multiple of 48', () => writeTemp('world.json', { ...small, width: 100, spawn: { x: 50, y: 50 } }), /100x96 is not a multiple of 48/],
    ['an absurd size', () => writeTemp('world.json', { ...small, width: 48_000_000, spawn: { x: 50, y: 50 } }), /width must be an integer from 1 to 9600/],
    ["Kaetram's client map", () => writeTemp('map.json', kaetramClientMap()), /Kaetram's client map/],
  ])('%s', async (_what, make, problem) => {
    const file = make();
    const shard = await startShard(file);
    const exit = await shard.waitExit(10_000);
    expect(exit.code).toBe(1);
    const lines = shard.logs.filter((l) => l.level === 'fatal' || l.level === 'error');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain(file);
    expect(lines[0]!.msg).toMatch(problem);
    expect(shard.stray).toEqual([]);
  });

  it('a well-formed Kaetram world.json starts the shard (ready on the real NATS)', async () => {
    const file = writeTemp('world.json', { ...small, spawn: { x: 50, y: 50 } });
    const shard = await ServiceProcess.start(SHARD, { MAP_FILE: file, NATS_URL: SHARED_NATS_URL, SHARD_ID: '9', BUS_PREFIX: `kaetram${randomToken()}` });
    try {
      expect(await shard.readyz()).toBe(200);
      expect(shard.logs.filter((l) => l.level === 'fatal' || l.level === 'error')).toEqual([]);
    } finally {
      await shard.stop();
    }
  });
});
