import type { ScenarioName, SystemName } from '../args';
import type { Bench } from '../bench';
import type { Target } from '../format';
import type { Sizes } from '../sizes';
import type { Summary } from '../summary';

/** What a scenario adds to the summary: its Markdown section, its targets, and fields of summary.json. */
export interface Report {
  lines: string[];
  targets: Target[];
  fields?: Record<string, unknown>;
}

/**
 * One benchmark scenario: it runs (storing its results in bench.summary.results as it goes)
 * and reports from those results alone, so a summary can be rebuilt from summary.json.
 */
export interface Scenario {
  readonly name: ScenarioName;
  /** `infra`: the machine's Redis and NATS answer. */
  run(bench: Bench, infra: boolean): Promise<void>;
  report(summary: Summary, sizes: Sizes): Report | null;
}

/** Systems that need the machine's Redis and NATS. */
export const needsInfra = (s: SystemName) => s.startsWith('dist') || s === 'peer';
