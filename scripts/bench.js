#!/usr/bin/env node
'use strict';
// `npm run bench [-- --quick] [-- --only a,b]`: every benchmark scenario of issue 5 in one
// run, side by side, on loopback. It starts each system (the bare uWS echo ceiling, the
// embedded mode, the distributed mode with 2 gateways and 1 or 2 shards, the socket.io peer
// on two nodes), drives it with the loadgen (services/loadgen) in its own process, reads
// CPU and RSS from /proc and the shards' tick histogram from /metrics, and writes
// bench/results/<date>/ (JSON, Markdown, SVG) plus a summary with the targets.
// Everything it starts is stopped when it ends, fails or is interrupted; a global deadline
// stops it in any case. Redis (127.0.0.1:6379) and NATS (127.0.0.1:4222) must be running
// for the distributed and peer scenarios (they are skipped otherwise, and the summary says so).
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const LOADGEN = path.join(ROOT, 'services', 'loadgen', 'dist', 'cli.js');
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice(7) ?? (argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined);
const ONLY = onlyArg ? new Set(onlyArg.split(',')) : null;
// --profile: every server process runs under `node --cpu-prof`; the top frames of each
// profile are written next to the results (profile-<scenario>-<process>.txt).
const PROFILE = argv.includes('--profile');
// --systems a,b: only these systems (ceiling, embedded, dist1, dist2, peer) in chat and ladder.
const systemsArg = argv.find((a) => a.startsWith('--systems='))?.slice(10) ?? (argv.includes('--systems') ? argv[argv.indexOf('--systems') + 1] : undefined);
const SYSTEMS = systemsArg ? new Set(systemsArg.split(',')) : null;
let profileLabel = 'run';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const NATS_URL = process.env.BENCH_NATS_URL || 'nats://127.0.0.1:4222';
const ADMIN_TOKEN = crypto.randomBytes(16).toString('hex');
const TICK_MS = 50;
const DATE = new Date().toISOString().slice(0, 10);
// --label=<name>: results in bench/results/<date>-<name>/, so variants of one day (a setting
// on and off) keep their own files.
const LABEL = argv.find((a) => a.startsWith('--label='))?.slice(8);
if (LABEL !== undefined && !/^[a-z0-9-]+$/.test(LABEL)) throw new Error(`--label=${LABEL}: use lowercase letters, digits and dashes`);
const OUT = path.join(ROOT, 'bench', 'results', LABEL ? `${DATE}-${LABEL}` : DATE);
const PREFIX = QUICK ? 'quick-' : '';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-bench-'));
const started = Date.now();

// Sizes. Full: the issue's numbers where the machine allows; quick: a smoke check under 2 minutes.
const P = QUICK
  ? {
      deadlineMin: 3,
      window: 2,
      settle: 0.5,
      chatMap: 960,
      chatBots: 49, // one per lattice point (7 x 7 on 960 tiles, every 144)
      chatWindow: 64, // 3136 lines in flight: enough to saturate a 50 ms tick pipeline
      ladder: [{ bots: 150, seconds: 2 }],
      ladderSystems: ['dist1', 'peer'],
      chatSystems: ['ceiling', 'embedded', 'dist1', 'peer'],
      storm: { seconds: 2, concurrency: 600 },
      idleOne: 2000,
      idleMany: null,
      tickMap: 960,
      tickStages: [{ bots: 300, seconds: 2 }],
    }
  : {
      deadlineMin: 45,
      window: 15,
      settle: 3,
      chatMap: 1920,
      chatBots: 169, // one per lattice point (13 x 13 on 1920 tiles, every 144: nobody sees anybody)
      chatWindow: 48, // 8112 lines in flight: enough to saturate the pipeline (fewer leaves it waiting on the 50 ms tick)
      ladder: [
        { bots: 250, seconds: 15 },
        { bots: 500, seconds: 15 },
        { bots: 750, seconds: 15 },
        { bots: 1000, seconds: 15 },
        { bots: 1500, seconds: 15 },
        { bots: 2000, seconds: 15 },
      ],
      ladderSystems: ['embedded', 'dist1', 'dist2', 'peer'],
      chatSystems: ['ceiling', 'embedded', 'dist1', 'dist2', 'peer'],
      storm: { seconds: 15, concurrency: 1500 },
      idleOne: 15000,
      idleMany: { gateways: 4, perGateway: 12500 },
      tickMap: 1920,
      tickStages: [
        { bots: 1000, seconds: 20 },
        { bots: 2000, seconds: 20 },
        { bots: 5000, seconds: 20 },
      ],
    };

// --chat-window N: lines in flight per bot in the chat scenario (experiments).
const windowArg = argv.find((a) => a.startsWith('--chat-window='))?.slice(14);
if (windowArg) P.chatWindow = Number(windowArg);
const wanted = (name) => !ONLY || ONLY.has(name);
const say = (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- processes ------------------------------------------------------------------------------

const children = new Set();

function killAll(signal = 'SIGKILL') {
  for (const c of children) {
    try {
      process.kill(c.pid, signal);
    } catch {
      // gone
    }
  }
}
process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    say(`${sig}: stopping everything`);
    killAll('SIGKILL');
    process.exit(130);
  });
}
const deadline = setTimeout(() => {
  say(`global deadline (${P.deadlineMin} min) passed: stopping everything`);
  killAll('SIGKILL');
  process.exit(3);
}, P.deadlineMin * 60_000);
deadline.unref();

/** A node process with its output in a log file under TMP. */
function startNode(name, script, args, env) {
  const log = path.join(TMP, `${name}.log`);
  const fd = fs.openSync(log, 'a');
  const flags = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(TMP, 'prof', profileLabel, name)}`] : [];
  const child = spawn(process.execPath, [...flags, script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const proc = { name, child, pid: child.pid, log, exited: false };
  children.add(child);
  child.once('exit', (code, signal) => {
    proc.exited = true;
    proc.exit = { code, signal };
    children.delete(child);
  });
  return proc;
}

async function stopProcs(procs) {
  for (const p of procs) if (!p.exited) p.child.kill('SIGTERM');
  const until = Date.now() + 8000;
  while (procs.some((p) => !p.exited) && Date.now() < until) await sleep(50);
  for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
  while (procs.some((p) => !p.exited)) await sleep(20);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

async function waitFor(what, check, timeoutMs = 20000, procs = []) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const dead = procs.find((p) => p.exited);
    if (dead) throw new Error(`${dead.name} exited (${JSON.stringify(dead.exit)}): ${tail(dead.log)}`);
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what}: not ready within ${timeoutMs} ms`);
}

