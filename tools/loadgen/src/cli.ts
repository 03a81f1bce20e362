#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { STOCK_CLIENT_VERSION, fetchGameVersion } from './game-version';
import { parsePids } from './procstat';
import { writeReport } from './report';
import type { Mode, Spread, Stage, SwarmOptions } from './options';
import { Swarm } from './swarm';
import type { Protocol } from './bot';
import type { TransportName } from './transport';

const HELP = `shardgate-loadgen: a swarm of Kaetram-protocol bots

  node tools/loadgen/dist/cli.js --url ws://127.0.0.1:9001/ws --bots 500 --duration 30 \\
    --chat-rate 0.2 --move-rate 2 --sources 127.0.0.2-127.0.0.50 --out results/x.json

Target and wire
  --url URL[,URL]        ws:// URL(s); bot i uses the (i mod n)-th            (ws://127.0.0.1:9001/ws)
  --protocol P           kaetram | echo | socketio                            (kaetram)
  --transport T          raw (RFC 6455 over net, cheaper) | ws                (raw)
  --game-version V       gVer of the handshake (default: the gateway's GET /version, else 0.5.5-beta)
Load
  --mode M               play | idle (connect, Kaetram handshake, hold) | storm (connect+close)  (play)
  --bots N --duration S  one stage of N bots measured for S seconds           (10, 10)
  --stages N:S,N:S       several stages, bots added between them (overrides --bots/--duration)
  --settle S             seconds between reaching a stage's bots and measuring (2)
  --chat-rate R          chat lines per bot per second, Poisson               (0.2)
  --chat-window W        closed loop: W lines in flight per bot (overrides --chat-rate)
  --chat-max-rate R      closed loop: at most R lines per bot per second      (250)
  --chat-timeout MS      a line not heard back by then is lost                (5000)
  --move-rate R          steps per bot per second (walks at the Welcome's speed, then pauses) (2)
  --map-size N           map side in tiles, for walks and spreads             (480)
  --spread K             none | uniform | lattice:SPACING                     (none)
  --spread-via V         admin (POST /admin/teleport) | socketio (peer event) (admin)
  --spread-rate N        spread teleports per second, at most                 (200)
  --admin-url URL --admin-token T   the gateway admin API for --spread
Connections
  --sources SPEC         local addresses: a-b, a/bits, a; comma-separated     (127.0.0.2-127.0.0.50)
  --max-per-source N     open connections per address (server: MAX_CONNECTIONS_PER_IP)  (16)
  --connect-interval MS  least time between two connects of one address (server: CONNECT_INTERVAL_MS + margin) (5100)
  --connect-rate N       connects per second overall                          (500)
  --max-connecting N     upgrades in flight                                   (256)
  --concurrency N        storm: connections in flight                         (200)
  --join-timeout S       give up waiting for a stage's bots after S seconds   (120)
Output
  --server-pids n=pid,.. CPU (and RSS) of these processes per stage
  --scrape n=url,..      /metrics before and after each stage (tick p99 from bucket deltas, admissions)
  --out FILE.json        JSON result; FILE.md report and FILE-*.svg charts beside it
  --quiet                no progress line
  --seed N               PRNG seed for walks and spreads                      (1)
`;

const STRING_FLAGS = [
  'url', 'protocol', 'transport', 'game-version', 'mode', 'bots', 'duration', 'stages', 'settle', 'chat-rate', 'chat-window', 'chat-max-rate',
  'chat-timeout', 'move-rate', 'map-size', 'margin', 'spread', 'spread-via', 'spread-rate', 'admin-url', 'admin-token', 'sources', 'max-per-source',
  'connect-interval', 'connect-rate', 'max-connecting', 'concurrency', 'join-timeout', 'server-pids', 'scrape', 'out', 'seed',
] as const;

