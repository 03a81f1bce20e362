import type { CpuReport } from '@shardgate/loadgen';
import { fmt } from '../format';
import type { StageFigures } from '../loadgen';

/** CPU % per process over a window: the generator first (one core = 100). */
export const cpuCell = (cpu: CpuReport): string => [`gen ${fmt(cpu.generator)}`, ...Object.entries(cpu.servers).map(([k, v]) => `${k} ${fmt(v.cpuPct)}`)].join(', ');

/** The control tick's p99 duration and lag over a window (its work is a fixed 1 ms). */
export const controlCell = (stage: StageFigures | undefined): string => {
  const c = stage?.scrape?.control;
  return c && c.tickP99Ms !== undefined && c.tickP99Ms !== null ? `${fmt(c.tickP99Ms, 1)} / ${fmt(c.tickLagP99Ms, 1)}` : '-';
};
