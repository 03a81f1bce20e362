// Offline checks of the Grafana dashboard (deploy/grafana/dashboards/shardgate.json) and its
// provisioning. Why: a dashboard is edited in a UI and exported, and an export easily loses
// what makes it portable (a hard-coded datasource uid) or what makes it right (a `=` matcher
// on a multi-value variable, a per-gateway panel that sums every gateway together). Whether
// each query parses as PromQL is checked with promtool in prometheus.test.ts.
import { allPanels, loadDashboard, queryPanels, DASHBOARD_FILE, type Panel } from './helpers/dashboard';
import { asList, asObj, deployPath, readText, readYaml } from './helpers/files';
import { grafanaVariablesIn } from './helpers/promql';

const DATASOURCE_REF = '${datasource}';

function exprs(panel: Panel): string[] {
  return (panel.targets ?? []).map((target) => target.expr ?? '');
}

/** The panels under the row titled `title`, by grid position (up to the next row). */
function panelsInRow(title: string): Panel[] {
  const panels = allPanels(loadDashboard());
  const rows = panels.filter((p) => p.type === 'row').sort((a, b) => a.gridPos!.y - b.gridPos!.y);
  const row = rows.find((r) => r.title === title);
  if (!row) throw new Error(`no row titled ${JSON.stringify(title)}`);
  const next = rows.find((r) => r.gridPos!.y > row.gridPos!.y);
  const nested = row.panels ?? [];
  const below = panels.filter((p) => p.type !== 'row' && !nested.includes(p) && p.gridPos!.y > row.gridPos!.y && (!next || p.gridPos!.y < next.gridPos!.y));
  return [...nested, ...below];
}

function panelTitled(title: string): Panel {
  const panel = queryPanels(loadDashboard()).find((p) => p.title === title);
  if (!panel) throw new Error(`no panel titled ${JSON.stringify(title)}`);
  return panel;
}