/** The flags as strings (`--quiet` as "true"); an unknown flag or a stray argument throws. */
function readFlags(argv: string[]): Record<string, string> {
  const options: Record<string, { type: 'string' | 'boolean' }> = Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }]));
  options.quiet = { type: 'boolean' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

function num(args: Record<string, string>, key: string, fallback: number): number {
  if (args[key] === undefined) return fallback;
  const v = Number(args[key]);
  if (!Number.isFinite(v)) throw new Error(`--${key}: expected a number, got ${args[key]}`);
  return v;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], key: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${key}: expected one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

function parseSpread(value: string): Spread {
  if (value === 'none' || value === 'uniform') return { kind: value };
  const m = /^lattice:(\d+)$/.exec(value);
  if (m) return { kind: 'lattice', spacing: Number(m[1]) };
  throw new Error(`--spread: expected none, uniform or lattice:SPACING, got ${value}`);
}

export function optionsFrom(argv: string[]): SwarmOptions & { out?: string } {
  const a = readFlags(argv);
  const stages: Stage[] = a.stages
    ? a.stages.split(',').map((s) => {
        const [bots, seconds] = s.split(':').map(Number);
        if (!Number.isFinite(bots) || !Number.isFinite(seconds)) throw new Error(`--stages: expected N:S,..., got ${a.stages}`);
        return { bots: bots!, seconds: seconds! };
      })
    : [{ bots: num(a, 'bots', 10), seconds: num(a, 'duration', 10) }];
  return {
    urls: (a.url ?? 'ws://127.0.0.1:9001/ws').split(',').map((s) => s.trim()),
    protocol: oneOf<Protocol>(a.protocol ?? 'kaetram', ['kaetram', 'echo', 'socketio'], 'protocol'),
    transport: oneOf<TransportName>(a.transport ?? 'raw', ['raw', 'ws'], 'transport'),
    mode: oneOf<Mode>(a.mode ?? 'play', ['play', 'idle', 'storm'], 'mode'),
    stages,
    settleSeconds: num(a, 'settle', 2),
    chatRate: num(a, 'chat-rate', 0.2),
    chatWindow: num(a, 'chat-window', 0),
    chatMaxRate: num(a, 'chat-max-rate', 250),
    chatTimeoutMs: num(a, 'chat-timeout', 5000),
    moveRate: num(a, 'move-rate', 2),
    mapSize: num(a, 'map-size', 480),
    margin: num(a, 'margin', 2),
    spread: parseSpread(a.spread ?? 'none'),
    spreadRate: num(a, 'spread-rate', 200),
    spreadVia: oneOf(a['spread-via'] ?? 'admin', ['admin', 'socketio'] as const, 'spread-via'),
    adminUrl: a['admin-url'],
    adminToken: a['admin-token'] ?? process.env.LOADGEN_ADMIN_TOKEN,
    sources: a.sources ?? '127.0.0.2-127.0.0.50',
    maxPerSource: num(a, 'max-per-source', 16),
    connectIntervalMs: num(a, 'connect-interval', 5100),
    connectRate: num(a, 'connect-rate', 500),
    maxConnecting: num(a, 'max-connecting', 256),
    // Empty: asked of the gateway in main() (GET /version) before any bot connects.
    gameVersion: a['game-version'] ?? '',
    serverPids: parsePids(a['server-pids']),
    scrape: (a.scrape ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const eq = s.indexOf('=');
        return { name: s.slice(0, eq), url: s.slice(eq + 1) };
      }),
    concurrency: num(a, 'concurrency', 200),
    joinTimeoutSeconds: num(a, 'join-timeout', 120),
    progress: a.quiet === undefined,
    seed: num(a, 'seed', 1),
    out: a.out,
  };
}

/** The version the server accepts, as its gateway says; the stock client's when it cannot say. */
async function gameVersionOf(url: string, protocol: Protocol): Promise<string> {
  if (protocol !== 'kaetram') return STOCK_CLIENT_VERSION;
  try {
    const version = await fetchGameVersion(url);
    process.stderr.write(`[loadgen] game version ${version} (from the gateway)\n`);
    return version;
  } catch (error) {
    process.stderr.write(`[loadgen] could not ask the game version (${(error as Error).message}); sending ${STOCK_CLIENT_VERSION}\n`);
    return STOCK_CLIENT_VERSION;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const { out, ...options } = optionsFrom(argv);
  if (options.gameVersion === '') options.gameVersion = await gameVersionOf(options.urls[0]!, options.protocol);
  const swarm = new Swarm(options);
  let signalled = 0;
  const onSignal = () => {
    signalled += 1;
    if (signalled > 1) process.exit(130);
    swarm.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await swarm.run();
  if (out) {
    const files = writeReport(result, out);
    process.stderr.write(`[loadgen] wrote ${files.json}, ${files.markdown}${files.svgs.length ? ', ' + files.svgs.join(', ') : ''}\n`);
  } else {
    process.stdout.write(JSON.stringify({ ...result, stages: result.stages.map((s) => ({ ...s, timeline: undefined, chat: { ...s.chat, histogram: undefined } })) }, null, 1) + '\n');
  }
  process.exit(0);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`[loadgen] ${error instanceof Error ? error.message : String(error)}\n${HELP}`);
    process.exit(2);
  });
}
