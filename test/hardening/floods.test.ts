// Issue 7, item 2 (floods): message floods, connection floods from one IP and from many,
// sockets that upgrade and say nothing, slow HTTP upgrades (slowloris), against the built
// embedded service. Throughout, 20 well-behaved players (bot-fleet.js, their own process)
// chat at 5 Hz and time their own chat's round trip; each scenario measures a quiet window
// right before its attack and requires the attack window's p99 within
// max(2 x quiet p99, quiet p99 + 20 ms) (helpers.ts p99Bound).
//
//   node_modules/.bin/jest test/hardening/floods.test.ts
//
// Source addresses: 127.0.50.x bots, 127.0.51-52.x message flooders, 127.0.53.1 one-IP flood,
// 127.0.60-67.x many-IP flood, 127.0.70.x slowloris, 127.0.71.1 idle-after-join.
import WebSocket from 'ws';
import { ServiceProcess } from '@shardgate/harness';
import { Fleet, nowMs } from './fleet';
import { RawClient, badLogLines, p99Bound, sleep, strayStderr, upgradeRequest, type LatencySummary } from './helpers';

const EMBEDDED = 'services/embedded/dist/bin.js';
const BOTS = 20;
const BOT_HZ = 5;
const QUIET_MS = 4000;
const MESSAGE_LIMIT = 300;
const MAX_PER_IP = 16;
const CONNECT_INTERVAL_MS = 50;
const HANDSHAKE_TIMEOUT_MS = 2000;
const INACTIVITY_TIMEOUT_MS = 3000;

let service: ServiceProcess;
let fleet: Fleet;
/** Figures for docs/reliability.md, printed at the end. */
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, {
    CONNECT_INTERVAL_MS: String(CONNECT_INTERVAL_MS),
    MAX_CONNECTIONS_PER_IP: String(MAX_PER_IP),
    MESSAGE_LIMIT: String(MESSAGE_LIMIT),
    HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS),
    INACTIVITY_TIMEOUT_MS: String(INACTIVITY_TIMEOUT_MS),
    MAX_PLAYERS: '5000',
    SERVE_CLIENT: 'false',
  });
  fleet = await Fleet.start({ url: service.url, prefix: '127.0.50', count: BOTS, hz: BOT_HZ, maxSeconds: 150 });
  await sleep(1000); // warm-up, not measured
}, 40000);

afterAll(async () => {
  await fleet?.stop();
  if (service) {
    // A service that is gone before the end was killed or crashed: say how, with its last lines.
    expect({ exitedEarly: service.exit, lastLogs: service.exit ? service.logs.slice(-5) : [] }).toEqual({ exitedEarly: undefined, lastLogs: [] });
    await service.stop();
    console.log(`floods figures ${JSON.stringify(figures)}`);
    expect(service.exit?.code).toBe(0);
    expect(badLogLines(service.logs)).toEqual([]);
    expect(service.stray).toEqual([]);
    expect(strayStderr(service.stderr)).toEqual([]);
  }
});

const metricValue = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);

/**
 * The service's event-loop delay, as prom-client reports it: every scrape of /metrics reads
 * and resets its histogram. Scrapes made through here accumulate (max of the p99s and maxes of
 * each sub-window) until loopDelay() reads and resets the accumulator.
 */
let delay = { p99Ms: 0, maxMs: 0 };
async function scrape(): Promise<string> {
  const text = await service.metrics();
  delay = {
    p99Ms: Math.max(delay.p99Ms, +(metricValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)),
    maxMs: Math.max(delay.maxMs, +(metricValue(text, 'nodejs_eventloop_lag_max_seconds') * 1000).toFixed(1)),
  };
  return text;
}
async function loopDelay(): Promise<{ p99Ms: number; maxMs: number }> {
  await scrape();
  const value = delay;
  delay = { p99Ms: 0, maxMs: 0 };
  return value;
}

interface Round<T> {
  result: T;
  quiet: LatencySummary;
  attacked: LatencySummary;
  boundMs: number;
  serverLoopDelay: { quiet: { p99Ms: number; maxMs: number }; attacked: { p99Ms: number; maxMs: number } };
  attackSeconds: number;
}

