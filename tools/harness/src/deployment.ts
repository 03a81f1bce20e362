// A distributed shardgate deployment for end-to-end tests: N gateways and M shards, each the
// built entry a user runs (`services/{gateway,shard}/dist/bin.js`), as child processes on free
// ports, joined through a given Redis and NATS under a random BUS_PREFIX and REDIS_PREFIX (so
// test runs can share the machine's Redis and NATS without seeing each other).
//
//   const deployment = await Deployment.start({ redisUrl, natsUrl, gateways: 2, shards: 2 });
//   const players = new Players();
//   const a = await players.join(deployment.gateways[0], { world: 1, localAddress: '127.0.5.1' });
//   await deployment.kill9(deployment.shards[0]);
//   players.closeAll(); await deployment.stop();   // afterEach / afterAll, always
//
// Every wait is bounded; a process 'exit' hook (service.ts) SIGKILLs whatever a test forgot to
// stop. Each process's JSON log is written to $E2E_LOG_DIR (default <tmp>/shardgate-e2e-logs)
// on stop().
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JetStreamBanStore } from '@shardgate/bans';
import { NatsVersionedStore } from '@shardgate/bus';
import { KaetramClient } from './kaetram-client';
import { redisCommand } from './redis-server';
import { GATEWAY_BIN, SHARD_BIN } from './entries';
import { ServiceProcess } from './service';

export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SHARED_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const LOG_DIR = process.env.E2E_LOG_DIR ?? path.join(os.tmpdir(), 'shardgate-e2e-logs');

export type Env = Record<string, string>;

export function randomToken(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}

export interface Member {
  /** Position in the order the processes were asked for (they become ready in any order). */
  readonly order: number;
  readonly role: 'gateway' | 'shard';
  readonly name: string;
  readonly env: Env;
  readonly service: ServiceProcess;
}

export interface DeploymentOptions {
  redisUrl?: string;
  natsUrl: string;
  /** A count, or one env per gateway. Default 2. */
  gateways?: number | Env[];
  /** A count (SHARD_ID 1..M), or one env per shard (SHARD_ID defaults to its position + 1). Default 2. */
  shards?: number | Env[];
  /** Added to every process's env (after the defaults, before the per-process env). */
  env?: Env;
  gatewayEnv?: Env;
  shardEnv?: Env;
  /** HEARTBEAT_MS of every process; null leaves the services' own default. Default TEST_HEARTBEAT_MS. */
  heartbeatMs?: number | null;
  /** For log file names. */
  label?: string;
  /** Where stop() writes each process's log. Default LOG_DIR. */
  logDir?: string;
  /** Flags for node itself, per process (`--cpu-prof` for the bench's profiles). */
  nodeArgs?: (name: string) => string[];
  startTimeoutMs?: number;
}

/** Default heartbeat period of test deployments: fast enough that routing settles quickly. */
export const TEST_HEARTBEAT_MS = 250;

export class Deployment {
  readonly members: Member[] = [];
  readonly busPrefix = `t${randomToken()}`;
  readonly redisPrefix = `t${randomToken()}:`;
  readonly label: string;
  private readonly killed = new Set<ServiceProcess>();
  private gatewayCount = 0;
  private order = 0;

  private constructor(private readonly options: DeploymentOptions) {
    this.label = `${options.label ?? 'deployment'}-${this.busPrefix}`;
  }

  /**
   * Starts every shard and gateway in parallel and waits until each is ready and routing has
   * settled. `shards[i]` has SHARD_ID i + 1 and `gateways[i]` the i-th gateway env, whatever
   * order they become ready in.
   */
  static async start(options: DeploymentOptions): Promise<Deployment> {
    const deployment = new Deployment(options);
    const shardEnvs = typeof options.shards === 'number' || options.shards === undefined ? Array.from({ length: options.shards ?? 2 }, () => ({})) : options.shards;
    const gatewayEnvs = typeof options.gateways === 'number' || options.gateways === undefined ? Array.from({ length: options.gateways ?? 2 }, () => ({})) : options.gateways;
    try {
      await Promise.all([
        ...shardEnvs.map((env, i) => deployment.addShard({ SHARD_ID: String(i + 1), ...env }, { settle: false })),
        ...gatewayEnvs.map((env) => deployment.addGateway(env, { settle: false })),
      ]);
      await deployment.settle();
    } catch (error) {
      await deployment.stop();
      throw error;
    }
    return deployment;
  }