const tail = (file) => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-6).join('\n');
  } catch {
    return '';
  }
};

function canConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Redis and NATS server processes (their CPU counts too in the distributed rows). */
function infraPids() {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (/redis-server\S*\s+\S*:6379\b/.test(cmd) || /redis-server.*\b6379\b/.test(cmd)) found.push({ name: 'redis', pid: Number(entry) });
    else if (/nats-server/.test(cmd) && /-p 4222\b|:4222\b/.test(cmd)) found.push({ name: 'nats', pid: Number(entry) });
  }
  return found;
}

// --- systems --------------------------------------------------------------------------------

const COMMON_ENV = { HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_TOKEN };

function mapFile(side) {
  const file = path.join(TMP, `map-${side}.json`);
  if (fs.existsSync(file)) return file;
  // Grass everywhere inside a one-tile wall, spawn in the middle: the built-in map, bigger.
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, `{"width":${side},"height":${side},"spawn":{"x":${side / 2 - 4},"y":${side / 2 - 4}},"data":[`);
  const row = (y) => {
    const cells = new Array(side);
    for (let x = 0; x < side; x++) cells[x] = x === 0 || y === 0 || x === side - 1 || y === side - 1 ? 2 : 1;
    return cells.join(',');
  };
  for (let y = 0; y < side; y++) fs.writeSync(out, (y ? ',' : '') + row(y));
  const collisions = [];
  for (let i = 0; i < side; i++) collisions.push(i, (side - 1) * side + i, i * side, i * side + side - 1);
  fs.writeSync(out, `],"collisions":[${collisions.join(',')}]}`);
  fs.closeSync(out);
  return file;
}

/**
 * The control tick: the shard's TickLoop with a fixed 1 ms of CPU per tick, in its own process
 * for the whole run (bench/control-tick.js). Started first, so it calibrates on a quiet machine.
 */
let control = null;
async function startControl() {
  const port = await freePort();
  const p = startNode('control', 'bench/control-tick.js', [], { PORT: String(port), TICK_MS: String(TICK_MS), CONTROL_WORK_MS: '1' });
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitFor('control tick', async () => (await get(url)).status === 200, 10000, [p]);
  return { name: 'control', url };
}

async function startEcho() {
  const port = await freePort();
  const p = startNode('echo', 'bench/echo-server.js', [], { PORT: String(port) });
  await waitFor('echo server', () => canConnect(port), 10000, [p]);
  return { name: 'ceiling', procs: [p], urls: [`ws://127.0.0.1:${port}/ws`], pids: [{ name: 'echo', pid: p.pid }], protocol: 'echo' };
}

async function startEmbedded(env) {
  const port = await freePort();
  const adminPort = await freePort();
  const p = startNode('embedded', 'services/embedded/dist/bin.js', [], { ...COMMON_ENV, ...env, PORT: String(port), ADMIN_PORT: String(adminPort) });
  const admin = `http://127.0.0.1:${adminPort}`;
  await waitFor('embedded', async () => (await get(`${admin}/readyz`)).status === 200, 20000, [p]);
  return {
    name: 'embedded',
    procs: [p],
    urls: [`ws://127.0.0.1:${port}/ws`],
    pids: [{ name: 'embedded', pid: p.pid }],
    admin,
    scrape: [{ name: 'embedded', url: `${admin}/metrics` }],
    protocol: 'kaetram',
  };
}

async function startDistributed({ gateways, shards, env = {}, shardEnv = {}, gatewayEnv = {} }) {
  const id = crypto.randomBytes(4).toString('hex');
  const base = { ...COMMON_ENV, ...env, NATS_URL, BUS_PREFIX: `bench${id}` };
  const procs = [];
  const pids = [];
  const scrape = [];
  const shardAdmins = [];
  for (let s = 1; s <= shards; s++) {
    const adminPort = await freePort();
    const p = startNode(`shard${s}`, 'services/shard/dist/bin.js', [], { ...base, ...shardEnv, SHARD_ID: String(s), ADMIN_PORT: String(adminPort) });
    procs.push(p);
    pids.push({ name: `shard${s}`, pid: p.pid });
    scrape.push({ name: `shard${s}`, url: `http://127.0.0.1:${adminPort}/metrics` });
    shardAdmins.push(`http://127.0.0.1:${adminPort}`);
  }
  for (const a of shardAdmins) await waitFor('shard', async () => (await get(`${a}/readyz`)).status === 200, 20000, procs);
  const urls = [];
  const admins = [];
  for (let g = 1; g <= gateways; g++) {
    const port = await freePort();
    const adminPort = await freePort();
    const p = startNode(`gateway${g}`, 'services/gateway/dist/bin.js', [], {
      ...base,
      ...gatewayEnv,
      REDIS_URL,
      REDIS_PREFIX: `bench${id}:`,
      GATEWAY_ID: String(g),
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
    });
    procs.push(p);
    pids.push({ name: `gateway${g}`, pid: p.pid });
    scrape.push({ name: `gateway${g}`, url: `http://127.0.0.1:${adminPort}/metrics` });
    urls.push(`ws://127.0.0.1:${port}/ws`);
    admins.push(`http://127.0.0.1:${adminPort}`);
  }
  for (const a of admins) await waitFor('gateway', async () => (await get(`${a}/readyz`)).status === 200, 20000, procs);
  return { name: `dist${shards}`, procs, urls, pids: [...pids, ...infraPids()], admin: admins[0], admins, scrape, protocol: 'kaetram' };
}

async function startPeer(env) {
  const id = crypto.randomBytes(4).toString('hex');
  const procs = [];
  const urls = [];
  const ports = [];
  for (let n = 1; n <= 2; n++) {
    const port = await freePort();
    ports.push(port);
    procs.push(startNode(`peer${n}`, 'bench/socketio-peer/server.js', [], { ...env, PORT: String(port), NODE_ID: String(n), REDIS_URL, REDIS_PREFIX: `sio${id}` }));
    urls.push(`ws://127.0.0.1:${port}/ws`);
  }
  for (const port of ports) await waitFor('peer', () => canConnect(port), 15000, procs);
  const pids = [...procs.map((p) => ({ name: p.name, pid: p.pid })), ...infraPids().filter((p) => p.name === 'redis')];
  return { name: 'peer', procs, urls, pids, protocol: 'socketio' };
}

