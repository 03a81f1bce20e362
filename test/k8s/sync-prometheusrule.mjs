#!/usr/bin/env node
// Regenerates k8s/base/monitoring/prometheusrule.yaml from deploy/prometheus/alerts.yml, so
// Kubernetes (Prometheus Operator) and compose (plain Prometheus) fire the same alerts.
//
//   node test/k8s/sync-prometheusrule.mjs          rewrite the PrometheusRule
//   node test/k8s/sync-prometheusrule.mjs --check  exit 1 if it is out of date
//
// The groups are copied as they are, comments included. test/k8s/kustomize.test.ts fails
// when the two differ and names this script. (Kustomize cannot read deploy/ itself: files
// outside a kustomization's root are refused.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, parseDocument } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = path.join(ROOT, 'deploy/prometheus/alerts.yml');
const TARGET = path.join(ROOT, 'k8s/base/monitoring/prometheusrule.yaml');

const HEADER = `GENERATED from deploy/prometheus/alerts.yml by test/k8s/sync-prometheusrule.mjs: edit
the alerts there, then run \`node test/k8s/sync-prometheusrule.mjs\`. test/k8s checks that
both carry the same groups.

The alert set for the Prometheus Operator. GatewayDown and ShardDown select \`up\` by job
(shardgate-gateway, shardgate-shard): the ServiceMonitor sets those job names through its
jobLabel. What each alert means and what to do: docs/operations.md.`;

export function generate() {
  const source = parseDocument(fs.readFileSync(SOURCE, 'utf8'));
  if (source.errors.length > 0) throw new Error(`${SOURCE}: ${source.errors.map((e) => e.message).join('; ')}`);
  const groups = source.get('groups', true);
  if (!groups) throw new Error(`${SOURCE}: no groups`);
  const out = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'shardgate', labels: { 'app.kubernetes.io/name': 'shardgate' } },
    spec: {},
  });
  out.setIn(['spec', 'groups'], groups);
  out.commentBefore = HEADER.split('\n').map((line) => (line ? ` ${line}` : '')).join('\n');
  return out.toString({ lineWidth: 0 });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${path.relative(ROOT, TARGET)} is out of date: run node test/k8s/sync-prometheusrule.mjs\n`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(TARGET, text);
    process.stdout.write(`wrote ${path.relative(ROOT, TARGET)}\n`);
  }
}