  get heartbeatMs(): number {
    const configured = this.options.heartbeatMs === undefined ? TEST_HEARTBEAT_MS : (this.options.heartbeatMs ?? 1000);
    return Number(this.options.env?.HEARTBEAT_MS ?? configured);
  }

  /** Waits until every gateway has heard every shard's heartbeat (readiness needs only one). */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const shards = this.members.filter((m) => m.role === 'shard' && !m.service.exit).length;
    for (;;) {
      const known = await Promise.all(this.gateways.filter((g) => !g.exit).map((g) => g.metric('shardgate_gateway_shards_known').catch(() => -1)));
      if (known.every((n) => n >= shards)) return;
      if (Date.now() > deadline) throw new Error(`${this.label}: gateways know ${JSON.stringify(known)} shards of ${shards} after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  private baseEnv(): Env {
    const env: Env = {
      NATS_URL: this.options.natsUrl,
      BUS_PREFIX: this.busPrefix,
      REDIS_PREFIX: this.redisPrefix,
      ...this.options.env,
    };
    const heartbeatMs = this.options.heartbeatMs === undefined ? TEST_HEARTBEAT_MS : this.options.heartbeatMs;
    if (heartbeatMs !== null && env.HEARTBEAT_MS === undefined) env.HEARTBEAT_MS = String(heartbeatMs);
    if (this.options.redisUrl) env.REDIS_URL = this.options.redisUrl;
    return env;
  }

  async addGateway(env: Env = {}, { settle = true, waitReady = true } = {}): Promise<ServiceProcess> {
    const name = `gateway-${++this.gatewayCount}`;
    return this.add('gateway', name, GATEWAY_BIN, { ...this.baseEnv(), ...this.options.gatewayEnv, ...env }, settle, waitReady);
  }

  async addShard(env: Env = {}, { settle = true, waitReady = true } = {}): Promise<ServiceProcess> {
    const full = { ...this.baseEnv(), ...this.options.shardEnv, ...env };
    const name = `shard-${full.SHARD_ID ?? full.SERVER_ID ?? '?'}`;
    return this.add('shard', name, SHARD_BIN, full, settle, waitReady);
  }

  private async add(role: 'gateway' | 'shard', name: string, entry: string, env: Env, settle: boolean, waitReady: boolean): Promise<ServiceProcess> {
    const order = this.order++;
    const nodeArgs = this.options.nodeArgs?.(name) ?? [];
    const service = await ServiceProcess.start(entry, env, { waitReady, timeoutMs: this.options.startTimeoutMs ?? 15000, nodeArgs }).catch((error: Error) => {
      throw new Error(`${this.label} ${name} did not start: ${error.message}`);
    });
    this.members.push({ order, role, name, env, service });
    this.members.sort((a, b) => a.order - b.order);
    if (settle) await this.settle();
    return service;
  }

  get gateways(): ServiceProcess[] {
    return this.members.filter((m) => m.role === 'gateway').map((m) => m.service);
  }

  get shards(): ServiceProcess[] {
    return this.members.filter((m) => m.role === 'shard').map((m) => m.service);
  }

  nameOf(service: ServiceProcess): string {
    return this.members.find((m) => m.service === service)?.name ?? '?';
  }

  /** `kill -9`: resolves once the process is gone. */
  async kill9(service: ServiceProcess): Promise<void> {
    this.killed.add(service);
    if (!service.exit) service.child.kill('SIGKILL');
    await service.waitExit(5000);
  }

  /** Sends SIGTERM and returns at once (the test watches the drain). */
  sigterm(service: ServiceProcess): void {
    this.killed.add(service);
    service.child.kill('SIGTERM');
  }

  /** Processes that exited although no test killed them, with how and their last log lines. */
  unexpectedExits(): string[] {
    return this.members
      .filter((m) => m.service.exit && !this.killed.has(m.service))
      .map((m) => `${m.name} exited ${JSON.stringify(m.service.exit)}: ${m.service.stderr.slice(-500)} ${JSON.stringify(m.service.logs.slice(-3))}`);
  }

  /** Log lines at level error or fatal, per process (for failure messages). */
  errors(levels = ['error', 'fatal']): string[] {
    return this.members.flatMap((m) => m.service.logs.filter((l) => levels.includes(l.level)).map((l) => `${m.name}: ${JSON.stringify(l)}`));
  }

  /** Non-JSON stdout lines, per process. */
  stray(): string[] {
    return this.members.flatMap((m) => m.service.stray.map((line) => `${m.name}: ${line}`));
  }

  /**
   * Stops every process (SIGTERM, SIGKILL after `graceMs`), in parallel, writes their logs,
   * and deletes the one key of this deployment's prefix that has no expiry (the gateway id
   * counter). Every other key the gateways write expires by itself; nothing else is touched.
   */
  async stop(graceMs = 5000): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        this.killed.add(m.service);
        await m.service.stop('SIGTERM', graceMs).catch(() => undefined);
      }),
    );
    this.writeLogs();
    // The gateways' ban bucket and audit stream (named after BUS_PREFIX) would outlive the run
    // on a shared NATS.
    const busPrefix = this.options.env?.BUS_PREFIX ?? this.busPrefix;
    await JetStreamBanStore.destroy(this.options.natsUrl.split(','), `${busPrefix.replace(/\./g, '_')}_bans`, 1000);
    // And the members of its shared worlds (services/shard/src/bin.ts names the bucket).
    await NatsVersionedStore.destroyBucket(this.options.natsUrl.split(','), `${busPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}_worlds`, 1000);
    const redisPort = this.options.redisUrl ? Number(new URL(this.options.redisUrl).port || 6379) : undefined;
    if (redisPort !== undefined) await redisCommand(redisPort, `DEL ${this.redisPrefix}gateway-ids`);
  }

  writeLogs(): void {
    const dir = this.options.logDir ?? LOG_DIR;
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (const m of this.members) {
        fs.writeFileSync(path.join(dir, `${this.label}-${m.name}.log`), m.service.logText());
      }
    } catch {
      // logs are a convenience
    }
  }
}

export interface ConnectOptions {
  /** `?world=<id>`; none: the gateway picks the least loaded shard. */
  world?: number;
  /** The client's source address (127.x.y.z): keeps per-IP limits of tests apart. */
  localAddress?: string;
  path?: string;
}

export interface Joined {
  client: KaetramClient;
  instance: string;
  serverId: number;
  x: number;
  y: number;
  welcome: Record<string, unknown>;
}

export function wsUrl(gateway: ServiceProcess, { world, path: p = '/ws' }: ConnectOptions = {}): string {
  return `ws://127.0.0.1:${gateway.port}${p}${world === undefined ? '' : `?world=${world}`}`;
}

/** The clients of a test, closed together in afterEach. */
export class Players {
  readonly clients: KaetramClient[] = [];

  async connect(gateway: ServiceProcess, options: ConnectOptions = {}): Promise<KaetramClient> {
    const client = await KaetramClient.connect(wsUrl(gateway, options), options.localAddress);
    this.clients.push(client);
    return client;
  }

  async join(gateway: ServiceProcess, options: ConnectOptions = {}): Promise<Joined> {
    const client = await this.connect(gateway, options);
    const joined = await client.joinAsGuest();
    return { client, instance: joined.instance, serverId: joined.handshake.serverId, welcome: joined.welcome, x: joined.welcome.x as number, y: joined.welcome.y as number };
  }

  closeAll(): void {
    for (const client of this.clients.splice(0)) client.close();
  }
}

/** True once the client got `[0,null]`: the gateway admitted it and a shard took it. */
export const wasAdmitted = (client: KaetramClient) => client.packets.some((p) => p[0] === 0);