/**
 * Measures a quiet window, runs `attack`, and judges the bots' p99 during it against the
 * quiet one. The machine is shared (2 cores; the attacker, the bots and the service on it, and
 * other test files in parallel under `npm test`), so one stall of another process can push a
 * 4-second window's p99: a round that misses the bound is measured once more, and the
 * scenario fails only when both rounds miss. Every round is printed and kept in `figures`.
 */
async function underAttack<T>(name: string, attack: () => Promise<T>): Promise<Array<Round<T>>> {
  const rounds: Array<Round<T>> = [];
  for (let round = 1; round <= 2; round++) {
    await loopDelay();
    const quietFrom = nowMs();
    await sleep(QUIET_MS);
    const quietDelay = await loopDelay();
    const attackFrom = nowMs();
    const result = await attack();
    const attackTo = nowMs();
    const attackDelay = await loopDelay();
    await sleep(1000); // the last chats of the window come back
    const quiet = fleet.window(quietFrom, attackFrom);
    const attacked = fleet.window(attackFrom, attackTo);
    const boundMs = +p99Bound(quiet.p99).toFixed(1);
    rounds.push({ result, quiet, attacked, boundMs, serverLoopDelay: { quiet: quietDelay, attacked: attackDelay }, attackSeconds: +((attackTo - attackFrom) / 1000).toFixed(1) });
    console.log(`${name}, round ${round}: ${JSON.stringify({ ...rounds[round - 1], result: undefined })}`);
    expect(quiet.samples).toBeGreaterThan((QUIET_MS / 1000) * BOTS * BOT_HZ * 0.8);
    expect(attacked.samples).toBeGreaterThan(0);
    // Every bot still in, every chat of both windows answered.
    expect(fleet.closes).toEqual([]);
    expect(quiet.lost + attacked.lost).toBe(0);
    if (attacked.p99 <= boundMs) break;
  }
  figures[name] = rounds.map((r) => ({ ...r, result: undefined }));
  expect(rounds[rounds.length - 1]!.attacked.p99).toBeLessThanOrEqual(rounds[rounds.length - 1]!.boundMs);
  return rounds;
}

/** A ws client that records what it got and how it ended. */
interface Probe {
  socket: WebSocket;
  texts: string[];
  admittedAt?: number;
  closed?: { code: number; reason: string; at: number };
  error?: string;
}

function probe(localAddress: string, onOpen?: (p: Probe) => void): Promise<Probe> {
  return new Promise((resolve) => {
    const p: Probe = { socket: new WebSocket(service.url, { localAddress, perMessageDeflate: false }), texts: [] };
    p.socket.on('message', (data) => {
      const text = data.toString();
      p.texts.push(text);
      if (p.admittedAt === undefined && text === '[[0,null]]') {
        p.admittedAt = nowMs();
        onOpen?.(p);
      }
    });
    p.socket.on('close', (code, reason) => {
      p.closed = { code, reason: reason.toString(), at: nowMs() };
      resolve(p);
    });
    p.socket.on('error', (error) => {
      p.error = error.message;
    });
  });
}

const waitUntil = async (check: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
};