describe('deploy - Grafana dashboard', () => {
  it('deploy - the dashboard has the panels issue 4 names, each querying what its title says', () => {
    // connections; admissions and refusals by reason; messages in and out; drops by reason;
    // tick p99; admission p99; event-loop lag.
    expect(exprs(panelTitled('Connections and players')).join('\n')).toContain('shardgate_gateway_connections{');
    const admissions = exprs(panelTitled('Admissions and refusals by reason')).join('\n');
    expect(admissions).toContain('shardgate_gateway_connections_accepted_total{');
    expect(admissions).toMatch(/sum by \(reason\) \(rate\(shardgate_gateway_connections_refused_total\{/);
    const messages = exprs(panelTitled('Messages in and out')).join('\n');
    expect(messages).toContain('shardgate_gateway_messages_received_total{');
    expect(messages).toContain('shardgate_gateway_frames_sent_total{');
    expect(exprs(panelTitled('Dropped messages by reason')).join('\n')).toMatch(/sum by \(reason\) \(rate\(shardgate_gateway_messages_dropped_total\{/);
    expect(exprs(panelTitled('Tick p99')).join('\n')).toMatch(/^histogram_quantile\(0\.99, sum by \([^)]*\ble\b[^)]*\) \(rate\(shardgate_shard_tick_duration_seconds_bucket\{/);
    expect(exprs(panelTitled('Admission p99')).join('\n')).toMatch(/^histogram_quantile\(0\.99, sum by \([^)]*\ble\b[^)]*\) \(rate\(shardgate_gateway_admission_duration_seconds_bucket\{/);
    expect(exprs(panelTitled('Event-loop lag p99')).join('\n')).toContain('nodejs_eventloop_lag_p99_seconds{');
  });

  it('deploy - the dashboard has the world panels issue 11 names, under their own row', () => {
    // regions owned per shard, ownership epoch, hand-offs by cause, hand-off duration p50/p99,
    // border packets and bytes, fence waiting, peer messages refused.
    const row = panelsInRow('Worlds on several shards');
    const inRow = (title: string) => {
      const panel = panelTitled(title);
      expect({ title, inRow: row.some((p) => p.id === panel.id) }).toEqual({ title, inRow: true });
      return exprs(panel).join('\n');
    };
    expect(inRow('Regions owned by shard')).toMatch(/^sum by \(node\) \(shardgate_shard_regions_owned\{/);
    expect(inRow('Ownership epoch by shard')).toMatch(/^max by \(node\) \(shardgate_shard_ownership_epoch\{/);
    const handoffs = inRow('Hand-offs by cause');
    expect(handoffs).toMatch(/sum by \(cause\) \(rate\(shardgate_shard_handoffs_total\{/);
    expect(handoffs).toContain('shardgate_shard_handoffs_received_total{');
    expect(handoffs).toMatch(/sum by \(outcome\) \(rate\(shardgate_gateway_handoffs_followed_total\{/);
    const duration = inRow('Hand-off duration p50 and p99');
    for (const q of ['0.5', '0.99']) expect(duration).toContain(`histogram_quantile(${q}, sum by (le) (rate(shardgate_shard_handoff_seconds_bucket{`);
    expect(inRow('Border packets by shard')).toMatch(/rate\(shardgate_shard_border_packets_total\{/);
    expect(inRow('Border bytes by shard')).toMatch(/rate\(shardgate_shard_border_bytes_total\{/);
    expect(inRow('Fence waiting by shard')).toContain('shardgate_shard_fence_waiting{');
    expect(inRow('Peer messages refused by shard and reason')).toMatch(/sum by \(node, reason\) \(rate\(shardgate_shard_peer_rejected_total\{/);
    // Shard queries follow the shard variable, gateway ones the gateway variable.
    for (const panel of row) {
      for (const expr of exprs(panel)) {
        const variable = expr.includes('shardgate_gateway_') ? 'gateway' : 'shard';
        expect({ panel: panel.title, expr, filtered: expr.includes(`node=~"$${variable}"`) }).toEqual({ panel: panel.title, expr, filtered: true });
      }
    }
  });

  it('deploy - per-gateway and per-shard panels break every query down by the node label', () => {
    for (const [row, variable, min] of [
      ['Per gateway', 'gateway', 8],
      ['Per shard', 'shard', 8],
    ] as const) {
      const panels = panelsInRow(row);
      expect({ row, panels: panels.length >= min }).toEqual({ row, panels: true });
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          const expr = target.expr ?? '';
          const where = `${row} / ${panel.title} / ${target.refId}`;
          // Aggregated by node (alone or with le, reason, op...), filtered by the row's variable,
          // and the legend names the node: one series per gateway or shard.
          expect({ where, byNode: /\bby \([^)]*\bnode\b[^)]*\)/.test(expr) }).toEqual({ where, byNode: true });
          expect({ where, filtered: expr.includes(`node=~"$${variable}"`) }).toEqual({ where, filtered: true });
          expect({ where, legend: String((target as { legendFormat?: string }).legendFormat) }).toEqual({ where, legend: expect.stringContaining('{{node}}') });
        }
      }
    }
  });

  it('deploy - every panel and every query uses the datasource variable, never a fixed datasource', () => {
    const dashboard = loadDashboard();
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const wrong: string[] = [];
    for (const panel of queryPanels(dashboard)) {
      const ds = panel.datasource;
      if (typeof ds !== 'object' || ds === null || ds.uid !== DATASOURCE_REF) wrong.push(`panel ${panel.id} "${panel.title}": ${JSON.stringify(ds)}`);
      if ((panel.targets ?? []).length === 0) wrong.push(`panel ${panel.id} "${panel.title}": no query`);
      for (const target of panel.targets ?? []) {
        // A target without its own datasource inherits the panel's; one with it must agree.
        if (target.datasource !== undefined && target.datasource.uid !== DATASOURCE_REF) wrong.push(`panel ${panel.id} ${target.refId}: ${JSON.stringify(target.datasource)}`);
        if (!target.expr) wrong.push(`panel ${panel.id} ${target.refId}: empty expr`);
      }
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      if (typeof v.datasource !== 'object' || v.datasource === null || v.datasource.uid !== DATASOURCE_REF) wrong.push(`variable ${v.name}: ${JSON.stringify(v.datasource)}`);
    }
    expect(wrong).toEqual([]);
    // No export leftovers that pin an instance: ${DS_...} inputs or a literal Prometheus uid.
    const text = readText(DASHBOARD_FILE);
    expect(text).not.toMatch(/\$\{DS_|__inputs|"uid": "prometheus"/);
  });

  it('deploy - multi-value variables appear only in regex matchers, and every variable used is defined', () => {
    const dashboard = loadDashboard();
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    const multi = dashboard.templating.list.filter((v) => v.multi || v.includeAll).map((v) => v.name);
    expect(multi).toEqual(expect.arrayContaining(['gateway', 'shard']));
    const problems: string[] = [];
    for (const panel of queryPanels(dashboard)) {
      for (const expr of exprs(panel)) {
        for (const name of grafanaVariablesIn(expr)) if (!defined.has(name)) problems.push(`panel ${panel.id}: $${name} is not defined`);
        // With several values selected Grafana writes `a|b`: only `=~` reads that right.
        for (const name of multi) {
          const uses = expr.split(`$${name}`).length - 1;
          const regexUses = expr.split(`=~"$${name}"`).length - 1;
          if (uses !== regexUses) problems.push(`panel ${panel.id} "${panel.title}": $${name} outside a =~ matcher in ${expr}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('deploy - panels have unique ids and titles and sit on the 24-column grid without overlapping', () => {
    const panels = allPanels(loadDashboard());
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = queryPanels(loadDashboard()).map((p) => p.title);
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
    const overlaps: string[] = [];
    for (const [i, a] of panels.entries()) {
      const g = a.gridPos!;
      if (g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) overlaps.push(`${a.title}: off the grid ${JSON.stringify(g)}`);
      for (const b of panels.slice(i + 1)) {
        const h = b.gridPos!;
        if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) overlaps.push(`${a.title} overlaps ${b.title}`);
      }
    }
    expect(overlaps).toEqual([]);
  });

  it("deploy - Grafana's provisioning finds Prometheus and the dashboard where compose puts them", () => {
    const compose = asObj(readYaml(deployPath('compose.yaml')), 'compose.yaml');
    const services = asObj(compose.services, 'services');
    const grafana = asObj(services.grafana, 'grafana');
    const mounts = asList(grafana.volumes, 'grafana volumes').map(String);
    const target = (source: string) => mounts.map((m) => m.split(':')).find(([from]) => from === source)?.[1];

    // The provisioning folder is mounted where Grafana reads it.
    expect(target('./grafana/provisioning')).toBe('/etc/grafana/provisioning');

    const datasources = asList(asObj(readYaml(deployPath('grafana', 'provisioning', 'datasources', 'prometheus.yaml')), 'datasources file').datasources, 'datasources');
    expect(datasources).toHaveLength(1);
    const ds = asObj(datasources[0], 'datasource');
    expect(ds).toMatchObject({ type: 'prometheus', isDefault: true });
    // http://<compose service>:<the port Prometheus listens on>.
    const url = new URL(String(ds.url));
    expect(Object.keys(services)).toContain(url.hostname);
    expect(asList(asObj(services[url.hostname], url.hostname).ports, 'prometheus ports').map(String)).toContainEqual(expect.stringMatching(new RegExp(`:${url.port}$`)));

    const providers = asList(asObj(readYaml(deployPath('grafana', 'provisioning', 'dashboards', 'shardgate.yaml')), 'dashboards file').providers, 'providers');
    const provider = asObj(providers[0], 'provider');
    expect(provider.type).toBe('file');
    // The provider reads the folder compose mounts deploy/grafana/dashboards into, and the
    // home dashboard path compose sets is the shardgate dashboard inside it.
    const dashboardsPath = String(asObj(provider.options, 'provider options').path);
    expect(target('./grafana/dashboards')).toBe(dashboardsPath);
    const env = asObj(grafana.environment, 'grafana environment');
    expect(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dashboardsPath}/shardgate.json`);
  });
});