async function startSystem(name, opts) {
  const { shardEnv = {}, gatewayEnv = {}, peerEnv = {} } = opts;
  if (name === 'ceiling') return startEcho();
  if (name === 'embedded') return startEmbedded({ ...shardEnv, ...gatewayEnv });
  if (name === 'dist1') return startDistributed({ gateways: 2, shards: 1, shardEnv, gatewayEnv });
  if (name === 'dist2') return startDistributed({ gateways: 2, shards: 2, shardEnv, gatewayEnv });
  if (name === 'peer') return startPeer(peerEnv);
  throw new Error(`unknown system ${name}`);
}

// --- the loadgen ----------------------------------------------------------------------------

let sourceBlock = 0;
/** A fresh /16 of source addresses per loadgen run: no address is reused across runs. */
function nextSources(blocks = 1) {
  const first = 16 + sourceBlock;
  sourceBlock += blocks;
  return Array.from({ length: blocks }, (_, i) => `127.${first + i}.0.0/16`).join(',');
}

function runLoadgen(name, args, { timeoutMs = 600_000, onReady } = {}) {
  return new Promise((resolve, reject) => {
    const out = path.join(OUT, `${PREFIX}${name}.json`);
    const child = spawn(process.execPath, [LOADGEN, ...args, '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      let nl;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        try {
          const msg = JSON.parse(line);
          if (msg.event === 'ready' && onReady) onReady(msg, child);
        } catch {
          // not ours
        }
      }
    });
    child.stderr.on('data', (c) => process.stderr.write(String(c).replace(/^\[loadgen\]/gm, `  [${name}]`)));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (code !== 0) return reject(new Error(`loadgen ${name} exited ${code}`));
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')));
    });
  });
}

const pidArg = (pids) => pids.map((p) => `${p.name}=${p.pid}`).join(',');
// Every window also scrapes the control tick (bench/control-tick.js), when it runs.
const scrapeArg = (sys) => [...(sys.scrape ?? []), ...(control ? [control] : [])].map((s) => `${s.name}=${s.url}`).join(',');

function playArgs(sys, extra) {
  const args = ['--url', sys.urls.join(','), '--protocol', sys.protocol, '--server-pids', pidArg(sys.pids), '--settle', String(P.settle), '--quiet'];
  if (scrapeArg(sys)) args.push('--scrape', scrapeArg(sys));
  if (sys.admin) args.push('--admin-url', sys.admin, '--admin-token', ADMIN_TOKEN);
  if (sys.protocol === 'socketio') args.push('--spread-via', 'socketio');
  return [...args, ...extra];
}

// --- scenarios ------------------------------------------------------------------------------

const summary = { date: new Date().toISOString(), quick: QUICK, command: `${process.env.BUS_FLUSH_MS ? `BUS_FLUSH_MS=${process.env.BUS_FLUSH_MS} ` : ''}npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`, machine: {}, results: {}, skipped: [], notes: [] };

function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    nproc: sh('nproc', []),
    cpu: os.cpus()[0]?.model ?? '?',
    memory: sh('free', ['-g']),
    node: process.version,
    kernel: sh('uname', ['-r']),
    date: sh('date', ['-u']),
    nofile: sh('sh', ['-c', 'ulimit -n']),
  };
}

async function withSystem(name, opts, body, label = name) {
  say(`starting ${name}`);
  let sys;
  profileLabel = label;
  try {
    sys = await startSystem(name, opts);
    return await body(sys);
  } finally {
    if (sys) await stopProcs(sys.procs);
    if (PROFILE) writeProfiles(label);
  }
}

function writeProfiles(label) {
  const { topFrames } = require('../bench/profile-top.js');
  const dir = path.join(TMP, 'prof', label);
  if (!fs.existsSync(dir)) return;
  for (const proc of fs.readdirSync(dir)) {
    for (const file of fs.readdirSync(path.join(dir, proc)).filter((f) => f.endsWith('.cpuprofile'))) {
      const out = path.join(OUT, `${PREFIX}profile-${label}-${proc}.txt`);
      fs.writeFileSync(out, topFrames(path.join(dir, proc, file), 30) + '\n');
      say(`profile: ${path.relative(ROOT, out)}`);
    }
  }
}

/**
 * Chat round trips: closed loop (the maximum), then open loop at half of it, then at a tenth
 * (light: where the CPUs are mostly idle, so the round trip shows the pipeline, not the queue
 * for a core shared with the generator).
 */
async function chatScenario(name) {
  const lattice = `lattice:144`;
  const chatCommon = () => ['--bots', String(P.chatBots), '--duration', String(P.window), '--move-rate', '0', '--map-size', String(P.chatMap), '--sources', nextSources(), '--connect-rate', '150'];
  const maxArgs = ['--chat-window', String(P.chatWindow), '--chat-max-rate', '0', '--chat-timeout', '1000'];
  // The machine's capacity drifts within a run (other tenants): for the systems whose ratio is
  // a target, the ceiling's maximum is measured again right before theirs (adjacent minutes).
  const adjacentCeiling =
    name !== 'dist1' && name !== 'dist2'
      ? null
      : await withSystem('ceiling', {}, async (sys) => {
          const r = await runLoadgen(`chat-max-ceiling-before-${name}`, playArgs(sys, [...chatCommon(), ...maxArgs]));
          return r.stages[0]?.chat.rtPerSec ?? null;
        }, `chat-ceiling-before-${name}`);
  const common = chatCommon();
  const spread = name === 'ceiling' ? [] : ['--spread', lattice];
  const opts = {
    // MESSAGE_LIMIT raised for this scenario only: dozens of lines in flight per bot exceed 300 frames/s.
    gatewayEnv: { MESSAGE_LIMIT: '100000', MAX_PLAYERS: '100000' },
    shardEnv: { MAP_FILE: mapFile(P.chatMap), MAX_PLAYERS: '100000' },
    peerEnv: { MAP_SIZE: String(P.chatMap), SPAWN_X: String(P.chatMap / 2 - 4), SPAWN_Y: String(P.chatMap / 2 - 4) },
  };
  return withSystem(name, opts, async (sys) => {
    const max = await runLoadgen(`chat-max-${name}`, playArgs(sys, [...common, ...spread, ...maxArgs]));
    const rt = max.stages[0]?.chat.rtPerSec ?? 0;
    const perBot = Math.max(0.01, rt / 2 / P.chatBots);
    // Fresh sources: the previous run's addresses are still within CONNECT_INTERVAL_MS.
    common[common.indexOf('--sources') + 1] = nextSources();
    const half = await runLoadgen(`chat-half-${name}`, playArgs(sys, [...common, ...spread, '--chat-rate', perBot.toFixed(3)]));
    common[common.indexOf('--sources') + 1] = nextSources();
    const lightPerBot = Math.max(0.01, rt / 10 / P.chatBots);
    const light = await runLoadgen(`chat-light-${name}`, playArgs(sys, [...common, ...spread, '--chat-rate', lightPerBot.toFixed(3)]));
    return { max: compact(max), half: compact(half), light: compact(light), offeredHalfPerSec: Math.round(perBot * P.chatBots), adjacentCeilingRtPerSec: adjacentCeiling };
  }, `chat-${name}`);
}

