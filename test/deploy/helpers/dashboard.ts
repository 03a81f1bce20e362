import { deployPath, readText } from './files';

/** The parts of a Grafana dashboard JSON the checks look at. */
export interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
  hide?: boolean;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string } | string | null;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  datasource?: { type?: string; uid?: string } | string | null;
  multi?: boolean;
  includeAll?: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}

export const DASHBOARD_FILE = deployPath('grafana', 'dashboards', 'shardgate.json');

export function loadDashboard(): Dashboard {
  return JSON.parse(readText(DASHBOARD_FILE)) as Dashboard;
}

/** Every panel, rows' nested panels included (a collapsed row keeps its panels inside it). */
export function allPanels(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      out.push(panel);
      if (panel.panels) walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Panels that query a datasource (rows and text panels do not). */
export function queryPanels(dashboard: Dashboard): Panel[] {
  return allPanels(dashboard).filter((panel) => panel.type !== 'row' && panel.type !== 'text');
}

/** The PromQL of a `query` variable: the selector inside label_values(...), or the query itself. */
export function variableQueries(dashboard: Dashboard): { name: string; expr: string }[] {
  const out: { name: string; expr: string }[] = [];
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? variable.definition ?? '';
    const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$/.exec(query.trim());
    const queryResult = /^query_result\((.*)\)$/.exec(query.trim());
    if (labelValues) out.push({ name: variable.name, expr: labelValues[1] });
    else if (queryResult) out.push({ name: variable.name, expr: queryResult[1] });
    else if (/^label_values\([A-Za-z_][A-Za-z0-9_]*\)$/.test(query.trim()) || /^(label_names|metrics)\(/.test(query.trim())) continue;
    else out.push({ name: variable.name, expr: query });
  }
  return out;
}
