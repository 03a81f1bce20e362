// Helpers of test/k8s: render the Kustomize trees with kubectl, read the rendered objects
// (pods' effective environment, label selectors, NetworkPolicy decisions), and run the
// schema validator in its own node process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '../..');
export const NAMESPACE = 'shardgate';

// Any object a manifest holds; the tests read fields they expect and fail when absent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;
export type Labels = Record<string, string>;

// ---------------------------------------------------------------------------------------
// kubectl

/** kubectl with a Kustomize able to render these trees (components, `labels`: v5), or why not. */
export function findKubectl(): { ok: true } | { ok: false; why: string } {
  const run = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (run.error) return { ok: false, why: 'kubectl not found (the `kubectl` package, with Kustomize v5: kubectl 1.27 or later)' };
  let kustomize = '';
  try {
    kustomize = String(JSON.parse(run.stdout).kustomizeVersion ?? '');
  } catch {
    // older kubectl: no JSON, no kustomizeVersion
  }
  const major = Number(/^v?(\d+)\./.exec(kustomize)?.[1] ?? 0);
  if (major < 5) return { ok: false, why: `kubectl's Kustomize is ${kustomize || 'unknown'}, these trees need v5 (kubectl 1.27 or later)` };
  return { ok: true };
}

/** `kubectl kustomize <dir>` parsed into objects. */
export function render(dir: string): K8sObject[] {
  const run = spawnSync('kubectl', ['kustomize', path.join(ROOT, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  return parseYamlDocuments(run.stdout);
}

export function parseYamlDocuments(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJSON();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

// ---------------------------------------------------------------------------------------
// Schema validation (test/k8s/validate-manifests.mjs, in a child node process)

export interface SchemaResult {
  index: number;
  kind: string;
  name: string;
  errors: string[];
}

export function validateSchemas(objects: K8sObject[]): SchemaResult[] {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'validate-manifests.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`validate-manifests.mjs exited ${run.status}: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as SchemaResult[];
}

// ---------------------------------------------------------------------------------------
// Lookups

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

export function get(objects: K8sObject[], kind: string, name: string): K8sObject {
  const object = find(objects, kind, name);
  if (!object) throw new Error(`no ${kind} ${name} in the rendered objects`);
  return object;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
}

export function podTemplate(workload: K8sObject): K8sObject {
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template : workload.spec.template;
}

export function container(workload: K8sObject, name: string): K8sObject {
  const found = podTemplate(workload).spec.containers.find((c: K8sObject) => c.name === name);
  if (!found) throw new Error(`${workload.kind} ${workload.metadata.name} has no container ${name}`);
  return found;
}

/** A named container port's number, or the number itself. */
export function portNumber(c: K8sObject, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return c.ports?.find((p: K8sObject) => p.name === port)?.containerPort;
}

// ---------------------------------------------------------------------------------------
// Label selectors

export interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const ok = {
      In: has && (e.values ?? []).includes(value!),
      NotIn: !has || !(e.values ?? []).includes(value!),
      Exists: has,
      DoesNotExist: !has,
    }[e.operator];
    if (ok !== true) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// A container's environment, as the kubelet builds it

/** Where a value comes from when the render cannot tell it. */
export type EnvValue = { value: string } | { secret: string; key: string } | { field: string };

function secretData(secret: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...out, ...(secret.stringData ?? {}) };
}

/**
 * envFrom in order (a later source wins), then env (wins over envFrom). A reference to a
 * ConfigMap that is not rendered is an error; an optional Secret that is not rendered is
 * skipped; a required one yields `{ secret, key }` markers for env entries only.
 */
export function containerEnv(objects: K8sObject[], c: K8sObject): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  for (const source of c.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const map = find(objects, 'ConfigMap', source.configMapRef.name);
      if (!map) {
        if (source.configMapRef.optional) continue;
        throw new Error(`envFrom ConfigMap ${source.configMapRef.name} is not rendered`);
      }
      for (const [k, v] of Object.entries<string>(map.data ?? {})) env.set(prefix + k, { value: v });
    } else if (source.secretRef) {
      const secret = find(objects, 'Secret', source.secretRef.name);
      if (!secret) {
        if (source.secretRef.optional) continue;
        throw new Error(`envFrom Secret ${source.secretRef.name} is not rendered and not optional`);
      }
      for (const [k, v] of Object.entries(secretData(secret))) env.set(prefix + k, { value: v });
    }
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env.set(e.name, { value: String(e.value) });
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = find(objects, 'Secret', ref.name);
      const data = secret ? secretData(secret) : undefined;
      if (data && data[ref.key] !== undefined) env.set(e.name, { value: data[ref.key]! });
      else env.set(e.name, { secret: ref.name, key: ref.key });
    } else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const v = find(objects, 'ConfigMap', ref.name)?.data?.[ref.key];
      if (v === undefined) throw new Error(`env ${e.name}: ConfigMap ${ref.name} key ${ref.key} is not rendered`);
      env.set(e.name, { value: v });
    } else if (e.valueFrom?.fieldRef) env.set(e.name, { field: e.valueFrom.fieldRef.fieldPath });
    else env.set(e.name, { value: '' });
  }
  return env;
}