/** Game traffic (random walk, chat 0.2/s) on the built-in 480-tile map, bots added in stages. */
async function ladderScenario(name) {
  const stages = P.ladder.map((s) => `${s.bots}:${s.seconds}`).join(',');
  const opts = { gatewayEnv: { MAX_PLAYERS: '100000' }, shardEnv: { MAX_PLAYERS: '100000' }, peerEnv: {} };
  return withSystem(name, opts, async (sys) => {
    const r = await runLoadgen(
      `ladder-${name}`,
      playArgs(sys, ['--stages', stages, '--chat-rate', '0.2', '--move-rate', '2', '--map-size', '480', '--spread', 'uniform', '--sources', nextSources(), '--connect-rate', '150', '--spread-rate', '200', '--join-timeout', '90']),
    );
    return compact(r);
  }, `ladder-${name}`);
}

/** Connect+close storm against one distributed gateway, every connection from a new address. */
async function stormScenario() {
  return withSystem('dist1', { shardEnv: { MAX_PLAYERS: '100000' } }, async (sys) => {
    const g1 = { ...sys, urls: [sys.urls[0]], scrape: sys.scrape.filter((s) => s.name !== 'gateway2') };
    const r = await runLoadgen('admissions-storm', [
      '--url', g1.urls[0], '--mode', 'storm', '--duration', String(P.storm.seconds), '--concurrency', String(P.storm.concurrency),
      '--connect-rate', '100000', '--max-connecting', String(P.storm.concurrency), '--sources', nextSources(4),
      '--server-pids', pidArg(sys.pids), '--scrape', scrapeArg(g1), '--quiet',
    ]);
    return r.storm;
  }, 'storm');
}

/**
 * Gateway RSS per idle, handshaken connection: VmRSS before, after a third of the
 * connections and after all of them. The average (growth / N) carries the process's fixed
 * growth (V8's young generation and code space expand under the connect burst); the
 * marginal cost is the slope between the two points.
 */
async function idleScenario(label, gateways, perGateway) {
  const shardEnv = { MAX_PLAYERS: '200000' };
  return withSystem(`dist1`, { shardEnv }, async (base) => {
    // Extra gateways beyond the two the distributed system starts with.
    const extra = [];
    let sys = base;
    if (gateways > 2) {
      const more = await startDistributedGateways(base, gateways - 2);
      extra.push(...more.procs);
      sys = { ...base, urls: [...base.urls, ...more.urls], pids: [...base.pids, ...more.pids] };
    }
    const live = [];
    try {
      const gws = sys.pids.filter((p) => p.name.startsWith('gateway')).slice(0, gateways);
      const shard = sys.pids.find((p) => p.name === 'shard1');
      const measure = () => Object.fromEntries([...gws, shard].map((p) => [p.name, rssKiB(p.pid)]));
      await sleep(1000);
      const before = measure();
      const first = Math.round(perGateway / 3);
      const points = [];
      let handshaken = 0;
      let failed = 0;
      let connectSeconds = 0;
      for (const [step, count] of [[1, first], [2, perGateway - first]]) {
        const ready = [];
        const runs = gws.map((_, g) =>
          runLoadgen(`${label}-step${step}-gw${g + 1}`, [
            '--url', sys.urls[g], '--mode', 'idle', '--bots', String(count), '--duration', '900',
            '--sources', nextSources(), '--connect-rate', '1500', '--max-connecting', '256', '--join-timeout', '180', '--quiet',
          ], { onReady: (msg, child) => ready.push({ msg, child }) }),
        );
        live.push(...runs);
        await waitFor('idle connections', async () => ready.length === gws.length, 240000);
        await sleep(3000);
        handshaken += ready.reduce((n, r) => n + r.msg.handshaken, 0);
        failed += ready.reduce((n, r) => n + r.msg.failed, 0);
        connectSeconds += Math.max(...ready.map((r) => r.msg.connectSeconds));
        points.push({ connections: handshaken, rssKiB: measure(), stop: () => ready.forEach((r) => r.child.kill('SIGTERM')) });
      }
      const after = points[1].rssKiB;
      for (const p of points) p.stop();
      await Promise.allSettled(live);
      const sumG = (o) => gws.reduce((n, p) => n + o[p.name], 0);
      const slope = (sumG(after) - sumG(points[0].rssKiB)) / (points[1].connections - points[0].connections);
      return {
        label,
        gateways,
        generators: gws.length * 2,
        wanted: perGateway * gateways,
        handshaken,
        failed,
        rssBeforeKiB: before,
        rssAtThirdKiB: points[0].rssKiB,
        connectionsAtThird: points[0].connections,
        rssAfterKiB: after,
        gatewayKiBPerConnection: handshaken > 0 ? +((sumG(after) - sumG(before)) / handshaken).toFixed(3) : null,
        gatewayMarginalKiBPerConnection: Number.isFinite(slope) ? +slope.toFixed(3) : null,
        shardKiBPerConnection: handshaken > 0 ? +((after.shard1 - before.shard1) / handshaken).toFixed(3) : null,
        connectSeconds: +connectSeconds.toFixed(2),
      };
    } finally {
      await stopProcs(extra);
    }
  }, label);
}

