// summary.json and summary.md: the run's results, and the Markdown every table of
// docs/benchmarks.md comes from, rebuilt from those results each time a scenario finishes.
import type { Target } from './format';
import type { Machine } from './infra';
import type { Report } from './scenarios/scenario';

/** A scenario (or one system of it) that failed: the summary shows the first line. */
export interface Failure {
  error: string;
}
export type Outcome<T> = T | Failure;
export const isFailure = (x: unknown): x is Failure => typeof x === 'object' && x !== null && 'error' in x;

export interface Summary {
  date: string;
  quick: boolean;
  command: string;
  machine: Machine | Record<string, never>;
  /** Per scenario (chat and ladder: per system); each scenario module knows its own shape. */
  results: Record<string, unknown>;
  skipped: string[];
  notes: string[];
  /** Which command (and start time) produced each scenario's rows. */
  commands: Record<string, string>;
  targets?: Target[];
  [more: string]: unknown;
}

interface Reporter {
  report(summary: Summary): Report | null;
}

/** The whole summary.md; sets summary.targets (and any field a report adds, e.g. equalP99). */
export function renderSummary(summary: Summary, reporters: readonly Reporter[], tookSeconds: number): string {
  const m = summary.machine as Partial<Machine>;
  const md = [
    `# shardgate benchmarks${summary.quick ? ' (quick smoke run)' : ''}`,
    '',
    `Command: \`${summary.command}\` · started ${summary.date}`,
    '',
    'Machine:',
    '',
    '```',
    `nproc: ${m.nproc} (${m.cpu})`,
    `${m.memory}`,
    `node ${m.node}, kernel ${m.kernel}, ulimit -n ${m.nofile}`,
    `date -u: ${m.date}`,
    '```',
    '',
  ];
  const targets: Target[] = [];
  for (const reporter of reporters) {
    const r = reporter.report(summary);
    if (!r) continue;
    md.push(...r.lines);
    targets.push(...r.targets);
    Object.assign(summary, r.fields);
  }
  if (targets.length > 0) {
    md.push('## Targets', '', '| target | goal | measured | |', '|---|---|---|---|');
    for (const t of targets) md.push(`| ${t.what} | ${t.goal} | ${t.got} | ${t.met ? 'met' : 'MISSED'} |`);
    md.push('');
  }
  const commands = Object.entries(summary.commands);
  if (commands.length > 0) {
    md.push('## Which command produced which rows', '', '| scenario | command (start time) |', '|---|---|');
    for (const [k, v] of commands) md.push(`| ${k} | ${v} |`);
    md.push('');
  }
  if (summary.skipped.length) md.push(`Skipped: ${summary.skipped.join('; ')}.`, '');
  for (const n of summary.notes) md.push(`- ${n}`);
  md.push('', `Took ${tookSeconds.toFixed(0)} s. Ratios measured in the same run are what count: the machine's 2 cores are shared by the generator, the servers, Redis and NATS.`);
  summary.targets = targets;
  return md.join('\n');
}