export function envValue(env: Map<string, EnvValue>, name: string): string | undefined {
  const v = env.get(name);
  return v && 'value' in v ? v.value : undefined;
}

/**
 * The kubelet's expansion of `$(VAR)` in command and args: defined variables are replaced,
 * `$$` is a literal `$`, anything else (an undefined name, `$((`) stays as written.
 */
export function kubeletExpand(text: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || i + 1 >= text.length) {
      out += text[i];
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i++;
        continue;
      }
      const name = text.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : text.slice(i, close + 1);
      i = close;
    } else out += '$';
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// NetworkPolicy decisions

/** Who is on the other end: a pod (with its namespace's labels) or an address outside. */
export type Peer = { pod: Labels; namespace: string } | { external: string };

export interface Traffic {
  direction: 'ingress' | 'egress';
  /** The pod in this namespace the policy would protect. */
  pod: Labels;
  peer: Peer;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

function namespaceLabels(name: string): Labels {
  return { 'kubernetes.io/metadata.name': name };
}

function peerMatches(rulePeer: K8sObject, peer: Peer): boolean {
  if (rulePeer.ipBlock) {
    if (!('external' in peer)) return false; // pod IPs are not modelled: be strict
    return rulePeer.ipBlock.cidr === '0.0.0.0/0' || rulePeer.ipBlock.cidr === '::/0';
  }
  if (!('pod' in peer)) return false;
  const nsOk = rulePeer.namespaceSelector ? selects(rulePeer.namespaceSelector, namespaceLabels(peer.namespace)) : peer.namespace === NAMESPACE;
  const podOk = rulePeer.podSelector ? selects(rulePeer.podSelector, peer.pod) : true;
  return nsOk && podOk;
}

function portMatches(rulePorts: K8sObject[] | undefined, port: number, protocol: string): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    const proto = p.protocol ?? 'TCP';
    if (proto !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port !== 'number') throw new Error(`named port ${p.port} in a NetworkPolicy: not modelled here`);
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

/**
 * Whether the namespace's NetworkPolicies allow this connection on the protected pod's side:
 * not isolated in that direction, or some selecting policy's rule admits peer and port.
 */
export function allowed(policies: K8sObject[], t: Traffic): boolean {
  const type = t.direction === 'ingress' ? 'Ingress' : 'Egress';
  const selecting = policies.filter((p) => selects(p.spec.podSelector, t.pod));
  const isolating = selecting.filter((p) => (p.spec.policyTypes ?? ['Ingress']).includes(type));
  if (isolating.length === 0) return true;
  const protocol = t.protocol ?? 'TCP';
  return isolating.some((p) =>
    (p.spec[t.direction] ?? []).some((rule: K8sObject) => {
      const peers: K8sObject[] | undefined = t.direction === 'ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((rp) => peerMatches(rp, t.peer));
      return peerOk && portMatches(rule.ports, t.port, protocol);
    }),
  );
}
