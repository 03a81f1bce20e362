// Every scenario, in the order they run and their sections appear in the summary.
import { chat } from './chat';
import { idle } from './idle';
import { ladder } from './ladder';
import type { Scenario } from './scenario';
import { storm } from './storm';
import { tick } from './tick';

export const SCENARIO_LIST: readonly Scenario[] = [chat, ladder, storm, idle, tick];
export type { Scenario, Report } from './scenario';
