// Issue 7, item 1 (fuzzing, in-process part): property-based tests of the Map codec, the
// per-IP guard and the queue flush, each against an independent model. Frame validation has
// its own properties in packages/protocol/test/client-frame-properties.test.ts.
//
//   node_modules/.bin/jest test/hardening/properties.test.ts
//
// Seeded (FC_SEED, default below) so a failure reproduces; fast-check prints the seed and the
// shrunk counterexample.
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MemoryGuard, type Admission } from '@shardgate/guard';
import { RegionGrid, serializePacket } from '@shardgate/protocol';
import { GameMap, MapCodec, decodeMapPacket, type RegionTile } from '@shardgate/shard';
import { networkHarness } from '../../services/shard/test/helpers';
import { prng } from './helpers';

const SEED = Number(process.env.FC_SEED ?? 20240607);
const REGION = 48;


type Tile = number | number[];

interface MapSpec {
  columns: number;
  rows: number;
  seed: number;
  emptyRatio: number;
  layeredRatio: number;
  collisionRatio: number;
}

interface BuiltMap {
  map: GameMap;
  width: number;
  height: number;
  data: Tile[];
  collisions: Set<number>;
}

function buildMap(spec: MapSpec): BuiltMap {
  const width = spec.columns * REGION;
  const height = spec.rows * REGION;
  const random = prng(spec.seed);
  const data: Tile[] = new Array(width * height);
  const collisions = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    const r = random();
    if (r < spec.emptyRatio) data[i] = random() < 0.5 ? 0 : [];
    else if (r < spec.emptyRatio + spec.layeredRatio) data[i] = Array.from({ length: 1 + Math.floor(random() * 4) }, () => 1 + Math.floor(random() * 5000));
    else data[i] = 1 + Math.floor(random() * 5000);
    if (random() < spec.collisionRatio) collisions.add(i);
  }
  // A walkable spawn: the map refuses one that is not.
  const spawn = { x: Math.floor(random() * width), y: Math.floor(random() * height) };
  const spawnIndex = spawn.y * width + spawn.x;
  data[spawnIndex] = 7;
  collisions.delete(spawnIndex);
  const map = new GameMap({ width, height, data, collisions, spawn, source: 'property test' });
  return { map, width, height, data, collisions };
}

/** What Kaetram's client must get for one region, computed from the raw map, not the codec. */
function modelRegion(m: BuiltMap, region: number): RegionTile[] {
  const columns = m.width / REGION;
  const left = (region % columns) * REGION;
  const top = Math.floor(region / columns) * REGION;
  const tiles: RegionTile[] = [];
  for (let y = top; y < top + REGION; y++) {
    for (let x = left; x < left + REGION; x++) {
      const i = y * m.width + x;
      const data = m.data[i]!;
      if (data === 0 || (Array.isArray(data) && data.length === 0)) continue;
      const tile: RegionTile = { x, y, data };
      if (m.collisions.has(i)) tile.c = true;
      tiles.push(tile);
    }
  }
  return tiles;
}

/** One line per tile, every field, no other key allowed. */
function canonical(tiles: RegionTile[]): string {
  return tiles
    .map((t) => {
      const extra = Object.keys(t).filter((k) => k !== 'x' && k !== 'y' && k !== 'data' && k !== 'c');
      return `${t.x},${t.y},${JSON.stringify(t.data)},${t.c === true ? 'c' : t.c === undefined ? '-' : JSON.stringify(t.c)}${extra.length ? ` extra:${extra.join('|')}` : ''}`;
    })
    .join('\n');
}