describe('hardening - floods', () => {
  it('message flood: each flooding connection is closed with ratelimit after MESSAGE_LIMIT frames; players keep their p99', async () => {
    const FLOOD_MS = 4000;
    const PARALLEL = 2;
    const FRAMES = 2 * MESSAGE_LIMIT;
    const before = await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'ratelimit' });
    const disconnectsBefore = await service.metric('shardgate_gateway_disconnects_total', { reason: 'ratelimit' });
    let n = 0;
    const rounds = await underAttack('message flood', async () => {
      const done: Probe[] = [];
      const end = nowMs() + FLOOD_MS;
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (nowMs() < end) {
            const i = n++;
            // One source address each: the per-IP interval does not slow the flood down.
            const p = await probe(`127.0.${51 + (Math.floor(i / 250) % 2)}.${(i % 250) + 1}`, (self) => {
              // Garbage and valid packets mixed, in one go: every frame counts.
              for (let f = 0; f < FRAMES; f++) self.socket.send(f % 3 === 0 ? '[6]' : f % 3 === 1 ? `x{${f}` : `[19,${f}]`);
            });
            done.push(p);
          }
        }),
      );
      return done;
    });
    const flooders = rounds.flatMap((r) => r.result);
    const told = flooders.filter((p) => p.closed?.code === 1010 && p.closed.reason === 'ratelimit');
    // A flooder still writing when the gateway closes can have the close frame overtaken by a TCP
    // reset (the server closes a socket holding unread input): it sees 1006. Counted, allowed
    // for a few, never anything else.
    const reset = flooders.filter((p) => p.closed?.code === 1006);
    figures['message flood, counts'] = { flooders: flooders.length, framesEach: FRAMES, closed1010ratelimit: told.length, closed1006: reset.length, errors1006: [...new Set(reset.map((p) => p.error))] };
    expect(flooders.length).toBeGreaterThanOrEqual(PARALLEL);
    expect(told.length + reset.length).toBe(flooders.length);
    expect(told.length).toBeGreaterThanOrEqual(Math.ceil(flooders.length * 0.95));
    // Server side, exact: one ratelimit drop per flooder (the frame that broke the limit;
    // nothing after it is read) and one ratelimit disconnect each.
    expect((await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'ratelimit' })) - before).toBe(flooders.length);
    expect((await service.metric('shardgate_gateway_disconnects_total', { reason: 'ratelimit' })) - disconnectsBefore).toBe(flooders.length);
  }, 30000);

  it('connection flood from one IP: refused with toofast/toomany, never more than MAX_CONNECTIONS_PER_IP held', async () => {
    const FLOOD_MS = 3000;
    // Ten connects in flight at any time from the one address, each followed by the next as
    // soon as it is decided: some 400-800 attempts a second on the reference machine.
    const PARALLEL = 10;
    const MAX_ATTEMPTS = 4000;
    const refusedBefore = {
      toofast: await service.metric('shardgate_gateway_connections_refused_total', { reason: 'toofast' }),
      toomany: await service.metric('shardgate_gateway_connections_refused_total', { reason: 'toomany' }),
    };
    // Held connections, as the shard counts its connections each tick (the client's view can
    // see a new [[0,null]] before an older close when its event loop is busy).
    let maxHeld = 0;
    const rounds = await underAttack('connection flood, one IP', async () => {
      const all: Array<Promise<Probe>> = [];
      const end = nowMs() + FLOOD_MS;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          maxHeld = Math.max(maxHeld, metricValue(await scrape(), 'shardgate_shard_connections') - BOTS);
          await sleep(250);
        }
      })();
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (nowMs() < end && all.length < MAX_ATTEMPTS) {
            let admitted = false;
            const p = probe('127.0.53.1', () => (admitted = true));
            all.push(p);
            // The next attempt once this one is decided (admitted or refused).
            await Promise.race([p, waitUntil(() => admitted, 5000, 'admission').catch(() => undefined)]);
          }
        }),
      );
      // Admitted ones say nothing: the handshake deadline closes them.
      const done = await Promise.all(all);
      sampling = false;
      await sampler;
      return done;
    });
    const attempts = rounds.flatMap((r) => r.result);
    const outcomes: Record<string, number> = {};
    for (const p of attempts) {
      const key = p.admittedAt !== undefined ? `admitted, then ${p.closed?.reason}` : `refused ${p.closed?.reason}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    figures['connection flood, one IP, counts'] = { attempts: attempts.length, outcomes, maxHeld };
    expect(attempts.length).toBeGreaterThan(100);
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(MAX_PER_IP);
    for (const p of attempts) {
      expect(p.closed?.code).toBe(1010);
      expect(p.admittedAt !== undefined ? ['timeout'] : ['toofast', 'toomany']).toContain(p.closed?.reason);
    }
    expect(outcomes['refused toofast']).toBeGreaterThan(0);
    expect(outcomes['refused toomany']).toBeGreaterThan(0);
    expect((await service.metric('shardgate_gateway_connections_refused_total', { reason: 'toofast' })) - refusedBefore.toofast).toBe(outcomes['refused toofast']);
    expect((await service.metric('shardgate_gateway_connections_refused_total', { reason: 'toomany' })) - refusedBefore.toomany).toBe(outcomes['refused toomany']);
  }, 40000);

  it('connection flood from 2000 IPs that upgrade and say nothing: each gets [[0,null]] only, then the handshake deadline closes it with timeout', async () => {
    const CONNECTIONS = 2000;
    const PARALLEL = 100;
    const rounds = await underAttack('connection flood, 2000 IPs, silent', async () => {
      const all: Array<Promise<Probe>> = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (next < CONNECTIONS) {
            const i = next++;
            let admitted = false;
            const p = probe(`127.0.${60 + Math.floor(i / 250)}.${(i % 250) + 1}`, () => (admitted = true));
            all.push(p);
            await Promise.race([p, waitUntil(() => admitted, 10000, 'admission').catch(() => undefined)]);
          }
        }),
      );
      return Promise.all(all);
    });
    const silent = rounds.flatMap((r) => r.result);
    const lifetimes = silent.filter((p) => p.admittedAt !== undefined && p.closed).map((p) => p.closed!.at - p.admittedAt!);
    figures['connection flood, 2000 IPs, silent, counts'] = {
      connections: silent.length,
      closedAfterConnectedMs: { min: Math.round(Math.min(...lifetimes)), max: Math.round(Math.max(...lifetimes)) },
    };
    expect(silent).toHaveLength(CONNECTIONS * rounds.length);
    for (const p of silent) {
      expect(p.texts).toEqual(['[[0,null]]']);
      expect(p.closed).toMatchObject({ code: 1010, reason: 'timeout' });
    }
    // Closed by the handshake deadline (checked each tick), not by anything later.
    expect(Math.max(...lifetimes)).toBeLessThanOrEqual(HANDSHAKE_TIMEOUT_MS + 1000);
    expect(Math.min(...lifetimes)).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 200);
    expect(service.logs.filter((l) => l.msg === 'no login before the handshake deadline').length).toBeGreaterThanOrEqual(silent.length);
    // Only the bots are left.
    expect(await service.metric('shardgate_gateway_connections')).toBe(BOTS);
  }, 60000);

  it('a player who joins and then says nothing is closed with timeout by INACTIVITY_TIMEOUT_MS', async () => {
    const raw = await RawClient.open(service.port, '127.0.71.1');
    await raw.join();
    const joinedAt = performance.now();
    await raw.until(() => raw.frames.close !== undefined || raw.ended, INACTIVITY_TIMEOUT_MS + 3000, 'the inactivity close');
    const after = performance.now() - joinedAt;
    figures['silent after join, counts'] = { closedAfterMs: Math.round(after), close: raw.frames.close };
    expect(raw.frames.close).toEqual({ code: 1010, reason: 'timeout' });
    // The gateway sweeps once a second.
    expect(after).toBeGreaterThanOrEqual(INACTIVITY_TIMEOUT_MS - 100);
    expect(after).toBeLessThanOrEqual(INACTIVITY_TIMEOUT_MS + 1500);
    raw.destroy();
  }, 15000);

  it('slowloris: upgrade requests at one byte per 500 ms are cut off by uWebSockets.js; players keep their p99', async () => {
    const SOCKETS = 200;
    const BOUND_MS = 16000;
    const request = Buffer.from(upgradeRequest(service.port));
    const rounds = await underAttack('slowloris', async () => {
      const clients = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => RawClient.connect(service.port, `127.0.70.${(i % 250) + 1}`)));
      const openedAt = performance.now();
      let offset = 0;
      const timer = setInterval(() => {
        for (const c of clients) if (!c.ended && offset < request.length) c.socket.write(request.subarray(offset, offset + 1));
        offset += 1;
      }, 500);
      try {
        await waitUntil(() => clients.every((c) => c.ended), BOUND_MS + 2000, 'the slowloris sockets to be closed');
      } finally {
        clearInterval(timer);
        for (const c of clients) c.destroy();
      }
      return { clients, openedAt, bytesSent: offset };
    });
    const closedAfter = rounds.flatMap((r) => r.result.clients.map((c) => c.endedAt! - r.result.openedAt));
    figures['slowloris, counts'] = {
      sockets: SOCKETS,
      requestBytes: request.length,
      bytesSentEach: Math.min(...rounds.map((r) => r.result.bytesSent), request.length),
      closedAfterMs: { min: Math.round(Math.min(...closedAfter)), max: Math.round(Math.max(...closedAfter)) },
    };
    expect(Math.max(...closedAfter)).toBeLessThanOrEqual(BOUND_MS);
    // None of them got an upgrade.
    for (const r of rounds) for (const c of r.result.clients) expect(c.upgraded).toBe(false);
  }, 45000);
});
