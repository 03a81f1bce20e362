// The systems a scenario loads, started with the shared harness (@shardgate/harness) on free
// loopback ports: the bare uWS echo ceiling, the embedded mode, the distributed mode (2
// gateways, 1 or 2 shards, the machine's Redis and NATS), the socket.io peer on two nodes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Deployment, EMBEDDED_BIN, ServiceProcess, type Env } from '@shardgate/harness';
import type { SystemName } from './args';
import { canConnect, httpStatus, infraPids, type Pid } from './infra';

/** The bench's own servers, built beside this file. */
const SERVER = (name: string) => `tools/bench/dist/servers/${name}.js`;

export interface ScrapeTarget {
  name: string;
  url: string;
}

export interface System {
  name: SystemName;
  /** Players' URLs: bot i uses the (i mod n)-th. */
  urls: string[];
  /** Processes whose CPU (and RSS) the loadgen reads. */
  pids: Pid[];
  /** The admin API of the first gateway (spreads by teleport). */
  admin?: string;
  /** /metrics read before and after each window. */
  scrape: ScrapeTarget[];
  protocol: 'echo' | 'kaetram' | 'socketio';
  /** The distributed deployment, for scenarios that add gateways. */
  deployment?: Deployment;
  stop(): Promise<void>;
}

export interface SystemEnv {
  shardEnv?: Env;
  gatewayEnv?: Env;
  peerEnv?: Env;
}

export interface Launch {
  /** Every shardgate process gets it (LOG_LEVEL, ADMIN_TOKEN, ...). */
  env: Env;
  redisUrl: string;
  natsUrl: string;
  /** Node's own flags per process name (profiles). */
  nodeArgs: (name: string) => string[];
  /** Where each process's log is written when it stops. */
  logDir: string;
}

const GRACE_MS = 8000;
const listening = (s: ServiceProcess) => canConnect(s.port);

async function stopService(launch: Launch, name: string, service: ServiceProcess): Promise<void> {
  await service.stop('SIGTERM', GRACE_MS);
  fs.writeFileSync(path.join(launch.logDir, `${name}.log`), service.logText());
}

async function ceiling(launch: Launch): Promise<System> {
  const echo = await ServiceProcess.start(SERVER('echo-server'), {}, { ready: listening, timeoutMs: 10000, nodeArgs: launch.nodeArgs('echo') });
  return { name: 'ceiling', urls: [echo.url], pids: [{ name: 'echo', pid: echo.pid }], scrape: [], protocol: 'echo', stop: () => stopService(launch, 'echo', echo) };
}

async function embedded(launch: Launch, env: Env): Promise<System> {
  const service = await ServiceProcess.start(EMBEDDED_BIN, { ...launch.env, ...env }, { timeoutMs: 20000, nodeArgs: launch.nodeArgs('embedded') });
  const admin = `http://127.0.0.1:${service.adminPort}`;
  return {
    name: 'embedded',
    urls: [service.url],
    pids: [{ name: 'embedded', pid: service.pid }],
    admin,
    scrape: [{ name: 'embedded', url: `${admin}/metrics` }],
    protocol: 'kaetram',
    stop: () => stopService(launch, 'embedded', service),
  };
}

/** The deployment's names (`gateway-1`) as the bench's tables name processes (`gateway1`). */
export const processName = (member: string) => member.replace('-', '');

/** The pids and /metrics of a deployment's processes, in its order (shards, then gateways). */
export function membersOf(deployment: Deployment): { pids: Pid[]; scrape: ScrapeTarget[] } {
  const members = [...deployment.members].sort((a, b) => (a.role === b.role ? a.order - b.order : a.role === 'shard' ? -1 : 1));
  return {
    pids: members.map((m) => ({ name: processName(m.name), pid: m.service.pid })),
    scrape: members.map((m) => ({ name: processName(m.name), url: `http://127.0.0.1:${m.service.adminPort}/metrics` })),
  };
}

async function distributed(launch: Launch, name: 'dist1' | 'dist2', shards: number, { shardEnv = {}, gatewayEnv = {} }: SystemEnv): Promise<System> {
  const deployment = await Deployment.start({
    redisUrl: launch.redisUrl,
    natsUrl: launch.natsUrl,
    shards,
    gateways: [{ GATEWAY_ID: '1' }, { GATEWAY_ID: '2' }],
    env: launch.env,
    shardEnv,
    gatewayEnv,
    // The services' own heartbeat (1 s), not the tests' faster one.
    heartbeatMs: null,
    label: `bench-${name}`,
    logDir: launch.logDir,
    startTimeoutMs: 20000,
    nodeArgs: (member) => launch.nodeArgs(processName(member)),
  });
  const { pids, scrape } = membersOf(deployment);
  return {
    name,
    urls: deployment.gateways.map((g) => g.url),
    pids: [...pids, ...infraPids()],
    admin: `http://127.0.0.1:${deployment.gateways[0]!.adminPort}`,
    scrape,
    protocol: 'kaetram',
    deployment,
    stop: () => deployment.stop(GRACE_MS),
  };
}

async function peer(launch: Launch, env: Env): Promise<System> {
  const prefix = `sio${crypto.randomBytes(4).toString('hex')}`;
  const started = await Promise.allSettled(
    [1, 2].map((n) =>
      ServiceProcess.start(SERVER('socketio-peer'), { ...env, NODE_ID: String(n), REDIS_URL: launch.redisUrl, REDIS_PREFIX: prefix }, { ready: listening, timeoutMs: 15000, nodeArgs: launch.nodeArgs(`peer${n}`) }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // One node without the other is no peer: stop the one that started.
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  return {
    name: 'peer',
    urls: nodes.map((n) => n.url),
    pids: [...nodes.map((n, i) => ({ name: `peer${i + 1}`, pid: n.pid })), ...infraPids().filter((p) => p.name === 'redis')],
    scrape: [],
    protocol: 'socketio',
    stop: async () => {
      await Promise.all(nodes.map((n, i) => stopService(launch, `peer${i + 1}`, n)));
    },
  };
}

export function startSystem(name: SystemName, launch: Launch, env: SystemEnv = {}): Promise<System> {
  const { shardEnv = {}, gatewayEnv = {}, peerEnv = {} } = env;
  switch (name) {
    case 'ceiling':
      return ceiling(launch);
    case 'embedded':
      return embedded(launch, { ...shardEnv, ...gatewayEnv });
    case 'dist1':
      return distributed(launch, 'dist1', 1, env);
    case 'dist2':
      return distributed(launch, 'dist2', 2, env);
    case 'peer':
      return peer(launch, peerEnv);
  }
}

/** The control tick (servers/control-tick.ts), for the whole run: started first, on a quiet machine. */
export async function startControl(tickMs: number, launch: Launch): Promise<{ target: ScrapeTarget; stop: () => Promise<void> }> {
  const service = await ServiceProcess.start(
    SERVER('control-tick'),
    { TICK_MS: String(tickMs), CONTROL_WORK_MS: '1' },
    { ready: async (s) => (await httpStatus(`http://127.0.0.1:${s.port}/metrics`)) === 200, timeoutMs: 10000 },
  );
  return { target: { name: 'control', url: `http://127.0.0.1:${service.port}/metrics` }, stop: () => stopService(launch, 'control', service) };
}
