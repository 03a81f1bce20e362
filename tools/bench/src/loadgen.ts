// Runs the loadgen (@shardgate/loadgen's CLI) in a process of its own, so that its CPU is its
// own and shows in every result, and keeps of its result what the summary needs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CpuReport, LatencySummary, ScrapeDelta, SwarmResult } from '@shardgate/loadgen';

const CLI = path.join(path.dirname(require.resolve('@shardgate/loadgen/package.json')), 'dist', 'cli.js');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface LoadgenRun {
  /** Results in `<dir>/<name>.json` (and .md, .svg beside it). */
  dir: string;
  name: string;
  args: string[];
  cwd: string;
  timeoutMs?: number;
  /** The idle mode's `{"event":"ready",...}` line, with the child to stop when done. */
  onReady?: (msg: Record<string, number>, child: ChildProcess) => void;
}

export function runLoadgen({ dir, name, args, cwd, timeoutMs = 600_000, onReady }: LoadgenRun): Promise<SwarmResult> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    const out = path.join(dir, `${name}.json`);
    const child = spawn(process.execPath, [CLI, ...args, '--out', out], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      let nl: number;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { event?: string };
          if (msg.event === 'ready' && onReady) onReady(msg as Record<string, number>, child);
        } catch {
          // not ours
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(String(chunk).replace(/^\[loadgen\]/gm, `  [${name}]`)));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (code !== 0) return reject(new Error(`loadgen ${name} exited ${code}`));
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as SwarmResult);
    });
  });
}

/** What the summary keeps of one measured stage (no histograms, no timelines). */
export interface StageFigures {
  bots: number;
  joined: number;
  seconds: number;
  sentPerSec: number;
  packetsPerSec: number;
  framesPerSec: number;
  chat: { rtPerSec: number; sent: number; received: number; lost: number } & LatencySummary;
  cpu: CpuReport;
  generatorLoopDelayMs: { p99: number; max: number };
  scrape: Record<string, ScrapeDelta>;
}

export interface RunFigures {
  stages: StageFigures[];
  closeReasons: Record<string, number>;
}

export function compact(r: SwarmResult): RunFigures {
  return {
    stages: r.stages.map((s) => ({
      bots: s.bots,
      joined: s.joinedAtEnd,
      seconds: s.seconds,
      sentPerSec: s.sentPerSec,
      packetsPerSec: s.packetsPerSec,
      framesPerSec: s.framesPerSec,
      chat: { rtPerSec: s.chat.rtPerSec, sent: s.chat.sent, received: s.chat.received, lost: s.chat.lost, ...s.chat.latencyMs },
      cpu: s.cpu,
      generatorLoopDelayMs: s.generatorLoopDelayMs,
      scrape: Object.fromEntries(Object.entries(s.scrape).map(([k, v]) => [k, { ...v, tickBuckets: undefined }])),
    })),
    closeReasons: r.closeReasons,
  };
}