const mapSpec: fc.Arbitrary<MapSpec> = fc.record({
  columns: fc.integer({ min: 1, max: 3 }),
  rows: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer(),
  emptyRatio: fc.double({ min: 0, max: 0.6, noNaN: true }),
  layeredRatio: fc.double({ min: 0, max: 0.4, noNaN: true }),
  collisionRatio: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

/** A map and region requests on it: any order, duplicates allowed. */
const mapAndRequests = mapSpec.chain((spec) =>
  fc.record({
    spec: fc.constant(spec),
    requests: fc.array(fc.array(fc.integer({ min: 0, max: spec.columns * spec.rows - 1 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
    cacheSize: fc.integer({ min: 1, max: 4 }),
  }),
);

describe('hardening properties - Map codec', () => {
  it('decode(encode(regions)) is the model region data, and the length is the UTF-8 length of the JSON', () => {
    fc.assert(
      fc.property(mapAndRequests, ({ spec, requests, cacheSize }) => {
        const built = buildMap(spec);
        const codec = new MapCodec(built.map, cacheSize);
        for (const request of requests) {
          const ids = [...new Set(request)].sort((a, b) => a - b);
          const packet = JSON.parse(codec.serialized(request)) as [number, string, number];
          expect(packet[0]).toBe(4);
          // Third element: the byte length of the inflated JSON, as the Kaetram client checks it.
          const json = gunzipSync(Buffer.from(packet[1], 'base64')).toString('utf8');
          expect(packet[2]).toBe(Buffer.byteLength(json, 'utf8'));
          const decoded = decodeMapPacket(packet);
          expect(Object.keys(decoded)).toEqual(ids.map(String));
          // Compared as canonical text (jest's deep equality is slow on thousands of tiles).
          for (const id of ids) expect(canonical(decoded[String(id)]!)).toBe(canonical(modelRegion(built, id)));
          // The cache never hands back another set's packet: a cached answer is the fresh encoding.
          expect(codec.serialized([...request].reverse())).toBe(serializePacket(codec.encode(ids)));
        }
        expect(codec.hits + codec.misses).toBe(requests.length * 2);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Guard: any interleaving of admit/release (and ban/unban, clock moves) across IPs against a
// model that keeps the whole history (the guard forgets; forgetting must change no decision).

type GuardOp =
  | { op: 'admit'; ip: number }
  | { op: 'release'; ip: number }
  | { op: 'ban'; ip: number }
  | { op: 'unban'; ip: number }
  | { op: 'advance'; ms: number };

class GuardModel {
  readonly held = new Map<string, number>();
  readonly lastAdmitted = new Map<string, number>();
  readonly banned = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly interval: number,
  ) {}

  admit(ip: string, now: number): Admission {
    if (this.banned.has(ip)) return { admitted: false, reason: 'banned' };
    const last = this.lastAdmitted.get(ip);
    if (this.interval > 0 && last !== undefined && now - last < this.interval) return { admitted: false, reason: 'toofast' };
    const held = this.held.get(ip) ?? 0;
    if (held >= this.max) return { admitted: false, reason: 'toomany' };
    this.held.set(ip, held + 1);
    this.lastAdmitted.set(ip, now);
    return { admitted: true };
  }

  release(ip: string): void {
    this.held.set(ip, Math.max(0, (this.held.get(ip) ?? 0) - 1));
  }
}

const guardOp: fc.Arbitrary<GuardOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('admit' as const), ip: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('release' as const), ip: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ban' as const), ip: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unban' as const), ip: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 300 }) }) },
);

const ipName = (i: number) => `10.7.0.${i + 1}`;

describe('hardening properties - MemoryGuard', () => {
  it('any interleaving of admit/release across IPs: decisions match the model, counts stay within 0..limit, nothing leaks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 50, 200),
        // Ops launched together (one event-loop turn, not awaited one by one): the guard's
        // answers must still be those of the model applied in call order.
        fc.array(fc.array(guardOp, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 40 }),
        async (max, interval, bursts) => {
          let t = 1_000;
          const guard = new MemoryGuard({ limits: { maxConnectionsPerIp: max, connectIntervalMs: interval }, now: () => t });
          const model = new GuardModel(max, interval);
          for (const burst of bursts) {
            const pending: Array<Promise<unknown>> = [];
            const expected: unknown[] = [];
            for (const step of burst) {
              if (step.op === 'advance') {
                t += step.ms;
                continue;
              }
              const ip = ipName(step.ip);
              if (step.op === 'admit') {
                pending.push(guard.admit(ip));
                expected.push(model.admit(ip, t));
              } else if (step.op === 'release') {
                pending.push(guard.release(ip));
                expected.push(undefined);
                model.release(ip);
              } else if (step.op === 'ban') {
                pending.push(guard.ban(ip));
                expected.push(undefined);
                model.banned.add(ip);
              } else {
                pending.push(guard.unban(ip));
                expected.push(undefined);
                model.banned.delete(ip);
              }
            }
            expect(await Promise.all(pending)).toEqual(expected);
            for (let i = 0; i <= 5; i++) {
              const held = await guard.connections(ipName(i));
              expect(held).toBeGreaterThanOrEqual(0);
              expect(held).toBeLessThanOrEqual(max);
              expect(held).toBe(model.held.get(ipName(i)) ?? 0);
            }
          }
          // Everything given back and the interval over: the guard remembers no IP.
          for (let i = 0; i <= 5; i++) for (let n = model.held.get(ipName(i)) ?? 0; n > 0; n--) await guard.release(ipName(i));
          t += interval + 1;
          await guard.release('10.7.9.9'); // any call sweeps
          expect(guard.trackedIps).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Queue flush: NetworkManager with a fake publish port (services/shard/test's harness) on a
// 4x3-region grid. Every send's packet is unique, so the model can say exactly where each goes.

const GRID = new RegionGrid(4 * REGION, 3 * REGION);
const INSTANCES = ['01', '02', '03', '04', '05', '06', '07', '08'];
const GATEWAYS = ['gwA', 'gwB', 'gwC'];

type NetOp =
  | { op: 'send'; to: number }
  | { op: 'sendToPlayers'; to: number[]; ignore: number | null }
  | { op: 'sendToRegion'; region: number; ignore: number | null }
  | { op: 'sendToSurroundingRegions'; region: number; ignore: number | null }
  | { op: 'broadcast'; ignore: number | null }
  | { op: 'close'; who: number; reason: 'timeout' | 'maintenance' | 'lost' }
  | { op: 'drop'; who: number }
  | { op: 'parse' };

const who = fc.integer({ min: 0, max: INSTANCES.length - 1 });
const ignore = fc.option(who, { nil: null });
const region = fc.integer({ min: 0, max: GRID.count - 1 });
const netOp: fc.Arbitrary<NetOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('send' as const), to: who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('sendToPlayers' as const), to: fc.array(who, { maxLength: 5 }), ignore }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sendToRegion' as const), region, ignore }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sendToSurroundingRegions' as const), region, ignore }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('broadcast' as const), ignore }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), who, reason: fc.constantFrom('timeout' as const, 'maintenance' as const, 'lost' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('parse' as const) }) },
);

interface ModelConn {
  instance: string;
  gateway: string;
  region: number;
  /** Still takes packets (not closed, not dropped). */
  open: boolean;
  /** Still has a queue at the manager (closed ones keep it until the flush delivers the close). */
  known: boolean;
  queue: string[];
  closing: string | null;
}

describe('hardening properties - NetworkManager queue flush', () => {
  it('each connection gets exactly its packets in queue order, each packet once in its batch table, closes after the last frame', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gateway: fc.constantFrom(...GATEWAYS), region: fc.integer({ min: -1, max: GRID.count - 1 }) }), {
          minLength: INSTANCES.length,
          maxLength: INSTANCES.length,
        }),
        fc.array(netOp, { minLength: 1, maxLength: 120 }),
        (placements, ops) => {
          const h = networkHarness({ grid: GRID });
          const { network, published, regions, recipients } = h;
          const model: ModelConn[] = INSTANCES.map((instance, i) => {
            const { gateway, region: r } = placements[i]!;
            h.open(instance, gateway, r);
            return { instance, gateway, region: r, open: true, known: true, queue: [], closing: null };
          });
          // Every delivery each instance got, over every flush, in order: packets then its close.
          const got = new Map<string, string[]>(INSTANCES.map((i) => [i, []]));
          const want = new Map<string, string[]>(INSTANCES.map((i) => [i, []]));
          let serial = 0;
          const packet = (): [number, { n: number }] => [25, { n: serial++ }];
          const enqueue = (targets: Iterable<ModelConn>, text: string, skip: number | null) => {
            for (const c of targets) if (c.open && (skip === null || c.instance !== INSTANCES[skip])) c.queue.push(text);
          };
          const inRegions = (rs: readonly number[]) => model.filter((c) => rs.includes(c.region));

          const flushAndCheck = () => {
            const before = published.length;
            network.parse();
            const batches = published.slice(before);
            // One batch per gateway that had something, none for the others.
            const expectedGateways = new Set(model.filter((c) => c.known && (c.queue.length > 0 || c.closing !== null)).map((c) => c.gateway));
            expect(batches.map((b) => b.gateway).sort()).toEqual([...expectedGateways].sort());
            for (const { gateway, batch } of batches) {
              expect(batch.shard).toBe('s1');
              // The table: each packet string once, each referenced, indices in range.
              expect(new Set(batch.packets).size).toBe(batch.packets.length);
              const referenced = new Set<number>();
              const framed = new Set<string>();
              for (const [instance, indices] of batch.frames) {
                expect(framed.has(instance)).toBe(false); // one frame per connection per flush
                framed.add(instance);
                expect(indices.length).toBeGreaterThan(0);
                expect(model.find((c) => c.instance === instance)!.gateway).toBe(gateway);
                for (const index of indices) {
                  expect(Number.isInteger(index) && index >= 0 && index < batch.packets.length).toBe(true);
                  referenced.add(index);
                  got.get(instance)!.push(batch.packets[index]!);
                }
              }
              expect(referenced.size).toBe(batch.packets.length);
              for (const [instance, reason] of batch.closes) got.get(instance)!.push(`close:${reason}`);
            }
            for (const c of model) {
              if (!c.known) continue;
              want.get(c.instance)!.push(...c.queue);
              c.queue = [];
              if (c.closing !== null) {
                want.get(c.instance)!.push(`close:${c.closing}`);
                c.closing = null;
                c.known = false;
              }
            }
          };

          for (const step of ops) {
            switch (step.op) {
              case 'send': {
                const p = packet();
                network.send(INSTANCES[step.to]!, p);
                enqueue([model[step.to]!], serializePacket(p), null);
                break;
              }
              case 'sendToPlayers': {
                const p = packet();
                const ids = step.to.map((i) => INSTANCES[i]!);
                network.sendToPlayers(ids, p, step.ignore === null ? undefined : INSTANCES[step.ignore]);
                // sendToPlayers pushes once per listed instance (a repeat is a repeat).
                for (const i of step.to) enqueue([model[i]!], serializePacket(p), step.ignore);
                break;
              }
              case 'sendToRegion': {
                const p = packet();
                network.sendToRegion(step.region, p, step.ignore === null ? undefined : INSTANCES[step.ignore]);
                enqueue(inRegions([step.region]), serializePacket(p), step.ignore);
                break;
              }
              case 'sendToSurroundingRegions': {
                const p = packet();
                network.sendToSurroundingRegions(step.region, p, step.ignore === null ? undefined : INSTANCES[step.ignore]);
                const cx = step.region % GRID.columns;
                const cy = Math.floor(step.region / GRID.columns);
                const around: number[] = [];
                for (let r = 0; r < GRID.count; r++) if (Math.abs((r % GRID.columns) - cx) <= 1 && Math.abs(Math.floor(r / GRID.columns) - cy) <= 1) around.push(r);
                enqueue(inRegions(around), serializePacket(p), step.ignore);
                break;
              }
              case 'broadcast': {
                const p = packet();
                network.broadcast(p, step.ignore === null ? undefined : INSTANCES[step.ignore]);
                enqueue(model, serializePacket(p), step.ignore);
                break;
              }
              case 'close': {
                const c = model[step.who]!;
                network.close(c.instance, step.reason);
                if (c.open) {
                  c.open = false;
                  c.closing = step.reason;
                }
                // As the World does: a closed player leaves its region.
                regions.remove(recipients.get(c.instance)!);
                c.region = -1;
                break;
              }
              case 'drop': {
                const c = model[step.who]!;
                network.drop(c.instance);
                c.open = false;
                c.known = false;
                c.queue = [];
                c.closing = null;
                regions.remove(recipients.get(c.instance)!);
                c.region = -1;
                break;
              }
              case 'parse':
                flushAndCheck();
                break;
            }
          }
          flushAndCheck();
          // Exactly its packets, in queue order, the close (if any) last: nothing lost, nothing extra.
          for (const instance of INSTANCES) expect(got.get(instance)).toEqual(want.get(instance));
          // A flush with nothing queued publishes nothing.
          const before = published.length;
          network.parse();
          expect(published.length).toBe(before);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});
