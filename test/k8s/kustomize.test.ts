// The Kubernetes kit (k8s/), checked offline: every Kustomize tree renders with kubectl,
// every object passes the Kubernetes schemas strictly (unknown fields included), and the
// rendered objects do what k8s/README.md promises (probes, drain budgets, selectors, HPAs and
// their prometheus-adapter rules, shard ids, shared worlds, NetworkPolicies, security,
// monitoring). Without kubectl the suite is skipped with one line naming it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { EnvReader, readProcessConfig } from '@shardgate/config';
import { readGatewaySettings } from '../../services/gateway/src/config';
import { readDistributedGatewayConfig } from '../../services/gateway/src/distributed-config';
import { readDistributedShardConfig, SHARED_WORLD_DEFAULTS } from '../../services/shard/src/distributed-config';
import { builtInMap } from '../../services/shard/src/game-map';
import { REQUIRED_ALERTS } from '../deploy/helpers/alerts';
import {
  NAMESPACE,
  ROOT,
  allowed,
  container,
  containerEnv,
  envValue,
  find,
  findKubectl,
  get,
  kubeletExpand,
  parseYamlDocuments,
  podTemplate,
  portNumber,
  render,
  selects,
  validateSchemas,
  workloads,
  type K8sObject,
  type Labels,
  type Peer,
} from './support';

const kubectl = findKubectl();
if (!kubectl.ok) process.stdout.write(`k8s: ${kubectl.why}: skipping the Kubernetes manifest checks\n`);
const describeK8s = kubectl.ok ? describe : describe.skip;

const TREES = { base: 'k8s/base', dev: 'k8s/overlays/dev', prod: 'k8s/overlays/prod' } as const;
type Tree = keyof typeof TREES;
const ALL: Tree[] = ['base', 'dev', 'prod'];
const WITH_HPA: Tree[] = ['base', 'prod'];
// Trees whose shards serve one world together (components/shared-world), and of those the
// ones whose shards an HPA scales.
const SHARED: Tree[] = ['dev', 'prod'];
const SHARD_HPA: Tree[] = ['prod'];
const ADAPTER_VALUES = 'k8s/prometheus-adapter/values.yaml';

const DEFAULT_DRAIN_TIMEOUT_MS = 25_000; // README, Configuration (gateways)
// A shard's stop after its drain (closing, flushing, leaving the world): what the grace period
// must hold beyond DRAIN_TIMEOUT_MS (base/shard/statefulset.yaml).
const SHARD_STOP_MARGIN_MS = 10_000;
const DOCKER_ENTRYPOINT = '/app/deploy/image/entrypoint.sh';
// Prometheus job names of gateways and shards (deploy/prometheus/prometheus.yml's too).
const JOBS = ['shardgate-gateway', 'shardgate-shard'];

const cache = new Map<Tree, K8sObject[]>();
function rendered(tree: Tree): K8sObject[] {
  if (!cache.has(tree)) cache.set(tree, render(TREES[tree]));
  return cache.get(tree)!;
}

const gatewayOf = (objects: K8sObject[]) => get(objects, 'Deployment', 'gateway');
const shardOf = (objects: K8sObject[]) => get(objects, 'StatefulSet', 'shard');
const hpaOf = (objects: K8sObject[], name: string) => find(objects, 'HorizontalPodAutoscaler', name);
const labelsOf = (workload: K8sObject): Labels => podTemplate(workload).metadata.labels;
const policiesOf = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'NetworkPolicy');

/** Seconds the preStop hook holds the container before SIGTERM: the sleep action or `sleep N`. */
function preStopSeconds(c: K8sObject): number {
  const hook = c.lifecycle?.preStop;
  if (!hook) return 0;
  if (hook.sleep) return Number(hook.sleep.seconds);
  const command: string[] = hook.exec?.command ?? [];
  const text = command.join(' ');
  const match = /(?:^|[\s/;])sleep\s+(\d+)/.exec(text);
  if (!match) throw new Error(`preStop ${JSON.stringify(hook)}: cannot tell how long it takes`);
  return Number(match[1]);
}

/** metric names packages/metrics declares (`name: 'shardgate_...'`), with their types. */
function declaredMetrics(): Map<string, string> {
  const source = fs.readFileSync(path.join(ROOT, 'packages/metrics/src/index.ts'), 'utf8');
  const out = new Map<string, string>();
  for (const m of source.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'(shardgate_[a-z0-9_]+)'/g)) out.set(m[2]!, m[1]!);
  return out;
}

function promtool(): boolean {
  return !spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error;
}

