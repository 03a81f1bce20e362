/**
 * Just enough PromQL handling for the offline checks: Grafana variable substitution (so a
 * panel query becomes plain PromQL that promtool can parse) and the metric names a query
 * reads (so a typo in a metric name, which promtool cannot see, fails a test).
 */

/** Values for Grafana's built-in interval variables: any valid duration will do for parsing. */
const BUILT_INS: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '5m',
  __range: '5m',
  __interval_ms: '300000',
  __range_ms: '300000',
  __range_s: '300',
};

/**
 * Replace Grafana variables ($name, ${name}, ${name:format}, [[name]]) with PromQL: the
 * built-in intervals with a duration, every other variable with `.*` (dashboard variables
 * are used inside regex label matchers, where `.*` is what "All" means).
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g, (_whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    return BUILT_INS[name] ?? '.*';
  });
}

/** The names of the Grafana variables an expression uses (built-ins excluded). */
export function grafanaVariablesIn(expr: string): string[] {
  const names = [...expr.matchAll(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g)].map((m) => (m[1] ?? m[2] ?? m[3])!);
  return [...new Set(names.filter((name) => !(name in BUILT_INS)))];
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan', 'atan2']);

/**
 * Metric names read by a PromQL expression (after variable substitution): identifiers that
 * are not functions, aggregation keywords, label lists, label matchers, strings, numbers or
 * durations.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])*|[A-Za-z_:][A-Za-z0-9_:]*(?=(\s*\()?)/g)) {
    const token = match[0];
    if (/^\d/.test(token) || match[1] !== undefined || KEYWORDS.has(token.toLowerCase())) continue;
    names.add(token);
  }
  return [...names];
}
