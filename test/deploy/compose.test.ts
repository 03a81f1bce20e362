// Offline checks of deploy/compose.yaml. Why: compose cannot bring this stack up here (no
// image registry for redis, nats, prometheus and grafana; no bridge network), so the file is
// read with the strict YAML-subset reader and checked for what would otherwise only show on
// someone's laptop: a missing service, an environment the services would
// refuse at start, a dependency on a service with no healthcheck, a gateway killed mid-drain,
// a Prometheus scraping the wrong ports, a mount of a file that does not exist.
//
// The shardgate containers' environment goes through the services' own config readers (the
// same code the entry files run), after compose's ${VAR:-default} interpolation with no
// variable set, as `docker compose up` on a fresh shell would do.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EnvReader, readProcessConfig, type ProcessConfig } from '@shardgate/config';
import { readGatewaySettings, type GatewaySettings } from '../../services/gateway/src/config';
import { readDistributedGatewayConfig, type DistributedGatewayConfig } from '../../services/gateway/src/distributed-config';
import { readDistributedShardConfig, type DistributedShardConfig } from '../../services/shard/src/distributed-config';
import { asList, asObj, deployPath, durationMs, readYaml, ROOT, type Obj } from './helpers/files';
import { parseDockerfile } from './helpers/docker';

const COMPOSE_DIR = deployPath();
const GATEWAYS = ['gateway-1', 'gateway-2'];
const SHARDS = ['shard-1', 'shard-2'];
const REQUIRED = ['redis', 'nats', ...GATEWAYS, ...SHARDS, 'prometheus', 'grafana'];

function services(): Obj {
  return asObj(asObj(readYaml(deployPath('compose.yaml')), 'compose.yaml').services, 'services');
}

function service(name: string): Obj {
  return asObj(services()[name], `service ${name}`);
}

/** compose's interpolation with no variable set: ${X:-d} and ${X-d} give d, ${X} and $X give '', $$ gives $. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}|\$(\w+)/g, (whole, _name?: string, op?: string, fallback?: string) => {
    if (whole === '$$') return '$';
    return op ? (fallback ?? '') : '';
  });
}

function environment(name: string): Record<string, string> {
  const env = asObj(service(name).environment ?? {}, `${name} environment`);
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, interpolate(String(value ?? ''))]));
}

interface Port {
  ip?: string;
  host: number;
  container: number;
}

/** Short-syntax port mappings: "HOST:CONTAINER" or "IP:HOST:CONTAINER". */
function ports(name: string): Port[] {
  return asList(service(name).ports ?? [], `${name} ports`).map((entry) => {
    const parts = String(entry).split(':');
    if (parts.length === 2) return { host: Number(parts[0]), container: Number(parts[1]) };
    if (parts.length === 3) return { ip: parts[0], host: Number(parts[1]), container: Number(parts[2]) };
    throw new Error(`${name}: port mapping ${String(entry)} is not HOST:CONTAINER or IP:HOST:CONTAINER`);
  });
}

/** A gateway's configuration as its entry file would read it (services/gateway/src/bin.ts). */
function gatewayConfig(name: string): { process: ProcessConfig; gateway: GatewaySettings; distributed: DistributedGatewayConfig } {
  const reader = new EnvReader(environment(name));
  const config = { process: readProcessConfig(reader), gateway: readGatewaySettings(reader), distributed: readDistributedGatewayConfig(reader) };
  reader.done();
  return config;
}

/** A shard's configuration as its entry file would read it (services/shard/src/bin.ts). */
function shardConfig(name: string): { process: ProcessConfig; distributed: DistributedShardConfig } {
  const reader = new EnvReader(environment(name));
  const config = { process: readProcessConfig(reader), distributed: readDistributedShardConfig(reader) };
  reader.done();
  return config;
}