async function startDistributedGateways(base, count) {
  // Same bus and Redis namespace as the running system: read them from its first gateway's env.
  const env = readEnv(base.procs.find((p) => p.name === 'gateway1').pid);
  const procs = [];
  const urls = [];
  const pids = [];
  for (let g = 0; g < count; g++) {
    const port = await freePort();
    const adminPort = await freePort();
    const n = 3 + g;
    const p = startNode(`gateway${n}`, 'services/gateway/dist/bin.js', [], { ...env, GATEWAY_ID: String(n), PORT: String(port), ADMIN_PORT: String(adminPort) });
    procs.push(p);
    urls.push(`ws://127.0.0.1:${port}/ws`);
    pids.push({ name: `gateway${n}`, pid: p.pid });
    await waitFor('gateway', async () => (await get(`http://127.0.0.1:${adminPort}/readyz`)).status === 200, 20000, [p]);
  }
  return { procs, urls, pids };
}

function readEnv(pid) {
  const env = {};
  for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

function rssKiB(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

/** The bare echo server's RSS per idle connection, for reference. */
async function idleEchoScenario(n) {
  return withSystem('ceiling', {}, async (sys) => {
    const pid = sys.pids[0].pid;
    await sleep(500);
    const before = rssKiB(pid);
    let ready;
    const run = runLoadgen('idle-echo', ['--url', sys.urls[0], '--protocol', 'echo', '--mode', 'idle', '--bots', String(n), '--duration', '600', '--sources', nextSources(), '--connect-rate', '1500', '--quiet'], {
      onReady: (msg, child) => (ready = { msg, child }),
    });
    await waitFor('idle echo', async () => ready !== undefined, 120000);
    await sleep(3000);
    const after = rssKiB(pid);
    ready.child.kill('SIGTERM');
    await run.catch(() => undefined);
    return { connections: ready.msg.handshaken, rssBeforeKiB: before, rssAfterKiB: after, kiBPerConnection: +((after - before) / ready.msg.handshaken).toFixed(3) };
  });
}

/** Shard tick at 1k/2k/5k players spread over a big map (admin teleports), 20 Hz. */
async function tickScenario() {
  const stages = P.tickStages.map((s) => `${s.bots}:${s.seconds}`).join(',');
  const opts = { shardEnv: { MAP_FILE: mapFile(P.tickMap), MAX_PLAYERS: '100000', TICK_MS: String(TICK_MS) }, gatewayEnv: {} };
  return withSystem('dist1', opts, async (sys) => {
    const r = await runLoadgen(
      'tick',
      playArgs(sys, ['--stages', stages, '--chat-rate', '0.2', '--move-rate', '2', '--map-size', String(P.tickMap), '--spread', 'uniform', '--sources', nextSources(), '--connect-rate', '150', '--spread-rate', '200', '--join-timeout', '120']),
    );
    return compact(r);
  }, 'tick');
}

/** What the summary keeps of a loadgen result (no histograms, no timelines). */
function compact(r) {
  return {
    stages: r.stages.map((s) => ({
      bots: s.bots,
      joined: s.joinedAtEnd,
      seconds: s.seconds,
      sentPerSec: s.sentPerSec,
      packetsPerSec: s.packetsPerSec,
      framesPerSec: s.framesPerSec,
      chat: { rtPerSec: s.chat.rtPerSec, sent: s.chat.sent, received: s.chat.received, lost: s.chat.lost, ...s.chat.latencyMs },
      cpu: s.cpu,
      generatorLoopDelayMs: s.generatorLoopDelayMs,
      scrape: Object.fromEntries(Object.entries(s.scrape).map(([k, v]) => [k, { ...v, tickBuckets: undefined }])),
    })),
    closeReasons: r.closeReasons,
  };
}

// --- summary --------------------------------------------------------------------------------

const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));
/** A system's maximum against the adjacent ceiling measurement and against the ceiling row. */
const ratioCell = (rt, adjacent, first) => {
  const pct = (base) => (rt && base ? `${fmt((rt / base) * 100, 1)} %` : '-');
  return adjacent ? `${pct(adjacent)} (${pct(first)})` : pct(first);
};
/** The control tick's p99 duration and lag over a window (its work is a fixed 1 ms). */
const controlCell = (st) => {
  const c = st?.scrape?.control;
  return c && c.tickP99Ms !== undefined && c.tickP99Ms !== null ? `${fmt(c.tickP99Ms, 1)} / ${fmt(c.tickLagP99Ms, 1)}` : '-';
};
const cpuCell = (cpu) => [`gen ${fmt(cpu.generator)}`, ...Object.entries(cpu.servers).map(([k, v]) => `${k} ${fmt(v.cpuPct)}`)].join(', ');

