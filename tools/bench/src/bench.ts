// One bench run: its flags and sizes, where results and logs go, the systems it starts and
// the loadgen runs it makes, and the summary it fills in as scenarios finish.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '@shardgate/harness';
import type { SwarmResult } from '@shardgate/loadgen';
import type { BenchArgs, SystemName } from './args';
import type { Pid } from './infra';
import { runLoadgen, type LoadgenRun } from './loadgen';
import { topFrames } from './profile-top';
import { FULL, QUICK, type Sizes } from './sizes';
import type { Scenario } from './scenarios/scenario';
import { renderSummary, type Outcome, type Summary } from './summary';
import { startSystem, type Launch, type ScrapeTarget, type System, type SystemEnv } from './systems';

export const RESULTS_DIR = path.join(ROOT, 'tools', 'bench', 'results');

export class Bench {
  readonly started = Date.now();
  readonly sizes: Sizes;
  /** tools/bench/results/<date>[-<label>]/ */
  readonly out: string;
  /** `quick-` before every file of a --quick run. */
  readonly prefix: string;
  /** Logs and profiles of this run (removed at the end unless --keep-logs). */
  readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-bench-'));
  readonly adminToken = crypto.randomBytes(16).toString('hex');
  readonly redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
  readonly natsUrl = process.env.BENCH_NATS_URL || 'nats://127.0.0.1:4222';
  readonly summary: Summary;
  /** The control tick's /metrics, scraped in every window once it runs. */
  control: ScrapeTarget | null = null;
  private sourceBlock = 0;
  private readonly maps = new Map<number, string>();