/** host:port of a redis:// or nats:// URL. */
function endpoint(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

describe('deploy - compose.yaml', () => {
  it('deploy - it has Redis, NATS with JetStream, two gateways, two shards, Prometheus and Grafana', () => {
    expect(Object.keys(services())).toEqual(expect.arrayContaining(REQUIRED));
    expect(asList(service('nats').command, 'nats command').map(String)).toContain('-js');
  });

  it('deploy - the four shardgate containers run the one image built from deploy/Dockerfile, each choosing its service', () => {
    const images = new Set<string>();
    for (const name of [...GATEWAYS, ...SHARDS]) {
      const svc = service(name);
      const build = asObj(svc.build, `${name} build`);
      const context = path.resolve(COMPOSE_DIR, String(build.context));
      expect({ name, context }).toEqual({ name, context: ROOT });
      expect({ name, dockerfile: fs.existsSync(path.resolve(context, String(build.dockerfile))) }).toEqual({ name, dockerfile: true });
      expect({ name, dockerfile: build.dockerfile }).toEqual({ name, dockerfile: 'deploy/Dockerfile' });
      images.add(String(svc.image));
      // The first argument picks the service (deploy/image/entrypoint.sh).
      expect({ name, command: svc.command }).toEqual({ name, command: [name.startsWith('gateway') ? 'gateway' : 'shard'] });
    }
    expect(images.size).toBe(1);
  });

  it("deploy - every shardgate container's environment passes the service's own validation and names the compose Redis and NATS", () => {
    const ids = new Set<number>();
    for (const name of GATEWAYS) {
      const config = gatewayConfig(name);
      expect(endpoint(config.distributed.redisUrl)).toEqual({ host: 'redis', port: 6379 });
      for (const url of config.distributed.natsServers) expect(endpoint(url)).toEqual({ host: 'nats', port: 4222 });
      // Given, and unique: the node label and the instance ids depend on it.
      expect({ name, given: config.gateway.gatewayId !== undefined }).toEqual({ name, given: true });
      ids.add(config.gateway.gatewayId!);
    }
    expect(ids.size).toBe(GATEWAYS.length);
    const shardIds = SHARDS.map((name) => {
      const config = shardConfig(name);
      for (const url of config.distributed.natsServers) expect(endpoint(url)).toEqual({ host: 'nats', port: 4222 });
      return config.distributed.shard.serverId;
    });
    expect(shardIds).toEqual([1, 2]);
  });

  it("deploy - players reach gateway-1 on host port 9001 and gateway-2 on 9002, at the gateway's PORT", () => {
    const hostPorts = GATEWAYS.map((name) => {
      const port = gatewayConfig(name).gateway.port;
      const mapping = ports(name).find((p) => p.container === port);
      expect({ name, published: mapping !== undefined, loopbackOnly: mapping?.ip === '127.0.0.1' }).toEqual({ name, published: true, loopbackOnly: false });
      return mapping?.host;
    });
    expect(hostPorts).toEqual([9001, 9002]);
  });

  it('deploy - admin ports, Prometheus and Grafana are published on the loopback only', () => {
    for (const name of [...GATEWAYS, ...SHARDS]) {
      const adminPort = name.startsWith('gateway') ? gatewayConfig(name).process.adminPort : shardConfig(name).process.adminPort;
      for (const mapping of ports(name).filter((p) => p.container === adminPort)) expect({ name, mapping }).toEqual({ name, mapping: { ...mapping, ip: '127.0.0.1' } });
    }
    for (const name of ['prometheus', 'grafana', 'redis', 'nats']) {
      for (const mapping of ports(name)) expect({ name, mapping }).toEqual({ name, mapping: { ...mapping, ip: '127.0.0.1' } });
    }
  });

  it('deploy - start order: shardgate waits for healthy Redis and NATS, Grafana for Prometheus, and everything awaited has a healthcheck', () => {
    const all = services();
    const expected: Record<string, string[]> = {
      ...Object.fromEntries(GATEWAYS.map((g) => [g, ['redis', 'nats']])),
      ...Object.fromEntries(SHARDS.map((s) => [s, ['nats']])),
      grafana: ['prometheus'],
    };
    for (const [name, needs] of Object.entries(expected)) {
      const dependsOn = asObj(service(name).depends_on, `${name} depends_on`);
      for (const need of needs) expect({ name, need, condition: asObj(dependsOn[need], `${name} -> ${need}`).condition }).toEqual({ name, need, condition: 'service_healthy' });
    }
    // Whatever anyone waits on to be healthy must have a way to become healthy: its own
    // healthcheck here, or the shardgate image's HEALTHCHECK (a service built from deploy/Dockerfile).
    for (const [name, raw] of Object.entries(all)) {
      const dependsOn = asObj(asObj(raw, name).depends_on ?? {}, `${name} depends_on`);
      for (const [need, how] of Object.entries(dependsOn)) {
        if (asObj(how, `${name} -> ${need}`).condition !== 'service_healthy') continue;
        const target = asObj(all[need], `service ${need}`);
        const hasCheck = target.healthcheck !== undefined || (target.build !== undefined && asObj(target.build, `${need} build`).dockerfile === 'deploy/Dockerfile');
        expect({ name, need, hasCheck }).toEqual({ name, need, hasCheck: true });
      }
    }
    for (const name of ['redis', 'nats', 'prometheus', 'grafana']) {
      const test = asList(asObj(service(name).healthcheck, `${name} healthcheck`).test, `${name} healthcheck test`);
      expect(['CMD', 'CMD-SHELL']).toContain(test[0]);
    }
  });

  it('deploy - gateways get longer than DRAIN_TIMEOUT_MS to drain before Docker kills them', () => {
    for (const name of GATEWAYS) {
      const drainMs = gatewayConfig(name).distributed.drain.timeoutMs;
      const grace = durationMs(String(service(name).stop_grace_period ?? '10s'));
      expect({ name, graceOverDrain: grace > drainMs }).toEqual({ name, graceOverDrain: true });
    }
  });

  it('deploy - Prometheus scrapes exactly the four admin ports, with its config and rules mounted where it reads them', () => {
    const config = asObj(readYaml(deployPath('prometheus', 'prometheus.yml')), 'prometheus.yml');
    const jobs = new Map(
      asList(config.scrape_configs, 'scrape_configs').map((raw) => {
        const job = asObj(raw, 'scrape config');
        const targets = asList(job.static_configs ?? [], `${String(job.job_name)} static_configs`).flatMap((sc) => asList(asObj(sc, 'static config').targets, 'targets').map(String));
        return [String(job.job_name), targets.sort()];
      }),
    );
    const adminTargets = (names: string[], adminPort: (name: string) => number) => names.map((name) => `${name}:${adminPort(name)}`).sort();
    expect(jobs.get('shardgate-gateway')).toEqual(adminTargets(GATEWAYS, (n) => gatewayConfig(n).process.adminPort));
    expect(jobs.get('shardgate-shard')).toEqual(adminTargets(SHARDS, (n) => shardConfig(n).process.adminPort));

    // compose mounts deploy/prometheus at /etc/prometheus, Prometheus is told to read the
    // config there, and the rule files it names sit beside it.
    const prometheus = service('prometheus');
    const mounts = asList(prometheus.volumes, 'prometheus volumes').map((m) => String(m).split(':'));
    const configDir = mounts.find(([from]) => from === './prometheus')?.[1];
    expect(configDir).toBe('/etc/prometheus');
    expect(asList(prometheus.command, 'prometheus command').map(String)).toContain(`--config.file=${configDir}/prometheus.yml`);
    for (const file of asList(config.rule_files, 'rule_files').map(String)) {
      expect({ file, exists: fs.existsSync(deployPath('prometheus', file)) }).toEqual({ file, exists: true });
    }
  });

  it('deploy - every bind mount exists in deploy/ and every named volume is declared', () => {
    const declared = Object.keys(asObj(asObj(readYaml(deployPath('compose.yaml')), 'compose.yaml').volumes ?? {}, 'volumes'));
    for (const [name, raw] of Object.entries(services())) {
      for (const mount of asList(asObj(raw, name).volumes ?? [], `${name} volumes`).map(String)) {
        const [source] = mount.split(':');
        if (source.startsWith('.') || source.startsWith('/')) {
          expect({ name, source, exists: fs.existsSync(path.resolve(COMPOSE_DIR, source)) }).toEqual({ name, source, exists: true });
        } else {
          expect({ name, source, declared: declared.includes(source) }).toEqual({ name, source, declared: true });
        }
      }
    }
  });

  it("deploy - the shardgate containers run as k8s runs them: read-only root, a tmpfs /tmp, no capabilities, no-new-privileges, tini as PID 1", () => {
    for (const name of [...GATEWAYS, ...SHARDS]) {
      const svc = service(name);
      expect({ name, readOnly: svc.read_only }).toEqual({ name, readOnly: true });
      expect({ name, tmpfs: asList(svc.tmpfs ?? [], `${name} tmpfs`).map((t) => String(t).split(':')[0]) }).toEqual({ name, tmpfs: ['/tmp'] });
      expect({ name, capDrop: svc.cap_drop }).toEqual({ name, capDrop: ['ALL'] });
      expect({ name, cap_add: svc.cap_add, privileged: svc.privileged }).toEqual({ name, cap_add: undefined, privileged: undefined });
      expect({ name, securityOpt: asList(svc.security_opt ?? [], `${name} security_opt`).map(String) }).toEqual({ name, securityOpt: expect.arrayContaining(['no-new-privileges:true']) });
      // The image's tini is the init; a second one (init: true) in front of it is not wanted.
      expect({ name, init: svc.init }).toEqual({ name, init: undefined });
      // A hard nofile above the daemon's own limit stops the container from starting at all.
      expect({ name, ulimits: svc.ulimits }).toEqual({ name, ulimits: undefined });
    }
    const stages = parseDockerfile(fs.readFileSync(deployPath('Dockerfile'), 'utf8')).stages;
    const entrypoint = stages[stages.length - 1].instructions.filter((i) => i.keyword === 'ENTRYPOINT').pop();
    expect((JSON.parse(entrypoint!.args) as string[])[0]).toBe('/usr/bin/tini');
  });

  it('deploy - Compose v1 (1.27+) and v2 both accept the file: no top-level name, which v1 rejects', () => {
    const file = asObj(readYaml(deployPath('compose.yaml')), 'compose.yaml');
    expect(Object.keys(file).filter((key) => !key.startsWith('x-')).sort()).toEqual(['services', 'volumes']);
    // Where a Compose is installed (CI installs Debian's docker-compose 1.29), it validates the file.
    const found: string[] = [];
    for (const [command, args] of [
      ['docker-compose', []],
      ['docker', ['compose']],
    ] as [string, string[]][]) {
      const version = spawnSync(command, [...args, 'version'], { encoding: 'utf8', timeout: 30_000 });
      if (version.error || version.status !== 0) continue;
      found.push(command);
      const result = spawnSync(command, [...args, '-p', 'shardgate', '-f', deployPath('compose.yaml'), 'config', '-q'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ADMIN_TOKEN: '' } });
      expect({ command, status: result.status, stderr: result.stderr }).toEqual({ command, status: 0, stderr: '' });
    }
    if (found.length === 0) process.stderr.write('[deploy] no docker-compose or docker compose here: compose.yaml checked offline only\n');
  });
});
