// Offline checks of deploy/prometheus (scrape config, alert rules, their unit tests) and of
// the Grafana dashboard's queries. Why: a broken rule file or a panel query with a typo is
// silent until the day someone needs the alert or the graph; these checks make it fail here.
//
// promtool (Debian package `prometheus`, installed by .ci/run) parses and evaluates for real:
// where it is missing, those tests are skipped with one line naming the package. The
// structural checks below (names, annotations, runbook links, metric names) need no tool.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRegistry, createShardMetrics } from '@shardgate/metrics';
import { SHARD_DEFAULTS } from '../../services/shard/src/config';
import { loadDashboard, queryPanels, variableQueries } from './helpers/dashboard';
import { asList, asObj, deployPath, readYaml, ROOT, type Obj } from './helpers/files';
import { ANNOUNCED_GAUGES, SCRAPE_SERIES, exportedSeriesNames } from './helpers/metrics';
import { metricNamesIn, substituteGrafanaVariables } from './helpers/promql';
import { describeWithPromtool, promtool } from './helpers/promtool';
import { REQUIRED_ALERTS } from './helpers/alerts';

const CONFIG = 'deploy/prometheus/prometheus.yml';
const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';


/** GitHub's heading anchor: lowercase, punctuation dropped (but - and _), spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function alertRules(): Obj[] {
  const groups = asList(asObj(readYaml(deployPath('prometheus', 'alerts.yml')), 'alerts.yml').groups, 'alerts.yml groups');
  return groups.flatMap((group, i) => asList(asObj(group, `group ${i}`).rules, `group ${i} rules`).map((rule, j) => asObj(rule, `group ${i} rule ${j}`)));
}

/** Every PromQL expression of the dashboard, Grafana variables substituted, with where it came from. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const dashboard = loadDashboard();
  const out: { where: string; expr: string }[] = [];
  for (const panel of queryPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.expr) out.push({ where: `panel ${panel.id} "${panel.title}" ${target.refId ?? ''}`.trim(), expr: substituteGrafanaVariables(target.expr) });
    }
  }
  for (const variable of variableQueries(dashboard)) out.push({ where: `variable $${variable.name}`, expr: substituteGrafanaVariables(variable.expr) });
  return out;
}

describeWithPromtool('deploy - promtool', () => {
  it('deploy - prometheus.yml passes promtool check config, rule files included', () => {
    const result = promtool(['check', 'config', CONFIG]);
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    // rule_files resolve relative to the config: the check must have loaded alerts.yml.
    expect(result.output).toMatch(/alerts\.yml/);
  });

  it('deploy - alerts.yml passes promtool check rules', () => {
    const result = promtool(['check', 'rules', RULES]);
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${alertRules().length} rules found`) });
  });

  it('deploy - every alert fires and stays silent as alerts.test.yml expects (promtool test rules)', () => {
    const result = promtool(['test', 'rules', RULE_TESTS]);
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('deploy - every Grafana panel and variable query is valid PromQL (promtool check rules)', () => {
    // One recording rule per query: promtool parses each expression with Prometheus' own
    // parser. The record name carries the index, the message maps it back to the panel.
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(20);
    const rules = expressions.map(({ expr }, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(expr)}\n`).join('');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard-queries.yml');
      fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}`);
      const result = promtool(['check', 'rules', file]);
      const failing = [...result.output.matchAll(/dashboard_query_(\d+)/g)].map((m) => expressions[Number(m[1])]);
      expect({ status: result.status, failing, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, failing: [], output: '' });
      expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy - alert rules', () => {
  it('deploy - the alerts issues 4 and 11 ask for exist, each with a severity, a summary, a description and its runbook link', () => {
    const rules = alertRules();
    const names = rules.map((rule) => rule.alert);
    expect(names).toEqual(expect.arrayContaining(REQUIRED_ALERTS));
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      const name = String(rule.alert);
      const labels = asObj(rule.labels, `${name} labels`);
      const annotations = asObj(rule.annotations, `${name} annotations`);
      expect({ name, severity: labels.severity }).toEqual({ name, severity: expect.stringMatching(/^(critical|warning)$/) });
      expect({ name, summary: typeof annotations.summary, description: typeof annotations.description }).toEqual({ name, summary: 'string', description: 'string' });
      // docs/operations.md is written separately; its anchors are the alert names in lowercase.
      expect({ name, runbook: annotations.runbook_url }).toEqual({ name, runbook: `docs/operations.md#${name.toLowerCase()}` });
      // A `for` on every alert: none should page on a single bad evaluation.
      expect({ name, for: typeof rule.for }).toEqual({ name, for: 'string' });
    }
  });

  // docs/operations.md is written separately; once it exists, every runbook link must land on
  // a heading (GitHub's anchor of "## GatewayDown" is #gatewaydown) or an explicit anchor.
  const OPERATIONS = path.join(ROOT, 'docs', 'operations.md');
  (fs.existsSync(OPERATIONS) ? it : it.skip)('deploy - every runbook link lands on an anchor of docs/operations.md', () => {
    const doc = fs.readFileSync(OPERATIONS, 'utf8');
    const anchors = new Set([
      ...[...doc.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => githubSlug(m[1])),
      ...[...doc.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)].map((m) => m[1]),
    ]);
    const missing = alertRules()
      .map((rule) => String(asObj(rule.annotations, 'annotations').runbook_url))
      .filter((url) => !anchors.has(url.split('#')[1]));
    expect(missing).toEqual([]);
  });

  it('deploy - every alert has a promtool case where it fires and one where it must stay silent', () => {
    const file = asObj(readYaml(deployPath('prometheus', 'alerts.test.yml')), 'alerts.test.yml');
    expect(file.rule_files).toEqual(['alerts.yml']);
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const [i, test] of asList(file.tests, 'tests').entries()) {
      for (const check of asList(asObj(test, `test ${i}`).alert_rule_test ?? [], `test ${i} alert_rule_test`)) {
        const { alertname, exp_alerts: expected } = asObj(check, `test ${i} case`);
        const alerts = expected === undefined || expected === null ? [] : asList(expected, `test ${i} ${String(alertname)} exp_alerts`);
        (alerts.length > 0 ? fires : silent).add(String(alertname));
      }
    }
    const names = alertRules().map((rule) => String(rule.alert));
    expect({ withoutFiringCase: names.filter((n) => !fires.has(n)), withoutSilentCase: names.filter((n) => !silent.has(n)) }).toEqual({ withoutFiringCase: [], withoutSilentCase: [] });
  });

  it('deploy - the tick alert budget is the TICK_MS default and a bucket bound of the tick histogram', () => {
    const rule = alertRules().find((r) => r.alert === 'ShardTickP99OverBudget');
    const threshold = Number(/>\s*([0-9.]+)\s*$/.exec(String(rule?.expr).trim())?.[1]);
    expect(threshold).toBe(SHARD_DEFAULTS.tickMs / 1000);
    // On a bucket bound, "p99 > budget" means "over 1% of ticks over budget", exactly.
    const tick = createShardMetrics(createRegistry('shard', '1', false)).tickSeconds as unknown as { upperBounds: number[] };
    expect(tick.upperBounds).toContain(threshold);
  });

  it('deploy - every metric an alert or a dashboard query reads is one shardgate exports', async () => {
    const known = new Set([...(await exportedSeriesNames()), ...ANNOUNCED_GAUGES, ...SCRAPE_SERIES]);
    const sources = [
      ...alertRules().map((rule) => ({ where: `alert ${String(rule.alert)}`, expr: String(rule.expr) })),
      ...dashboardExpressions(),
    ];
    const unknown = sources.flatMap(({ where, expr }) => metricNamesIn(expr).filter((name) => !known.has(name)).map((name) => `${where}: ${name}`));
    expect(unknown).toEqual([]);
    // The extraction itself works (guards against a regex that finds nothing).
    expect(sources.flatMap(({ expr }) => metricNamesIn(expr))).toEqual(expect.arrayContaining(['shardgate_shard_tick_duration_seconds_bucket', 'nodejs_eventloop_lag_p99_seconds', 'up']));
  });
});