describeK8s('k8s', () => {
  describe.each(ALL)('%s', (tree) => {
    it(`k8s - ${tree} renders, every object in namespace ${NAMESPACE}`, () => {
      const objects = rendered(tree);
      expect(objects.length).toBeGreaterThan(10);
      for (const o of objects) {
        if (o.kind === 'Namespace') expect(o.metadata.name).toBe(NAMESPACE);
        else expect(`${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} in ${NAMESPACE}`);
      }
      expect(objects.filter((o) => o.kind === 'Namespace')).toHaveLength(1);
    });

    it(`k8s - ${tree}: every object passes the Kubernetes schemas, unknown fields included`, () => {
      const results = validateSchemas(rendered(tree));
      const bad = results.filter((r) => r.errors.length > 0).map((r) => `${r.kind}/${r.name}: ${r.errors.join('; ')}`);
      expect(bad).toEqual([]);
      expect(results).toHaveLength(rendered(tree).length);
    });

    it(`k8s - ${tree}: gateway and shard probes hit /readyz and /healthz on the admin port`, () => {
      const objects = rendered(tree);
      for (const [workload, name] of [[gatewayOf(objects), 'gateway'], [shardOf(objects), 'shard']] as const) {
        const c = container(workload, name);
        const env = containerEnv(objects, c);
        const adminPort = Number(envValue(env, 'ADMIN_PORT') ?? 9100);
        expect(adminPort).toBe(9100);
        const probes = { readinessProbe: '/readyz', livenessProbe: '/healthz', startupProbe: '/healthz' } as const;
        for (const [kind, path] of Object.entries(probes)) {
          const probe = c[kind];
          if (kind === 'startupProbe' && !probe) continue;
          expect({ name, kind, path: probe?.httpGet?.path, port: portNumber(c, probe?.httpGet?.port) }).toEqual({ name, kind, path, port: adminPort });
        }
        if (name === 'gateway') expect(Number(envValue(env, 'PORT') ?? 9001)).not.toBe(adminPort);
      }
    });

    it(`k8s - ${tree}: the gateway grace period covers the preStop sleep plus DRAIN_TIMEOUT_MS`, () => {
      const objects = rendered(tree);
      const gateway = gatewayOf(objects);
      const c = container(gateway, 'gateway');
      const env = containerEnv(objects, c);
      const drainMs = Number(envValue(env, 'DRAIN_TIMEOUT_MS') ?? DEFAULT_DRAIN_TIMEOUT_MS);
      const intervalMs = Number(envValue(env, 'DRAIN_INTERVAL_MS') ?? 100);
      const preStop = preStopSeconds(c);
      const grace = podTemplate(gateway).spec.terminationGracePeriodSeconds;
      expect(preStop).toBeGreaterThanOrEqual(3); // endpoints and load balancers catch up before SIGTERM
      expect(grace).toBeGreaterThanOrEqual(30);
      expect(grace * 1000).toBeGreaterThan(preStop * 1000 + drainMs);
      expect(intervalMs).toBeLessThan(drainMs);
    });

    it(`k8s - ${tree}: the shard grace period covers DRAIN_TIMEOUT_MS plus the stop, with no preStop delay`, () => {
      const objects = rendered(tree);
      const shard = shardOf(objects);
      const c = container(shard, 'shard');
      const drainMs = Number(envValue(containerEnv(objects, c), 'DRAIN_TIMEOUT_MS') ?? SHARED_WORLD_DEFAULTS.drainTimeoutMs);
      const grace = podTemplate(shard).spec.terminationGracePeriodSeconds;
      // Killed before its drain ends, a shard's remaining players are closed with `error`.
      expect({ grace, drainMs }).toEqual({ grace: expect.any(Number), drainMs: expect.any(Number) });
      expect(grace * 1000).toBeGreaterThanOrEqual(drainMs + SHARD_STOP_MARGIN_MS);
      // The bound: a shard of 1 000 players is empty within 10 s of SIGTERM; the drain
      // timeout is the backstop, not the plan, so it must leave room for that and more.
      expect(drainMs).toBeGreaterThanOrEqual(10_000);
      // Nothing delays SIGTERM: no Service routes to shards, so no preStop sleep is needed.
      expect(preStopSeconds(c)).toBe(0);
      // Readiness: a new shard is ready once it has joined its world; rollouts and OrderedReady
      // scale-ups wait for that, so it must be seen within seconds, not minutes.
      const probe = c.readinessProbe;
      expect(probe.periodSeconds * probe.failureThreshold).toBeLessThanOrEqual(15);
      // A container restarted in its pod waits SHARD_TIMEOUT_MS + 2 s before the shard even
      // listens: the startup probe must allow that and a start, or it would kill the shard in a loop.
      const timeoutMs = Number(envValue(containerEnv(objects, c), 'SHARD_TIMEOUT_MS') ?? SHARED_WORLD_DEFAULTS.shardTimeoutMs);
      const startup = c.startupProbe;
      expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(Math.floor(timeoutMs / 1000) + 2 + 20);
    });

    it(`k8s - ${tree}: the players Service selects only the gateway pods on 9001, admin Services only the admin ports`, () => {
      const objects = rendered(tree);
      const gateway = gatewayOf(objects);
      const shard = shardOf(objects);
      const gc = container(gateway, 'gateway');
      const sc = container(shard, 'shard');
      const expectTargets = (serviceName: string, target: K8sObject, c: K8sObject, port: number) => {
        const service = get(objects, 'Service', serviceName);
        expect(selects({ matchLabels: service.spec.selector }, labelsOf(target))).toBe(true);
        for (const w of workloads(objects).filter((x) => x !== target)) {
          expect(`${serviceName} selects ${w.kind}/${w.metadata.name}: ${selects({ matchLabels: service.spec.selector }, labelsOf(w))}`).toMatch(/: false$/);
        }
        expect(service.spec.ports).toHaveLength(1);
        const [p] = service.spec.ports;
        expect([p.port, portNumber(c, p.targetPort ?? p.port)]).toEqual([port, port]);
      };
      expectTargets('gateway', gateway, gc, 9001);
      expect(Number(envValue(containerEnv(objects, gc), 'PORT') ?? 9001)).toBe(9001);
      expectTargets('gateway-admin', gateway, gc, 9100);
      expectTargets('shard', shard, sc, 9100);
      expect(get(objects, 'Service', 'shard').spec.clusterIP).toBe('None');
      expect(shard.spec.serviceName).toBe('shard');
    });

    it(`k8s - ${tree}: the players Service is ${tree === 'prod' ? 'a LoadBalancer that keeps the client address' : 'ClusterIP'}`, () => {
      const service = get(rendered(tree), 'Service', 'gateway');
      if (tree === 'prod') {
        expect(service.spec.type).toBe('LoadBalancer');
        // Cluster would SNAT every player to a node address: per-IP limits would see nodes.
        expect(service.spec.externalTrafficPolicy).toBe('Local');
      } else expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(get(rendered(tree), 'Service', 'gateway-admin').spec.type ?? 'ClusterIP').toBe('ClusterIP');
    });

    it(`k8s - ${tree}: the shard's SHARD_ID is its pod ordinal + 1${SHARED.includes(tree) ? ', SERVER_ID the world they share' : ', each shard its own world'}`, () => {
      const objects = rendered(tree);
      const shard = shardOf(objects);
      expect(shard.kind).toBe('StatefulSet');
      const c = container(shard, 'shard');
      const env = containerEnv(objects, c);
      // Nothing static may name the process: every shard would claim the same id. The world
      // (SERVER_ID) is static exactly where the shards share one; elsewhere each is a world.
      expect(['SHARD_ID', env.has('SHARD_ID')]).toEqual(['SHARD_ID', false]);
      expect(['SERVER_ID', env.has('SERVER_ID')]).toEqual(['SERVER_ID', SHARED.includes(tree)]);
      const world = envValue(env, 'SERVER_ID') ?? '';
      expect(env.get('POD_NAME')).toEqual({ field: 'metadata.name' });
      // The image's init first (its ENTRYPOINT, which `command` replaces), then sh.
      expect(c.command).toEqual(['/usr/bin/tini', '-s', '--', '/bin/sh', '-c']);
      expect(c.args).toHaveLength(1);
      // What the kubelet hands to sh: $(VAR) expanded with the container's own variables.
      const vars = Object.fromEntries([...env].flatMap(([k, v]) => ('value' in v ? [[k, v.value]] : [])));
      const script = kubeletExpand(c.args[0], vars);
      expect(script).toContain(`exec /bin/sh ${DOCKER_ENTRYPOINT} shard`);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-k8s-'));
      try {
        // A stand-in for the image's entrypoint: prints what it was given.
        const stub = path.join(dir, 'entrypoint.sh');
        fs.writeFileSync(stub, 'echo "service=$1 SHARD_ID=$SHARD_ID SERVER_ID=${SERVER_ID:-}"\n');
        const run = (podName: string, entrypoint = stub, extraEnv: Record<string, string> = {}) =>
          spawnSync('/bin/sh', ['-c', script.split(DOCKER_ENTRYPOINT).join(entrypoint)], {
            encoding: 'utf8',
            // A fresh /tmp per run (a new pod) unless the case gives one (a restart in the same pod).
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', POD_NAME: podName, TMPDIR: fs.mkdtempSync(path.join(dir, 'tmp-')), ...(world ? { SERVER_ID: world } : {}), ...extraEnv },
          });
        for (const [pod, id] of [['shard-0', '1'], ['shard-1', '2'], ['shard-41', '42'], ['shard-99998', '99999']]) {
          const r = run(pod!);
          // The world passes through untouched: every pod serves the same one, each as itself.
          expect([pod, r.status, r.stdout.trim()]).toEqual([pod, 0, `service=shard SHARD_ID=${id} SERVER_ID=${world}`]);
        }
        for (const pod of ['shard', 'shard-', 'shard-x1']) {
          const r = run(pod);
          expect([pod, r.status, r.stdout]).toEqual([pod, 64, '']);
        }
        // A restart of the container in the same pod (its /tmp kept) waits SHARD_TIMEOUT_MS + 2 s
        // before starting, so that gateways and peers judge the crashed process gone first;
        // a new pod does not wait. `sleep` stubbed: it says how long it was asked for.
        const fakeBin = path.join(dir, 'fake-bin');
        fs.mkdirSync(fakeBin);
        fs.writeFileSync(path.join(fakeBin, 'sleep'), '#!/bin/sh\necho "slept $1"\n', { mode: 0o755 });
        const podTmp = fs.mkdtempSync(path.join(dir, 'pod-'));
        const inPod = (timeout?: string) =>
          run('shard-4', stub, { PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`, TMPDIR: podTmp, ...(timeout === undefined ? {} : { SHARD_TIMEOUT_MS: timeout }) });
        const id = `SHARD_ID=5 SERVER_ID=${world}`;
        const first = inPod(envValue(env, 'SHARD_TIMEOUT_MS'));
        expect([first.status, first.stdout.trim()]).toEqual([0, `service=shard ${id}`]);
        const timeoutMs = Number(envValue(env, 'SHARD_TIMEOUT_MS') ?? SHARED_WORLD_DEFAULTS.shardTimeoutMs);
        const again = inPod(envValue(env, 'SHARD_TIMEOUT_MS'));
        const waited = Number(/^slept (\d+)$/m.exec(again.stdout)?.[1]);
        expect([again.status, again.stdout.trim().split('\n').at(-1)]).toEqual([0, `service=shard ${id}`]);
        expect(waited * 1000).toBeGreaterThan(timeoutMs);
        expect(JSON.parse(again.stderr.trim())).toMatchObject({ level: 'warn', service: 'shard', shard: 5, waitSeconds: waited });
        expect(Number(/^slept (\d+)$/m.exec(inPod('60000').stdout)?.[1])).toBe(62);
        // Through the image's real entrypoint (deploy/image), with `node` stubbed, when present.
        const real = path.join(ROOT, 'deploy/image/entrypoint.sh');
        if (fs.existsSync(real)) {
          const bin = path.join(dir, 'bin');
          fs.mkdirSync(bin);
          fs.writeFileSync(path.join(bin, 'node'), '#!/bin/sh\necho "node $1 SHARD_ID=$SHARD_ID"\n', { mode: 0o755 });
          fs.mkdirSync(path.join(dir, 'app/services/shard/dist'), { recursive: true });
          fs.writeFileSync(path.join(dir, 'app/services/shard/dist/bin.js'), '');
          const r = run('shard-2', real, { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, SHARDGATE_HOME: path.join(dir, 'app'), NATS_URL: 'nats://nats:4222' });
          expect([r.status, r.stdout.trim()]).toEqual([0, `node ${path.join(dir, 'app/services/shard/dist/bin.js')} SHARD_ID=3`]);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`k8s - ${tree}: NetworkPolicies deny by default, open 9001 to all, 9100 to monitoring, and egress to Redis and NATS`, () => {
      const objects = rendered(tree);
      const policies = policiesOf(objects);
      const gateway = labelsOf(gatewayOf(objects));
      const shard = labelsOf(shardOf(objects));
      const internet: Peer = { external: '203.0.113.7' };
      const monitoring: Peer = { pod: { 'app.kubernetes.io/name': 'prometheus' }, namespace: 'monitoring' };
      const elsewhere: Peer = { pod: { app: 'anything' }, namespace: 'default' };
      const neighbour: Peer = { pod: { app: 'anything' }, namespace: NAMESPACE };
      const redisOut: Peer = { external: '10.20.30.40' };
      const can = (direction: 'ingress' | 'egress', pod: Labels, peer: Peer, port: number, protocol: 'TCP' | 'UDP' = 'TCP') =>
        allowed(policies, { direction, pod, peer, port, protocol });

      // Default deny, both ways, for any pod of the namespace.
      expect(policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)))).toBe(true);
      expect(can('ingress', { app: 'stray' }, neighbour, 8080)).toBe(false);
      expect(can('egress', { app: 'stray' }, internet, 443)).toBe(false);

      // Players from anywhere; the admin port from the monitoring namespace only.
      for (const peer of [internet, elsewhere, neighbour]) expect(can('ingress', gateway, peer, 9001)).toBe(true);
      for (const pod of [gateway, shard]) {
        expect(can('ingress', pod, monitoring, 9100)).toBe(true);
        for (const peer of [internet, elsewhere, neighbour, { pod: gateway, namespace: NAMESPACE } as Peer]) expect(can('ingress', pod, peer, 9100)).toBe(false);
      }
      expect(can('ingress', shard, internet, 9001)).toBe(false);

      // Egress: gateways to Redis and NATS, shards to NATS only, both to DNS; nothing else.
      expect([6379, 4222].map((port) => can('egress', gateway, redisOut, port))).toEqual([true, true]);
      expect([6379, 4222].map((port) => can('egress', shard, redisOut, port))).toEqual([false, true]);
      for (const pod of [gateway, shard]) {
        expect(can('egress', pod, redisOut, 53, 'UDP')).toBe(true);
        expect(can('egress', pod, internet, 443)).toBe(false);
      }

      // In-cluster Redis and NATS (dev): reachable by shardgate pods only.
      const redis = find(objects, 'Deployment', 'redis');
      const nats = find(objects, 'Deployment', 'nats');
      expect([Boolean(redis), Boolean(nats)]).toEqual([tree === 'dev', tree === 'dev']);
      if (redis && nats) {
        const redisPod = labelsOf(redis);
        const natsPod = labelsOf(nats);
        expect(can('ingress', redisPod, { pod: gateway, namespace: NAMESPACE }, 6379)).toBe(true);
        expect(can('ingress', natsPod, { pod: gateway, namespace: NAMESPACE }, 4222)).toBe(true);
        expect(can('ingress', natsPod, { pod: shard, namespace: NAMESPACE }, 4222)).toBe(true);
        for (const peer of [neighbour, elsewhere, monitoring, internet, { pod: gateway, namespace: 'default' } as Peer]) {
          expect(can('ingress', redisPod, peer, 6379)).toBe(false);
          expect(can('ingress', natsPod, peer, 4222)).toBe(false);
        }
        expect(can('ingress', redisPod, { pod: shard, namespace: NAMESPACE }, 6379)).toBe(false);
        // and the gateways' egress to them, pod to pod
        expect(can('egress', gateway, { pod: redisPod, namespace: NAMESPACE }, 6379)).toBe(true);
        expect(can('egress', shard, { pod: natsPod, namespace: NAMESPACE }, 4222)).toBe(true);
      }
    });

    it(`k8s - ${tree}: every container runs as non-root, read-only, without privileges`, () => {
      const objects = rendered(tree);
      const ns = get(objects, 'Namespace', NAMESPACE);
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      for (const w of workloads(objects)) {
        const spec = podTemplate(w).spec;
        expect([w.metadata.name, spec.hostNetwork ?? false, spec.hostPID ?? false, spec.automountServiceAccountToken]).toEqual([w.metadata.name, false, false, false]);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const pod = spec.securityContext ?? {};
          const own = c.securityContext ?? {};
          const user = own.runAsUser ?? pod.runAsUser;
          expect({
            container: `${w.metadata.name}/${c.name}`,
            runAsNonRoot: own.runAsNonRoot ?? pod.runAsNonRoot,
            rootUser: user === 0,
            readOnlyRootFilesystem: own.readOnlyRootFilesystem,
            allowPrivilegeEscalation: own.allowPrivilegeEscalation,
            dropsAll: (own.capabilities?.drop ?? []).includes('ALL'),
            seccomp: (own.seccompProfile ?? pod.seccompProfile)?.type,
          }).toEqual({
            container: `${w.metadata.name}/${c.name}`,
            runAsNonRoot: true,
            rootUser: false,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            dropsAll: true,
            seccomp: 'RuntimeDefault',
          });
          expect([c.name, c.resources?.requests?.cpu !== undefined, c.resources?.requests?.memory !== undefined, c.resources?.limits?.memory !== undefined]).toEqual([c.name, true, true, true]);
        }
      }
    });

    it(`k8s - ${tree}: PodDisruptionBudgets cover the gateways and the shards without blocking drains`, () => {
      const objects = rendered(tree);
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
      for (const w of [gatewayOf(objects), shardOf(objects)]) {
        const covering = pdbs.filter((p) => selects(p.spec.selector, labelsOf(w)));
        expect([w.metadata.name, covering.length]).toEqual([w.metadata.name, 1]);
        const [pdb] = covering;
        if (pdb.spec.maxUnavailable !== undefined) expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
        else expect(pdb.spec.minAvailable).toBeLessThan(w.spec.replicas ?? 1);
      }
    });

    it(`k8s - ${tree}: the rendered environment passes the services' own config validation, every key read`, () => {
      const objects = rendered(tree);
      const check = (c: K8sObject, read: (env: Record<string, string>) => void, allowedUnread: string[]) => {
        const env: Record<string, string> = {};
        for (const [k, v] of containerEnv(objects, c)) {
          if ('value' in v) env[k] = v.value;
          else if ('secret' in v) env[k] = 'a-real-token-comes-from-the-secret-0123456789';
          else env[k] = v.field === 'metadata.name' ? 'shard-0' : 'x';
        }
        const seen = new Set<string>();
        const proxy = new Proxy(env, {
          get: (t, key) => {
            if (typeof key === 'string') seen.add(key);
            return t[key as string];
          },
        });
        read(proxy);
        const unread = Object.keys(env).filter((k) => !seen.has(k) && !allowedUnread.includes(k));
        expect([c.name, unread]).toEqual([c.name, []]);
        return env;
      };
      const gatewayEnv = check(
        container(gatewayOf(objects), 'gateway'),
        (env) => {
          const reader = new EnvReader(env);
          readProcessConfig(reader);
          readGatewaySettings(reader);
          readDistributedGatewayConfig(reader);
          reader.done();
        },
        [],
      );
      // Unique per gateway: left unset, each takes its own from Redis.
      expect(gatewayEnv.GATEWAY_ID).toBeUndefined();
      expect(gatewayEnv.ADMIN_TOKEN).toMatch(/^\S{16,512}$/);
      check(
        container(shardOf(objects), 'shard'),
        (env) => {
          // services/shard/src/bin.ts; SHARD_ID comes from the entry script (pod ordinal + 1).
          const reader = new EnvReader(env);
          readProcessConfig(reader);
          readDistributedShardConfig(reader);
          reader.done();
        },
        ['POD_NAME'],
      );
    });

    it(`k8s - ${tree}: every ConfigMap and Secret a pod needs is rendered${tree === 'prod' ? ', but the admin token (created out of band)' : ''}`, () => {
      const objects = rendered(tree);
      const secrets = objects.filter((o) => o.kind === 'Secret');
      for (const w of workloads(objects)) {
        for (const c of podTemplate(w).spec.containers) {
          for (const s of c.envFrom ?? []) {
            const ref = s.configMapRef ?? s.secretRef;
            const kind = s.configMapRef ? 'ConfigMap' : 'Secret';
            if (!ref.optional) expect(`${kind} ${ref.name}: ${Boolean(find(objects, kind, ref.name))}`).toBe(`${kind} ${ref.name}: true`);
          }
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (!ref || ref.optional) continue;
            if (tree === 'prod') expect(ref.name).toBe('shardgate-admin');
            else expect(find(objects, 'Secret', ref.name)?.stringData?.[ref.key] ?? find(objects, 'Secret', ref.name)?.data?.[ref.key]).toBeDefined();
          }
        }
      }
      if (tree === 'prod') expect(secrets).toEqual([]);
      else expect(get(objects, 'Secret', 'shardgate-admin').stringData.ADMIN_TOKEN).toMatch(/^\S{16,512}$/);
    });

    it(`k8s - ${tree}: gateways and shards run the one shardgate image, each its own service`, () => {
      const objects = rendered(tree);
      const gc = container(gatewayOf(objects), 'gateway');
      const sc = container(shardOf(objects), 'shard');
      expect(gc.image).toBe(sc.image);
      expect(gc.image).toMatch(/(^|\/)shardgate:[\w.-]+$/);
      expect(gc.command).toBeUndefined(); // the image's ENTRYPOINT...
      expect(gc.args).toEqual(['gateway']); // ...with the service
      const dockerfile = path.join(ROOT, 'deploy/Dockerfile');
      if (fs.existsSync(dockerfile)) {
        // The shard's script execs the ENTRYPOINT itself, as the same user the image declares.
        const text = fs.readFileSync(dockerfile, 'utf8');
        expect(text).toMatch(new RegExp(`^ENTRYPOINT .*"${DOCKER_ENTRYPOINT}"`, 'm'));
        // The shard's command starts with the image's init, as the ENTRYPOINT does.
        const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text)![1]) as string[];
        expect(container(shardOf(objects), 'shard').command.slice(0, 3)).toEqual(entrypoint.slice(0, 3));
        const user = /^USER\s+(\d+)/m.exec(text)?.[1];
        expect(String(podTemplate(gatewayOf(objects)).spec.securityContext.runAsUser)).toBe(user);
        expect(String(podTemplate(shardOf(objects)).spec.securityContext.runAsUser)).toBe(user);
      }
    });
  });

  describe.each(WITH_HPA)('%s autoscaling', (tree) => {
    it(`k8s - ${tree}: the HPA scales the gateway Deployment on CPU and shardgate_gateway_connections per pod`, () => {
      const objects = rendered(tree);
      const hpa = get(objects, 'HorizontalPodAutoscaler', 'gateway');
      const gateway = gatewayOf(objects);
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: gateway.metadata.name });
      const cpu = hpa.spec.metrics.find((m: K8sObject) => m.type === 'Resource' && m.resource.name === 'cpu');
      expect(cpu.resource.target.type).toBe('Utilization');
      expect(container(gateway, 'gateway').resources.requests.cpu).toBeDefined(); // Utilization is of the request
      const pods = hpa.spec.metrics.find((m: K8sObject) => m.type === 'Pods');
      expect(pods.pods.metric.name).toBe('shardgate_gateway_connections');
      expect(pods.pods.target.type).toBe('AverageValue');
      expect(Number(pods.pods.target.averageValue)).toBeGreaterThan(0);
      expect(declaredMetrics().get('shardgate_gateway_connections')).toBe('Gauge');
      // The HPA owns the count: a replicas field would reset a scaled fleet on every apply.
      expect(gateway.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      if (tree === 'prod') expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
      // Scale-down drains players: at most one gateway at a time.
      const down = hpa.spec.behavior.scaleDown;
      expect(down.policies.every((p: K8sObject) => p.type === 'Pods' && p.value === 1)).toBe(true);
    });

    it(`k8s - ${tree}: the ServiceMonitor scrapes /metrics on the admin port of gateways and shards`, () => {
      const objects = rendered(tree);
      const sm = get(objects, 'ServiceMonitor', 'shardgate');
      const services = objects.filter((o) => o.kind === 'Service' && selects(sm.spec.selector, o.metadata.labels ?? {}));
      expect(services.map((s) => s.metadata.name).sort()).toEqual(['gateway-admin', 'shard']);
      const [endpoint] = sm.spec.endpoints;
      expect(sm.spec.endpoints).toHaveLength(1);
      expect([endpoint.port, endpoint.path, endpoint.honorLabels]).toEqual(['admin', '/metrics', true]);
      for (const s of services) expect(s.spec.ports.map((p: K8sObject) => p.name)).toContain('admin');
      // job = each Service's jobLabel value: the job names the alert rules' up{job=...} use.
      expect(services.map((s) => s.metadata.labels[sm.spec.jobLabel]).sort()).toEqual(JOBS);
      expect(sm.spec.namespaceSelector).toBeUndefined(); // its own namespace
    });

    it(`k8s - ${tree}: the PrometheusRule carries the alert set, on metrics the services export`, () => {
      const objects = rendered(tree);
      const rule = get(objects, 'PrometheusRule', 'shardgate');
      const rules: K8sObject[] = rule.spec.groups.flatMap((g: K8sObject) => g.rules);
      expect(rules.map((r) => r.alert).sort()).toEqual([...REQUIRED_ALERTS].sort());
      const declared = declaredMetrics();
      const promClient = fs.readFileSync(require.resolve('prom-client/lib/metrics/eventLoopLag.js', { paths: [path.join(ROOT, 'packages/metrics')] }), 'utf8');
      for (const r of rules) {
        expect([r.alert, r.labels?.severity, typeof r.annotations?.summary, typeof r.annotations?.description]).toEqual([r.alert, expect.stringMatching(/^(critical|warning)$/), 'string', 'string']);
        for (const [name] of String(r.expr).matchAll(/\b(?:shardgate|nodejs)_[a-z0-9_]+/g)) {
          if (name.startsWith('nodejs_')) expect(promClient).toContain(`'${name}'`);
          else expect([r.alert, name, declared.has(name.replace(/_(bucket|sum|count)$/, ''))]).toEqual([r.alert, name, true]);
        }
        for (const [, job] of String(r.expr).matchAll(/\bjob="([^"]+)"/g)) expect(JOBS).toContain(job);
      }
      // The very groups of deploy/prometheus/alerts.yml, when that file exists.
      const alertsFile = path.join(ROOT, 'deploy/prometheus/alerts.yml');
      if (fs.existsSync(alertsFile)) {
        const [doc] = parseYamlDocuments(fs.readFileSync(alertsFile, 'utf8'));
        const inSync = isDeepStrictEqual(rule.spec.groups, doc!.groups); // kubectl sorts keys: compare values
        expect(inSync ? 'in sync' : 'k8s/base/monitoring/prometheusrule.yaml differs from deploy/prometheus/alerts.yml: run node test/k8s/sync-prometheusrule.mjs').toBe('in sync');
      }
      if (!promtool()) {
        process.stdout.write('k8s: promtool missing (Debian package `prometheus`): skipping `promtool check rules` on the PrometheusRule\n');
        return;
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-k8s-rules-'));
      try {
        const file = path.join(dir, 'rules.json'); // JSON is YAML
        fs.writeFileSync(file, JSON.stringify({ groups: rule.spec.groups }));
        const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
        expect([run.status, run.stderr.trim()]).toEqual([0, '']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('k8s - dev runs one gateway, one shard and in-cluster Redis and NATS, no HPA or Prometheus Operator objects', () => {
    const objects = rendered('dev');
    expect(gatewayOf(objects).spec.replicas).toBe(1);
    expect(shardOf(objects).spec.replicas).toBe(1);
    for (const kind of ['HorizontalPodAutoscaler', 'ServiceMonitor', 'PrometheusRule']) expect(objects.filter((o) => o.kind === kind)).toEqual([]);
    const env = containerEnv(objects, container(gatewayOf(objects), 'gateway'));
    for (const [variable, service, port] of [['REDIS_URL', 'redis', 6379], ['NATS_URL', 'nats', 4222]] as const) {
      const url = new URL(envValue(env, variable)!);
      expect([variable, url.hostname, Number(url.port)]).toEqual([variable, service, port]);
      const svc = get(objects, 'Service', service);
      expect(svc.spec.ports.map((p: K8sObject) => p.port)).toContain(port);
      const backend = workloads(objects).filter((w) => selects({ matchLabels: svc.spec.selector }, labelsOf(w)));
      expect(backend.map((w) => w.metadata.name)).toEqual([service]);
    }
  });

  it('k8s - prod runs no Redis or NATS in the cluster and points at external ones', () => {
    const objects = rendered('prod');
    const images = workloads(objects).flatMap((w) => podTemplate(w).spec.containers.map((c: K8sObject) => String(c.image)));
    expect(images.filter((i) => /(^|\/)(redis|nats|valkey|keydb)[:@]/.test(i))).toEqual([]);
    const ports = objects.filter((o) => o.kind === 'Service').flatMap((s) => s.spec.ports.map((p: K8sObject) => p.port));
    expect(ports.filter((p) => p === 6379 || p === 4222)).toEqual([]);
    const serviceNames = new Set(objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name));
    const env = containerEnv(objects, container(gatewayOf(objects), 'gateway'));
    for (const variable of ['REDIS_URL', 'NATS_URL']) {
      const host = new URL(envValue(env, variable)!).hostname;
      // Not a short in-namespace name (there is no such Service in prod): another namespace or outside.
      expect([variable, host.includes('.'), serviceNames.has(host)]).toEqual([variable, true, false]);
    }
    expect(gatewayOf(objects).spec.replicas).toBeUndefined();
    // The world's shards are the HPA's, three at least: a rollout or a lost shard leaves two.
    expect(shardOf(objects).spec.replicas).toBeUndefined();
    expect(hpaOf(objects, 'shard')?.spec.minReplicas).toBeGreaterThanOrEqual(3);
  });

  describe.each(SHARED)('%s shared world', (tree) => {
    it(`k8s - ${tree}: every shard serves one world (SERVER_ID), joining and leaving it one at a time`, () => {
      const objects = rendered(tree);
      const shard = shardOf(objects);
      const env: Record<string, string> = {};
      for (const [k, v] of containerEnv(objects, container(shard, 'shard'))) if ('value' in v) env[k] = v.value;
      const reader = new EnvReader(env);
      const config = readDistributedShardConfig(reader);
      reader.done();
      // The service's own reading: a world shared with the StatefulSet's other pods.
      expect(config.shared).toBeDefined();
      expect(config.shard.serverId).toBe(Number(env.SERVER_ID));
      // One at a time, in order: a scale-in drains one shard completely before the next, a
      // scale-out joins one after the other; a rollout waits for the new shard to settle.
      expect(shard.spec.podManagementPolicy).toBe('OrderedReady');
      expect(shard.spec.minReadySeconds).toBeGreaterThanOrEqual(5);
      expect(shard.spec.updateStrategy.type).toBe('RollingUpdate');
      expect(shard.spec.updateStrategy.rollingUpdate?.partition ?? 0).toBe(0);
      // Voluntary disruptions too: one shard of the world at a time.
      const pdb = objects.filter((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec.selector, labelsOf(shard)));
      expect(pdb.map((p) => p.spec.maxUnavailable)).toEqual([1]);
      // Gateways and shards judge a silent shard after the same time: the shards take its
      // regions when the gateways close its players, not later.
      const gatewayTimeout = envValue(containerEnv(objects, container(gatewayOf(objects), 'gateway')), 'SHARD_TIMEOUT_MS');
      expect(config.shared?.shardTimeoutMs).toBe(Number(gatewayTimeout ?? SHARED_WORLD_DEFAULTS.shardTimeoutMs));
    });

    it(`k8s - ${tree}: ${SHARD_HPA.includes(tree) ? 'an HPA owns the shard count' : 'the shard count is fixed (no HPA)'}`, () => {
      const objects = rendered(tree);
      const hpa = hpaOf(objects, 'shard');
      expect(Boolean(hpa)).toBe(SHARD_HPA.includes(tree));
      // Either the HPA owns the count (and an apply never resets it), or the manifest does.
      expect(shardOf(objects).spec.replicas === undefined).toBe(SHARD_HPA.includes(tree));
    });
  });

  it('k8s - base: each shard is a world of its own, so nothing scales the shards automatically', () => {
    const objects = rendered('base');
    // An HPA here would add and remove worlds: every scale-in would close a world's players.
    expect(hpaOf(objects, 'shard')).toBeUndefined();
    expect(shardOf(objects).spec.podManagementPolicy).toBe('Parallel');
  });

  it('k8s - dev: the in-cluster NATS runs JetStream (the worlds\' members), stored on a writable volume', () => {
    const objects = rendered('dev');
    const nats = get(objects, 'Deployment', 'nats');
    const c = container(nats, 'nats');
    const args: string[] = [...(c.command ?? []), ...(c.args ?? [])];
    expect(args.some((a) => a === '--jetstream' || a === '-js')).toBe(true);
    const storeFlag = args.findIndex((a) => a === '--store_dir' || a === '-sd');
    expect(storeFlag).toBeGreaterThan(0);
    const store = args[storeFlag + 1];
    // The root filesystem is read-only: the store must be a mounted volume.
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const mount = (c.volumeMounts ?? []).find((m: K8sObject) => m.mountPath === store);
    expect(mount?.readOnly ?? false).toBe(false);
    expect(podTemplate(nats).spec.volumes.map((v: K8sObject) => v.name)).toContain(mount.name);
  });

  describe.each(SHARD_HPA)('%s shard autoscaling', (tree) => {
    it(`k8s - ${tree}: the shard HPA scales the StatefulSet on CPU and shardgate_shard_players per pod, down one shard at a time`, () => {
      const objects = rendered(tree);
      const hpa = hpaOf(objects, 'shard')!;
      const shard = shardOf(objects);
      const c = container(shard, 'shard');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: shard.metadata.name });
      const cpu = hpa.spec.metrics.find((m: K8sObject) => m.type === 'Resource' && m.resource.name === 'cpu');
      expect(cpu.resource.target.type).toBe('Utilization');
      expect(c.resources.requests.cpu).toBeDefined(); // Utilization is of the request
      const pods = hpa.spec.metrics.find((m: K8sObject) => m.type === 'Pods');
      expect(pods.pods.metric.name).toBe('shardgate_shard_players');
      expect(declaredMetrics().get('shardgate_shard_players')).toBe('Gauge');
      expect(pods.pods.target.type).toBe('AverageValue');
      // Below MAX_PLAYERS: the busiest shard of a world holds more than the average.
      const maxPlayers = Number(envValue(containerEnv(objects, c), 'MAX_PLAYERS') ?? 1000);
      expect(Number(pods.pods.target.averageValue)).toBeGreaterThan(0);
      expect(Number(pods.pods.target.averageValue)).toBeLessThan(maxPlayers);
      // Two shards at least (a world's last shard cannot hand its players to anyone); no more
      // than the map has regions (a shard that would own none cannot join).
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(envValue(containerEnv(objects, c), 'MAP_FILE')).toBeUndefined();
      expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(builtInMap().grid.count);
      // Down slowly, one shard at a time: every removal is a drain and a re-deal of the regions.
      const down = hpa.spec.behavior.scaleDown;
      expect(down.policies.every((p: K8sObject) => p.type === 'Pods' && p.value === 1)).toBe(true);
      expect(down.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
      // Up by whole shards, a few at a time (OrderedReady adds them one by one anyway).
      const up = hpa.spec.behavior.scaleUp;
      expect(up.policies.every((p: K8sObject) => p.type === 'Pods' && p.value <= 2)).toBe(true);
    });
  });

  it('k8s - every Pods metric of every HPA has its prometheus-adapter rule, on a gauge the services export', () => {
    const [values] = parseYamlDocuments(fs.readFileSync(path.join(ROOT, ADAPTER_VALUES), 'utf8'));
    const rules: K8sObject[] = values!.rules.custom;
    expect(values!.rules.default).toBe(false);
    const declared = declaredMetrics();
    const metrics = new Set<string>();
    for (const tree of ALL) {
      for (const hpa of rendered(tree).filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        for (const m of hpa.spec.metrics.filter((x: K8sObject) => x.type === 'Pods')) metrics.add(m.pods.metric.name);
      }
    }
    expect([...metrics].sort()).toEqual(['shardgate_gateway_connections', 'shardgate_shard_players']);
    for (const metric of metrics) {
      const rule = rules.find((r) => r.name?.as === metric);
      expect([metric, Boolean(rule)]).toEqual([metric, true]);
      // The series it reads is that very gauge, mapped to the pod that exports it.
      expect([metric, String(rule!.seriesQuery).split('{')[0]]).toEqual([metric, metric]);
      expect([metric, new RegExp(rule!.name.matches).test(metric)]).toEqual([metric, true]);
      expect(rule!.resources.overrides).toEqual({ namespace: { resource: 'namespace' }, pod: { resource: 'pod' } });
      expect(String(rule!.metricsQuery)).toContain('<<.Series>>{<<.LabelMatchers>>}');
      expect(declared.get(metric)).toBe('Gauge');
    }
  });

  it('k8s - the schema check catches unknown fields, wrong types and unknown kinds', () => {
    const objects = structuredClone(rendered('prod'));
    const gateway = gatewayOf(objects);
    gateway.spec.template.spec.containers[0].readinesProbe = gateway.spec.template.spec.containers[0].readinessProbe;
    gateway.spec.strategy.rollingUpdate.maxUnavailble = 0;
    gateway.spec.template.spec.terminationGracePeriodSeconds = '40';
    get(objects, 'ServiceMonitor', 'shardgate').spec.endpoints[0].honourLabels = true;
    get(objects, 'PrometheusRule', 'shardgate').spec.groups[0].rules[0].expresion = 'up';
    get(objects, 'NetworkPolicy', 'gateway').spec.ingress[0].ports[0].prot = 9001;
    objects.push({ apiVersion: 'v1', kind: 'Podd', metadata: { name: 'x', namespace: NAMESPACE } });
    const errors = validateSchemas(objects).flatMap((r) => r.errors.map((e) => `${r.kind}/${r.name}${e}`));
    expect(errors).toEqual(
      expect.arrayContaining([
        'Deployment/gateway/spec/template/spec/containers/0/readinesProbe: unknown field "readinesProbe"',
        'Deployment/gateway/spec/strategy/rollingUpdate/maxUnavailble: unknown field "maxUnavailble"',
        expect.stringMatching(/^Deployment\/gateway\/spec\/template\/spec\/terminationGracePeriodSeconds: must be integer/),
        'ServiceMonitor/shardgate/spec/endpoints/0/honourLabels: unknown field "honourLabels"',
        'PrometheusRule/shardgate/spec/groups/0/rules/0/expresion: unknown field "expresion"',
        'NetworkPolicy/gateway/spec/ingress/0/ports/0/prot: unknown field "prot"',
        expect.stringMatching(/^Podd\/xno schema known for v1 Podd/),
      ]),
    );
    // ...and nothing else: the untouched parts stay clean.
    expect(errors).toHaveLength(7);
  });
});
