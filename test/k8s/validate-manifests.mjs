#!/usr/bin/env node
// Validates Kubernetes objects against the Kubernetes schemas, strictly, offline.
//
//   node test/k8s/validate-manifests.mjs < objects.json    (a JSON array of objects)
//
// Prints one JSON array, one entry per object: { index, kind, name, errors: string[] }.
// Exit code 0 even when objects are invalid (the caller judges); 2 when a schema package is
// missing, with one line naming it on stderr.
//
// Schemas: `kubernetes-models` (core and built-in groups) and
// `@kubernetes-models/prometheus-operator` (ServiceMonitor, PrometheusRule). Both ship
// precompiled ajv validators that check every field they know but IGNORE fields they do not
// know, so a typo (`readinesProbe`, `maxUnavailble`) would pass `.validate()`. This script
// closes that gap with a probe: for every key of every object in a manifest it puts a value
// no schema accepts (a Symbol) in that key's place and validates again. A key the schema
// knows now yields an error at that key's path; a key that yields none is unknown to the
// schema, and is reported as such.
//
// A separate .mjs in its own node process: it imports the models as ES modules (their 5.x
// lines ship nothing else), which jest's CommonJS runtime here cannot do without
// --experimental-vm-modules.

const GROUPS = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

const UNACCEPTABLE = Symbol('unacceptable');

function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

async function modelFor(apiVersion, kind) {
  const base = GROUPS[apiVersion];
  if (!base || !/^[A-Z][A-Za-z0-9]*$/.test(String(kind))) return { problem: `no schema known for ${apiVersion} ${kind}` };
  const specifier = `${base}/${kind}`;
  try {
    const mod = await import(specifier);
    if (typeof mod[kind] !== 'function') return { problem: `${specifier} has no model ${kind}` };
    return { model: mod[kind] };
  } catch (error) {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(packageOf(specifier) + "'")) {
      process.stderr.write(`validate-manifests: npm package ${packageOf(specifier)} is not installed (a root devDependency)\n`);
      process.exit(2);
    }
    if (error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED')) {
      return { problem: `no schema known for ${apiVersion} ${kind} (${specifier})` };
    }
    throw error;
  }
}

/** ajv's errors for `data`, as [instancePath, message] pairs; [] when valid. */
function schemaErrors(Model, data) {
  try {
    new Model(data).validate();
    return [];
  } catch (error) {
    if (!Array.isArray(error?.errors)) return [['', String(error?.message ?? error)]];
    return error.errors.map((e) => [e.instancePath ?? '', e.message ?? e.keyword ?? 'invalid']);
  }
}

const pointer = (key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function withValueAt(root, path, key, value) {
  const copy = structuredClone(root);
  let node = copy;
  for (const step of path) node = node[step];
  node[key] = value;
  return copy;
}

/**
 * Keys the schema does not know, depth first. Below an unknown key nothing is probed (the
 * schema says nothing there). A key whose own value is invalid is reported as invalid only.
 */
function unknownFields(Model, object, baseline) {
  const seen = new Set(baseline.map(([p]) => p));
  const unknown = [];
  const visit = (node, path, at) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i], `${at}/${i}`));
      return;
    }
    if (!isPlainObject(node)) return;
    for (const key of Object.keys(node)) {
      const here = `${at}/${pointer(key)}`;
      if (path.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
      if (seen.has(here)) continue; // its value is invalid: reported as such
      const errors = schemaErrors(Model, withValueAt(object, path, key, UNACCEPTABLE));
      if (!errors.some(([p]) => !seen.has(p) && (p === here || p.startsWith(here + '/')))) {
        unknown.push(`${here}: unknown field "${key}"`);
        continue;
      }
      visit(node[key], [...path, key], here);
    }
  };
  visit(object, [], '');
  return unknown;
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const objects = JSON.parse(input);
  if (!Array.isArray(objects)) throw new Error('expected a JSON array of objects on stdin');
  const results = [];
  for (const [index, object] of objects.entries()) {
    const kind = object?.kind;
    const name = object?.metadata?.name;
    const { model, problem } = await modelFor(object?.apiVersion, kind);
    if (!model) {
      results.push({ index, kind, name, errors: [problem] });
      continue;
    }
    const baseline = schemaErrors(model, object);
    const errors = [
      ...baseline.map(([p, m]) => `${p || '/'}: ${m}`),
      ...unknownFields(model, object, baseline),
    ];
    results.push({ index, kind, name, errors });
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((error) => {
  process.stderr.write(`validate-manifests: ${error?.stack ?? error}\n`);
  process.exit(1);
});
