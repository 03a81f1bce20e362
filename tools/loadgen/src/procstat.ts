import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** CPU time and memory of other processes, from /proc (Linux). */

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export function parseStat(stat: string): { utimeTicks: number; stimeTicks: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return { utimeTicks: Number(fields[11]), stimeTicks: Number(fields[12]) };
}

/** User + system CPU seconds a process has used, or NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const { utimeTicks, stimeTicks } = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (utimeTicks + stimeTicks) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

/** Resident set size in KiB (VmRSS), or NaN. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

export interface ProcessRef {
  name: string;
  pid: number;
}

/** `name=pid,name=pid` (or bare pids, named by themselves). */
export function parsePids(spec: string | undefined): ProcessRef[] {
  if (!spec) return [];
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name, pid] = s.includes('=') ? s.split('=') : [s, s];
      return { name: name!, pid: Number(pid) };
    })
    .filter((p) => Number.isInteger(p.pid) && p.pid > 0);
}

export interface CpuSnapshot {
  at: number;
  self: NodeJS.CpuUsage;
  others: Map<string, number>;
}

export function snapshot(processes: ProcessRef[]): CpuSnapshot {
  return { at: performance.now(), self: process.cpuUsage(), others: new Map(processes.map((p) => [p.name, cpuSeconds(p.pid)])) };
}

export interface CpuReport {
  /** CPU % of one core over the window (100 = one core busy). */
  generator: number;
  servers: Record<string, { cpuPct: number | null; rssKiB: number | null }>;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, processes: ProcessRef[]): CpuReport {
  const wall = (b.at - a.at) / 1000;
  const self = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6;
  const servers: CpuReport['servers'] = {};
  for (const p of processes) {
    const used = (b.others.get(p.name) ?? NaN) - (a.others.get(p.name) ?? NaN);
    const rss = rssKiB(p.pid);
    servers[p.name] = { cpuPct: Number.isFinite(used) ? Math.round((used / wall) * 1000) / 10 : null, rssKiB: Number.isFinite(rss) ? rss : null };
  }
  return { generator: Math.round((self / wall) * 1000) / 10, servers };
}