function summarize() {
  const R = summary.results;
  const md = [];
  md.push(`# shardgate benchmarks${QUICK ? ' (quick smoke run)' : ''}`, '');
  md.push(`Command: \`${summary.command}\` · started ${summary.date}`, '');
  md.push('Machine:', '', '```', `nproc: ${summary.machine.nproc} (${summary.machine.cpu})`, summary.machine.memory, `node ${summary.machine.node}, kernel ${summary.machine.kernel}, ulimit -n ${summary.machine.nofile}`, `date -u: ${summary.machine.date}`, '```', '');
  const targets = [];
  if (R.chat) {
    md.push('## Chat round trips', '', `Closed loop: ${P.chatBots} bots, ${P.chatWindow} lines in flight each, one bot per lattice point every 144 tiles on a ${P.chatMap}-tile map (nobody sees anybody: each line reaches only its sender). Then open loop at half that rate. ${P.window} s windows. "vs ceiling": for dist1 and dist2 against the ceiling's maximum measured right before theirs (adjacent), in brackets against the ceiling row (first); the others against the ceiling row.`, '');
    md.push('| system | bots joined | max chat RT/s | p50 ms | p99 ms | lost | vs ceiling: adjacent (first) | half-load offered/s | half-load RT/s | half p50 ms | half p99 ms | half lost | shard tick p99 ms (max / half) | tick lag p99 ms (half) | control tick / lag p99 ms (half) | generator loop delay p99 ms (half) | light RT/s | light p50 ms | light p99 ms | CPU % at max (one core = 100) | CPU % at half |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    const ceiling = R.chat.ceiling?.max.stages[0]?.chat.rtPerSec;
    for (const [name, r] of Object.entries(R.chat)) {
      if (r.error) {
        md.push(`| ${name} | error: ${r.error} |||||||||`);
        continue;
      }
      const m = r.max.stages[0];
      const h = r.half.stages[0];
      const shards = (st) => Object.entries(st?.scrape ?? {}).filter(([k]) => k !== 'control').map(([, v]) => v);
      const tick = (st) => {
        const t = shards(st).filter((x) => x.tickP99Ms !== undefined && x.tickP99Ms !== null);
        return t.length ? t.map((x) => fmt(x.tickP99Ms, 1)).join('+') : '-';
      };
      const lag = (st) => {
        const t = shards(st).filter((x) => x.tickLagP99Ms !== undefined && x.tickLagP99Ms !== null);
        return t.length ? t.map((x) => fmt(x.tickLagP99Ms, 1)).join('+') : '-';
      };
      const l = r.light?.stages[0];
      md.push(`| ${name} | ${m?.joined}/${m?.bots} | ${fmt(m?.chat.rtPerSec)} | ${fmt(m?.chat.p50, 1)} | ${fmt(m?.chat.p99, 1)} | ${fmt(m?.chat.lost)} | ${ratioCell(m?.chat.rtPerSec, r.adjacentCeilingRtPerSec, ceiling)} | ${fmt(r.offeredHalfPerSec)} | ${fmt(h?.chat.rtPerSec)} | ${fmt(h?.chat.p50, 1)} | ${fmt(h?.chat.p99, 1)} | ${fmt(h?.chat.lost)} | ${tick(m)} / ${tick(h)} | ${lag(h)} | ${controlCell(h)} | ${fmt(h?.generatorLoopDelayMs?.p99, 1)} | ${fmt(l?.chat.rtPerSec)} | ${fmt(l?.chat.p50, 1)} | ${fmt(l?.chat.p99, 1)} | ${m ? cpuCell(m.cpu) : '-'} | ${h ? cpuCell(h.cpu) : '-'} |`);
    }
    md.push('');
    for (const d of ['dist1', 'dist2']) {
      const r = R.chat[d];
      const base = r?.adjacentCeilingRtPerSec ?? ceiling;
      if (!r || r.error || !base) continue;
      const ratio = r.max.stages[0].chat.rtPerSec / base;
      const which = r.adjacentCeilingRtPerSec ? `adjacent ceiling ${fmt(base)}/s` : `ceiling row ${fmt(base)}/s`;
      targets.push([`distributed (${d === 'dist1' ? '2 gateways, 1 shard' : '2 gateways, 2 shards'}) chat RT/s vs ceiling`, '>= 60 %', `${fmt(ratio * 100, 1)} % (${which})`, ratio >= 0.6]);
      const p99 = r.half.stages[0].chat.p99;
      targets.push([`p99 RTT at half max load (${d})`, `<= ${TICK_MS + 10} ms`, `${fmt(p99, 1)} ms`, p99 !== null && p99 <= TICK_MS + 10]);
    }
  }
  if (R.ladder) {
    md.push('## Game traffic: delivered packets per second', '', `Random walk at 2 steps/s and chat at 0.2/s per bot, bots spread uniformly over the built-in 480-tile map (admin teleports; the peer's teleport event), added in stages of ${P.ladder[0].seconds} s windows.`, '');
    md.push('| system | bots | delivered packets/s | frames/s | sent/s | chat p50 ms | chat p99 ms | lost | CPU % |', '|---|---|---|---|---|---|---|---|---|');
    for (const [name, r] of Object.entries(R.ladder)) {
      if (r.error) {
        md.push(`| ${name} | error: ${r.error} ||||||||`);
        continue;
      }
      for (const s of r.stages) md.push(`| ${name} | ${s.joined}/${s.bots} | ${fmt(s.packetsPerSec)} | ${fmt(s.framesPerSec)} | ${fmt(s.sentPerSec)} | ${fmt(s.chat.p50, 1)} | ${fmt(s.chat.p99, 1)} | ${s.chat.lost} | ${cpuCell(s.cpu)} |`);
    }
    md.push('');
    const best = (r, limit) => Math.max(0, ...((r && !r.error ? r.stages : []).filter((s) => s.chat.p99 !== null && s.chat.p99 <= limit && s.chat.lost === 0).map((s) => s.packetsPerSec)));
    // Delivered packets/s where the chat p99 crosses L, interpolated linearly between the last
    // stage under L and the first over it; a system never over L gives its last stage (a lower bound).
    const atP99 = (r, limit) => {
      const stages = r && !r.error ? r.stages.filter((s) => s.chat.p99 !== null) : [];
      for (let i = 0; i < stages.length; i++) {
        const s = stages[i];
        if (s.chat.p99 <= limit) continue;
        if (i === 0) return { value: null, bound: false };
        const p = stages[i - 1];
        const f = (limit - p.chat.p99) / (s.chat.p99 - p.chat.p99);
        return { value: p.packetsPerSec + f * (s.packetsPerSec - p.packetsPerSec), bound: false };
      }
      return { value: stages.length ? stages[stages.length - 1].packetsPerSec : null, bound: true };
    };
    const L = 100;
    summary.equalP99 = { limitMs: L, systems: {} };
    const peer = best(R.ladder.peer, L);
    const peerAt = atP99(R.ladder.peer, L);
    for (const [name, r] of Object.entries(R.ladder)) summary.equalP99.systems[name] = { bestStage: best(r, L), interpolated: atP99(r, L) };
    md.push(`At equal p99 (${L} ms): delivered packets/s where each system's chat p99 reaches ${L} ms, interpolated between stages (">=" when a system never reached it: its last stage).`, '');
    md.push('| system | best stage with p99 <= 100 ms | interpolated at p99 = 100 ms | vs socket.io (interpolated) |', '|---|---|---|---|');
    for (const [name, r] of Object.entries(R.ladder)) {
      if (r.error) continue;
      const at = atP99(r, L);
      const ratio = at.value && peerAt.value ? at.value / peerAt.value : null;
      md.push(`| ${name} | ${fmt(best(r, L))} | ${at.bound ? '>= ' : ''}${fmt(at.value)} | ${ratio === null ? '-' : (at.bound ? '>= ' : '') + fmt(ratio, 2) + 'x'} |`);
    }
    md.push('');
    for (const d of ['dist1', 'dist2', 'embedded']) {
      if (!R.ladder[d] || R.ladder[d].error || !R.ladder.peer) continue;
      const mine = atP99(R.ladder[d], L);
      const ratio = mine.value && peerAt.value ? mine.value / peerAt.value : null;
      const bestRatio = peer > 0 ? best(R.ladder[d], L) / peer : null;
      targets.push([
        `delivered packets/s vs socket.io at equal p99 (${L} ms) (${d}${d === 'dist2' ? ': two worlds, half the density' : ''})`,
        '>= 5x',
        ratio === null ? '-' : `${mine.bound ? '>= ' : ''}${fmt(ratio, 2)}x interpolated (${fmt(mine.value)} vs ${fmt(peerAt.value)}); best stages ${fmt(bestRatio, 2)}x`,
        ratio !== null && ratio >= 5,
      ]);
    }
  }
  if (R.storm) {
    const s = R.storm;
    md.push('## Admissions through Redis per-IP checks', '', `Connect+close storm against ONE distributed gateway (2 gateways, 1 shard running), ${P.storm.concurrency} connections in flight, every address used at most once per 5.1 s (CONNECT_INTERVAL_MS stays 5000), ${s.seconds} s.`, '');
    const g = s.scrape?.gateway1 ?? {};
    md.push('| decisions/s (gateway metric) | admitted/s (client saw [[0,null]]) | attempts/s | cycle p50 ms | cycle p99 ms | refused | errors | CPU % |', '|---|---|---|---|---|---|---|---|');
    md.push(`| ${fmt(g.admissionsPerSec)} | ${fmt(s.admittedPerSec)} | ${fmt(s.attemptsPerSec)} | ${fmt(s.cycleMs.p50, 1)} | ${fmt(s.cycleMs.p99, 1)} | ${JSON.stringify(g.refused ?? s.refused)} | ${JSON.stringify(s.errors)} | ${cpuCell(s.cpu)} |`, '');
    targets.push(['admissions/s per gateway with Redis checks', '>= 5000', fmt(g.admissionsPerSec), (g.admissionsPerSec ?? 0) >= 5000]);
  }
  if (R.idle || R.idleMany || R.idleEcho) {
    md.push('## Memory per idle connection', '', 'WebSocket upgraded and Kaetram handshake answered, then idle (pings answered). VmRSS of the gateway process(es) before and after. A process may hold at most 20,000 open files on this machine (hard limit), so one gateway is measured at 15k and larger totals use several gateway and generator processes.', '');
    md.push('| what | connections | processes | RSS before KiB | RSS at a third KiB | RSS after KiB | KiB per connection (growth / N) | marginal KiB per connection (slope) |', '|---|---|---|---|---|---|---|---|');
    if (R.idleEcho && !R.idleEcho.error) md.push(`| bare uWS echo (reference) | ${fmt(R.idleEcho.connections)} | 1 | ${fmt(R.idleEcho.rssBeforeKiB)} | - | ${fmt(R.idleEcho.rssAfterKiB)} | ${fmt(R.idleEcho.kiBPerConnection, 2)} | - |`);
    for (const [label, r] of [['one gateway', R.idle], ['several gateways', R.idleMany]]) {
      if (!r) continue;
      if (r.error) {
        md.push(`| ${label} | error: ${r.error} |||||`);
        continue;
      }
      const gsum = (o) => Object.entries(o).filter(([k]) => k.startsWith('gateway')).reduce((n, [, v]) => n + v, 0);
      md.push(`| ${label} | ${fmt(r.handshaken)} of ${fmt(r.wanted)} | ${r.gateways} gateway(s), ${r.generators} generator processes | ${fmt(gsum(r.rssBeforeKiB))} | ${fmt(gsum(r.rssAtThirdKiB))} (${fmt(r.connectionsAtThird)} conns) | ${fmt(gsum(r.rssAfterKiB))} | ${fmt(r.gatewayKiBPerConnection, 2)} | ${fmt(r.gatewayMarginalKiBPerConnection, 2)} |`);
      md.push(`| shard (same run, ${label}) | ${fmt(r.handshaken)} | 1 | ${fmt(r.rssBeforeKiB.shard1)} | ${fmt(r.rssAtThirdKiB.shard1)} | ${fmt(r.rssAfterKiB.shard1)} | ${fmt(r.shardKiBPerConnection, 2)} | - |`);
    }
    md.push('');
    const at = R.idleMany && !R.idleMany.error ? R.idleMany : R.idle;
    if (at && !at.error) targets.push([`gateway RSS per idle connection (${fmt(at.handshaken)} connections)`, '<= 4 KiB', `${fmt(at.gatewayKiBPerConnection, 2)} KiB`, at.gatewayKiBPerConnection <= 4]);
  }
  if (R.tick) {
    md.push('## Shard tick', '', `One shard (2 gateways), TICK_MS ${TICK_MS} (20 Hz), players spread uniformly over a ${P.tickMap}-tile map by admin teleports right after they join, random walk 2 steps/s, chat 0.2/s. p99 from the deltas of \`shardgate_shard_tick_duration_seconds\` buckets over each window (Prometheus histogram_quantile: linear inside a bucket, so a value between 5 and 10 ms means "in that bucket").`, '');
    md.push('| players | ticks | tick p50 ms | tick p99 ms | ticks <= 10 ms | overruns | tick lag p99 ms | control tick / lag p99 ms | delivered packets/s | chat p99 ms | CPU % |', '|---|---|---|---|---|---|---|---|---|---|---|');
    if (R.tick.error) md.push(`| error: ${R.tick.error} ||||||||`);
    else
      for (const s of R.tick.stages) {
        const t = s.scrape.shard1 ?? {};
        md.push(`| ${fmt(t.shardPlayers)} (${s.joined}/${s.bots} bots) | ${fmt(t.ticks)} | ${fmt(t.tickP50Ms, 2)} | ${fmt(t.tickP99Ms, 2)} | ${t.ticksUnder10ms === null || t.ticksUnder10ms === undefined ? '-' : fmt(t.ticksUnder10ms * 100, 2) + ' %'} | ${fmt(t.tickOverruns)} | ${fmt(t.tickLagP99Ms, 1)} | ${controlCell(s)} | ${fmt(s.packetsPerSec)} | ${fmt(s.chat.p99, 1)} | ${cpuCell(s.cpu)} |`);
      }
    md.push('');
    const at2k = R.tick.stages?.find((s) => s.bots === 2000);
    if (at2k) {
      const t = at2k.scrape.shard1 ?? {};
      targets.push(['shard tick p99 at 2000 players, 20 Hz', '< 10 ms', `${fmt(t.tickP99Ms, 2)} ms`, t.tickP99Ms !== null && t.tickP99Ms < 10]);
    }
  }
  if (targets.length > 0) {
    md.push('## Targets', '', '| target | goal | measured | |', '|---|---|---|---|');
    for (const [what, goal, got, ok] of targets) md.push(`| ${what} | ${goal} | ${got} | ${ok ? 'met' : 'MISSED'} |`);
    md.push('');
  }
  if (Object.keys(summary.commands ?? {}).length) {
    md.push('## Which command produced which rows', '', '| scenario | command (start time) |', '|---|---|');
    for (const [k, v] of Object.entries(summary.commands)) md.push(`| ${k} | ${v} |`);
    md.push('');
  }
  if (summary.skipped.length) md.push(`Skipped: ${summary.skipped.join('; ')}.`, '');
  for (const n of summary.notes) md.push(`- ${n}`);
  md.push('', `Took ${((Date.now() - started) / 1000).toFixed(0)} s. Ratios measured in the same run are what count: the machine's 2 cores are shared by the generator, the servers, Redis and NATS.`);
  summary.targets = targets.map(([what, goal, got, ok]) => ({ what, goal, got, met: ok }));
  fs.writeFileSync(path.join(OUT, `${PREFIX}summary.json`), JSON.stringify(summary, null, 1) + '\n');
  fs.writeFileSync(path.join(OUT, `${PREFIX}summary.md`), md.join('\n') + '\n');
  return md.join('\n');
}

async function attempt(key, fn) {
  try {
    return await fn();
  } catch (error) {
    say(`${key} failed: ${error.message}`);
    return { error: error.message.split('\n')[0] };
  }
}

async function main() {
  if (!fs.existsSync(LOADGEN)) throw new Error('services/loadgen/dist/cli.js is missing: run `npm run build` first');
  fs.mkdirSync(OUT, { recursive: true });
  summary.machine = machine();
  // --only / --systems: the day's summary keeps the other scenarios' results (and their commands).
  const previous = path.join(OUT, `${PREFIX}summary.json`);
  if ((ONLY || SYSTEMS) && fs.existsSync(previous)) {
    try {
      const old = JSON.parse(fs.readFileSync(previous, 'utf8'));
      summary.results = old.results ?? {};
      summary.commands = old.commands ?? Object.fromEntries(Object.entries(old.results ?? {}).flatMap(([k, v]) => (k === 'chat' || k === 'ladder' ? Object.keys(v).map((s) => [`${k} ${s}`, `${old.command} (${old.date})`]) : [[k, `${old.command} (${old.date})`]])));
    } catch {
      // a broken summary is simply replaced
    }
  }
  summary.commands ??= {};
  control = await startControl();
  summary.notes.push('Control tick (bench/control-tick.js): the shard\'s TickLoop in a process of its own for the whole run, with the same 1 ms of CPU work every tick (calibrated at start). Its tick p99 and lag p99 over each window show what the shared machine did to a tick whose work does not change; read a shard\'s tick figures next to it.');
  const infra = (await canConnect(6379)) && (await canConnect(4222));
  if (!infra) summary.skipped.push('distributed and peer scenarios: Redis 127.0.0.1:6379 or NATS 127.0.0.1:4222 not reachable');
  const needsInfra = (s) => s.startsWith('dist') || s === 'peer';
  summary.notes.push('Shardgate processes run with LOG_LEVEL=warn and an ADMIN_TOKEN (the bots are spread with POST /admin/teleport); per-IP limits stay at their defaults (16 per IP, CONNECT_INTERVAL_MS 5000): bots come from 127.x.y.z addresses, each connecting at most once per 5.1 s.');
  summary.notes.push(`The chat scenario raises MESSAGE_LIMIT to 100000 on the gateways (${P.chatWindow} lines in flight per bot exceed 300 frames/s); MAX_PLAYERS is raised where a scenario holds more than 1000 players on a shard.`);
  const R = summary.results;
  const R_ = (k) => (R[k] ??= {});
  if (wanted('chat')) {
    for (const s of P.chatSystems) {
      if ((needsInfra(s) && !infra) || (SYSTEMS && !SYSTEMS.has(s))) continue;
      R_('chat')[s] = await attempt(`chat ${s}`, () => chatScenario(s));
      summary.commands[`chat ${s}`] = `${summary.command} (${summary.date})`;
      summarize();
    }
  }
  if (wanted('ladder')) {
    for (const s of P.ladderSystems) {
      if ((needsInfra(s) && !infra) || (SYSTEMS && !SYSTEMS.has(s))) continue;
      R_('ladder')[s] = await attempt(`ladder ${s}`, () => ladderScenario(s));
      summary.commands[`ladder ${s}`] = `${summary.command} (${summary.date})`;
      summarize();
    }
  }
  if (wanted('storm') && infra) {
    R.storm = await attempt('storm', stormScenario);
    summary.commands.storm = `${summary.command} (${summary.date})`;
    summarize();
  }
  if (wanted('idle') && infra) {
    summary.commands.idle = `${summary.command} (${summary.date})`;
    R.idleEcho = await attempt('idle echo', () => idleEchoScenario(P.idleOne));
    R.idle = await attempt('idle one gateway', () => idleScenario('idle-one-gateway', 1, P.idleOne));
    if (P.idleMany) R.idleMany = await attempt('idle several gateways', () => idleScenario('idle-many', P.idleMany.gateways, P.idleMany.perGateway));
    summarize();
  }
  if (wanted('tick') && infra) {
    R.tick = await attempt('tick', tickScenario);
    summary.commands.tick = `${summary.command} (${summary.date})`;
    summarize();
  }
  const md = summarize();
  process.stdout.write(md + '\n');
  say(`results in ${path.relative(ROOT, OUT)}/${PREFIX}summary.md`);
}

main()
  .then(() => {
    // --keep-logs: the servers' logs (and profiles) stay in TMP for a look.
    if (argv.includes('--keep-logs')) say(`logs kept in ${TMP}`);
    else fs.rmSync(TMP, { recursive: true, force: true });
    process.exit(0);
  })
  .catch((error) => {
    say(`failed: ${error.stack || error}`);
    process.exit(1);
  });