  constructor(
    readonly args: BenchArgs,
    argv: readonly string[],
    /** In the order of the summary's sections. */
    private readonly scenarios: readonly Scenario[],
  ) {
    const base = args.quick ? QUICK : FULL;
    this.sizes = { ...base, chatWindow: args.chatWindow ?? base.chatWindow };
    const date = new Date().toISOString();
    this.out = path.join(RESULTS_DIR, args.label ? `${date.slice(0, 10)}-${args.label}` : date.slice(0, 10));
    this.prefix = args.quick ? 'quick-' : '';
    const flush = process.env.BUS_FLUSH_MS ? `BUS_FLUSH_MS=${process.env.BUS_FLUSH_MS} ` : '';
    this.summary = {
      date,
      quick: args.quick,
      command: `${flush}npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
      machine: {},
      results: {},
      skipped: [],
      notes: [],
      commands: {},
    };
  }

  say(message: string): void {
    process.stderr.write(`[bench ${((Date.now() - this.started) / 1000).toFixed(0)}s] ${message}\n`);
  }

  /** Whether --systems lets this system run in chat and ladder. */
  wants(system: SystemName): boolean {
    return !this.args.systems || this.args.systems.has(system);
  }

  /** Notes that this command produced the rows of `key`. */
  record(key: string): void {
    this.summary.commands[key] = `${this.summary.command} (${this.summary.date})`;
  }

  /** A fresh /16 of source addresses per loadgen run: no address is reused across runs. */
  nextSources(blocks = 1): string {
    const first = 16 + this.sourceBlock;
    this.sourceBlock += blocks;
    return Array.from({ length: blocks }, (_, i) => `127.${first + i}.0.0/16`).join(',');
  }

  /** A map file `side` tiles square: grass inside a one-tile wall, spawn in the middle (the built-in map, bigger). */
  mapFile(side: number): string {
    const known = this.maps.get(side);
    if (known) return known;
    const file = path.join(this.tmp, `map-${side}.json`);
    const out = fs.openSync(file, 'w');
    fs.writeSync(out, `{"width":${side},"height":${side},"spawn":{"x":${side / 2 - 4},"y":${side / 2 - 4}},"data":[`);
    const row = (y: number) => {
      const cells = new Array<number>(side);
      for (let x = 0; x < side; x++) cells[x] = x === 0 || y === 0 || x === side - 1 || y === side - 1 ? 2 : 1;
      return cells.join(',');
    };
    for (let y = 0; y < side; y++) fs.writeSync(out, (y ? ',' : '') + row(y));
    const collisions: number[] = [];
    for (let i = 0; i < side; i++) collisions.push(i, (side - 1) * side + i, i * side, i * side + side - 1);
    fs.writeSync(out, `],"collisions":[${collisions.join(',')}]}`);
    fs.closeSync(out);
    this.maps.set(side, file);
    return file;
  }

  /** How this run starts processes; `label` names the profiles (--profile). */
  launch(label: string): Launch {
    const logDir = path.join(this.tmp, 'logs', label);
    fs.mkdirSync(logDir, { recursive: true });
    return {
      // LOG_LEVEL warn; an ADMIN_TOKEN: the bots are spread with POST /admin/teleport.
      env: { HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_TOKEN: this.adminToken },
      redisUrl: this.redisUrl,
      natsUrl: this.natsUrl,
      nodeArgs: (name) => (this.args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(this.tmp, 'prof', label, name)}`] : []),
      logDir,
    };
  }

  /** Starts a system, runs `body` against it, and always stops it. */
  async withSystem<T>(name: SystemName, env: SystemEnv, body: (system: System) => Promise<T>, label: string = name): Promise<T> {
    this.say(`starting ${name}`);
    let system: System | undefined;
    try {
      system = await startSystem(name, this.launch(label), env);
      return await body(system);
    } finally {
      if (system) await system.stop();
      if (this.args.profile) this.writeProfiles(label);
    }
  }

  loadgen(name: string, args: string[], options: Pick<LoadgenRun, 'timeoutMs' | 'onReady'> = {}): Promise<SwarmResult> {
    return runLoadgen({ dir: this.out, name: `${this.prefix}${name}`, args, cwd: ROOT, ...options });
  }

  /** The loadgen flags every play run against `system` shares. */
  playArgs(system: System, extra: string[]): string[] {
    const args = ['--url', system.urls.join(','), '--protocol', system.protocol, '--server-pids', pidArg(system.pids), '--settle', String(this.sizes.settle), '--quiet'];
    const scrape = this.scrapeArg(system.scrape);
    if (scrape) args.push('--scrape', scrape);
    if (system.admin) args.push('--admin-url', system.admin, '--admin-token', this.adminToken);
    if (system.protocol === 'socketio') args.push('--spread-via', 'socketio');
    return [...args, ...extra];
  }

  /** `--scrape` for these targets plus the control tick. */
  scrapeArg(targets: readonly ScrapeTarget[]): string {
    return [...targets, ...(this.control ? [this.control] : [])].map((s) => `${s.name}=${s.url}`).join(',');
  }

  /** Runs `fn`; a failure is logged and kept as the scenario's result instead of ending the run. */
  async attempt<T>(key: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.say(`${key} failed: ${message}`);
      return { error: message.split('\n')[0]! };
    }
  }

  /** Writes summary.json and summary.md as they stand; returns the Markdown. */
  writeSummary(): string {
    const md = renderSummary(this.summary, this.scenarios.map((s) => ({ report: (summary: Summary) => s.report(summary, this.sizes) })), (Date.now() - this.started) / 1000);
    fs.mkdirSync(this.out, { recursive: true });
    fs.writeFileSync(path.join(this.out, `${this.prefix}summary.json`), JSON.stringify(this.summary, null, 1) + '\n');
    fs.writeFileSync(path.join(this.out, `${this.prefix}summary.md`), md + '\n');
    return md;
  }

  private writeProfiles(label: string): void {
    const dir = path.join(this.tmp, 'prof', label);
    if (!fs.existsSync(dir)) return;
    for (const proc of fs.readdirSync(dir)) {
      for (const file of fs.readdirSync(path.join(dir, proc)).filter((f) => f.endsWith('.cpuprofile'))) {
        const out = path.join(this.out, `${this.prefix}profile-${label}-${proc}.txt`);
        fs.writeFileSync(out, topFrames(path.join(dir, proc, file), 30) + '\n');
        this.say(`profile: ${path.relative(ROOT, out)}`);
      }
    }
  }
}

export const pidArg = (pids: readonly Pid[]) => pids.map((p) => `${p.name}=${p.pid}`).join(',');

