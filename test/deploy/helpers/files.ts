import fs from 'node:fs';
import path from 'node:path';
import { isAlias, parseDocument, visit } from 'yaml';

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

/**
 * Where the deploy kit lives, and typed access to its files for the offline checks in
 * test/deploy. Paths are absolute so a test never depends on jest's working directory.
 */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEPLOY = path.join(ROOT, 'deploy');

export function deployPath(...parts: string[]): string {
  return path.join(DEPLOY, ...parts);
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/**
 * A deploy/ YAML file, read strictly (the same `yaml` package test/k8s uses): YAML 1.2 core
 * schema, one document, no duplicate keys, no aliases; any error or warning fails the test
 * naming the file, instead of a misread value.
 */
export function readYaml(file: string): YamlValue {
  const doc = parseDocument(readText(file), { schema: 'core', uniqueKeys: true, strict: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((p) => p.message);
  visit(doc, (_key, node) => {
    if (isAlias(node)) problems.push(`alias *${node.source} (deploy/ YAML spells every value out)`);
  });
  if (problems.length > 0) throw new Error(`${path.relative(ROOT, file)}: ${problems.join('; ')}`);
  return doc.toJS() as YamlValue;
}

export type Obj = { [key: string]: YamlValue };

/** The value as a mapping, or a test failure naming what was expected. */
export function asObj(value: YamlValue | undefined, what: string): Obj {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function asList(value: YamlValue | undefined, what: string): YamlValue[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a sequence, got ${JSON.stringify(value)}`);
  return value;
}

/** Go-style duration (`90s`, `1m`, `1h30m`, `250ms`) in milliseconds, as compose and Prometheus write them. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}
