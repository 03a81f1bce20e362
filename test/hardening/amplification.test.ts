// Issue 16 item 4: no request makes the server send much more than it received. A client at
// (just under) MESSAGE_LIMIT asks for List and Who over and over; the bytes it gets back are
// compared with the bytes it sent. Map is not sent on request: only for regions the client
// does not have yet, so walking back and forth over a border gets each region's Map once.
import { KaetramClient, ServiceProcess } from '@shardgate/harness';
import { joinMany, sleep } from './helpers';

const EMBEDDED = 'services/embedded/dist/bin.js';
const BYSTANDERS = 4;
const FRAMES = 500;
const FRAMES_PER_MS = 0.25; // 250 frames a second, under the default MESSAGE_LIMIT of 300

let service: ServiceProcess;
let bystanders: Array<{ client: KaetramClient; instance: string }> = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0' });
  bystanders = await joinMany(service.url, '127.0.16', BYSTANDERS, 1, 4);
});

afterAll(async () => {
  for (const b of bystanders) b.client.close();
  await service.stop();
  console.log(`amplification figures\n${JSON.stringify(figures, null, 2)}`);
});

/** Sends `frames` (cycling through them) at FRAMES_PER_MS; returns bytes sent and bytes received meanwhile (+ one drain second). */
async function measure(client: KaetramClient, frames: string[]): Promise<{ in: number; out: number; ratio: number; packets: Record<number, number>; closed: string | undefined }> {
  const from = client.frames.length;
  let sent = 0;
  const started = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    while (performance.now() - started < i / FRAMES_PER_MS) await sleep(2);
    const frame = frames[i % frames.length]!;
    client.sendRaw(frame);
    sent += Buffer.byteLength(frame);
  }
  await sleep(1000);
  const received = client.frames.slice(from).reduce((n, f) => n + Buffer.byteLength(f), 0);
  const packets: Record<number, number> = {};
  for (const f of client.frames.slice(from)) for (const p of JSON.parse(f) as unknown[][]) packets[p[0] as number] = (packets[p[0] as number] ?? 0) + 1;
  return { in: sent, out: received, ratio: Number((received / sent).toFixed(3)), packets, closed: client.closed?.reason };
}

describe('hardening - requests that make the server send more than it received are bounded', () => {
  it('Who naming visible players (once, or 512 times): at most one Spawn per player in view per second', async () => {
    const [attacker] = await joinMany(service.url, '127.0.17', 1);
    const ids = bystanders.map((b) => b.instance);
    // The join's own Who (what a Kaetram client sends after the List) is answered, and its second passes.
    await attacker!.client.waitFor((p) => p[0] === 5 && (p[1] as { instance: string }).instance === ids[BYSTANDERS - 1]);
    await sleep(1000);
    // One Who naming one instance 512 times: exactly one Spawn.
    const from = attacker!.client.packets.length;
    attacker!.client.send([7, Array.from({ length: 512 }, () => ids[0])]);
    await sleep(500);
    const spawns = attacker!.client.packets.slice(from).filter((p) => p[0] === 5);
    expect(spawns.map((p) => (p[1] as { instance: string }).instance)).toEqual([ids[0]]);
    // A flood of small Whos, each naming one visible player (alternating: the duplicate filter drops exact repeats).
    const small = ids.map((id) => JSON.stringify([7, [id]]));
    const flood = await measure(attacker!.client, small);
    figures['Who flood, one id per frame'] = { frames: FRAMES, ...flood };
    // 2 s of flood + 1 s: at most 3 seconds x BYSTANDERS Spawns (plus a frame's brackets each),
    // whatever a Spawn weighs (Kaetram's carries every equipment slot: ~2.4 KB), for the
    // ~13 KB of Who frames. Unbounded, every frame would be answered: ~500 Spawns.
    const spawnBytes = Buffer.byteLength(JSON.stringify(spawns[0]));
    expect(flood.closed).toBeUndefined();
    expect(flood.packets[5] ?? 0).toBeLessThanOrEqual(3 * BYSTANDERS);
    expect(flood.out).toBeLessThanOrEqual(3 * BYSTANDERS * (spawnBytes + 4));
    attacker!.client.close();
  });

  it('List requests: answered once a second', async () => {
    const [attacker] = await joinMany(service.url, '127.0.18', 1);
    await attacker!.client.waitFor((p) => p[0] === 5 && (p[1] as { instance: string }).instance === bystanders[BYSTANDERS - 1]!.instance);
    await sleep(1000);
    // Alternating spellings of one request (the duplicate filter drops exact repeats).
    const flood = await measure(attacker!.client, ['[6,null]', '[6,0]', '[6,[]]']);
    figures['List flood'] = { frames: FRAMES, ...flood };
    expect(flood.closed).toBeUndefined();
    expect(flood.packets[6] ?? 0).toBeLessThanOrEqual(3); // one a second: 2 s of flood, 1 s drain
    expect(flood.ratio).toBeLessThan(0.5);
    attacker!.client.close();
  });

  it('Map: walking back and forth over a region border gets each region once', async () => {
    const [walker] = await joinMany(service.url, '127.0.19', 1);
    const welcome = walker!.client.packets.find((p) => p[0] === 3)![1] as { x: number; y: number };
    let at = { x: welcome.x, y: welcome.y };
    const from = walker!.client.frames.length;
    let sent = 0;
    // From the spawn area (x 233-239) to x 240 (the next region column) and back, twice.
    for (let round = 0; round < 2; round++) {
      for (const target of [240, 238]) {
        const tiles = target - at.x;
        for (let i = 0; i < Math.abs(tiles); i++) {
          at = { x: at.x + Math.sign(tiles), y: at.y };
          const frame = JSON.stringify([11, { opcode: 2, playerX: at.x, playerY: at.y, timestamp: Date.now() }]);
          walker!.client.sendRaw(frame);
          sent += frame.length;
          await sleep(520);
        }
      }
    }
    await sleep(300);
    const frames = walker!.client.frames.slice(from);
    const maps = walker!.client.packets.filter((p) => p[0] === 4).length;
    const teleports = walker!.client.packets.filter((p) => p[0] === 12).length;
    figures['Map: border crossed 4 times'] = { in: sent, out: frames.reduce((n, f) => n + f.length, 0), mapPackets: maps, teleports };
    expect(teleports).toBe(0);
    // One Map on entering (the 3x3 block), then one per region newly in view, once: 3 regions.
    expect(maps).toBe(1 + 3);
    walker!.client.close();
  });
});
