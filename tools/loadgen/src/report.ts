import fs from 'node:fs';
import path from 'node:path';
import { Histogram } from './stats';
import { histogramSvg, lineChartSvg } from './svg';
import type { SwarmResult } from './result';

const n = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toFixed(digits)).toLocaleString('en-US'));

/** The Markdown report of one swarm run, with its SVG charts written beside `out`. */
export function writeReport(result: SwarmResult, out: string): { json: string; markdown: string; svgs: string[] } {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const base = out.replace(/\.json$/, '');
  const name = path.basename(base);
  fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 1) + '\n');
  const svgs: string[] = [];
  const md: string[] = [];
  const o = result.options;
  md.push(`# Load generator report: ${name}`, '');
  md.push(`Started ${result.startedAt}; ${o.protocol} protocol over the ${o.transport} transport, mode ${o.mode}, target ${o.urls.join(', ')}.`);
  md.push(`Sources ${o.sources} (at most ${o.maxPerSource} open and one connect per ${o.connectIntervalMs} ms per address, ${o.connectRate} connects/s overall).`);
  if (o.mode === 'play') {
    const chat = o.chatWindow > 0 ? `closed loop, ${o.chatWindow} in flight per bot${o.chatMaxRate > 0 ? `, at most ${o.chatMaxRate}/s per bot` : ''}` : `${o.chatRate}/s per bot (Poisson)`;
    md.push(`Chat: ${chat}. Movement: ${o.moveRate} steps/s per bot on a ${o.mapSize}-tile map; spread: ${o.spread.kind === 'lattice' ? `lattice every ${o.spread.spacing} tiles` : o.spread.kind}.`);
  }
  md.push('');
  if (result.stages.length > 0) {
    md.push('| bots | seconds | sent/s | delivered packets/s | frames/s | MiB/s | chat RT/s | p50 ms | p99 ms | max ms | lost | generator CPU % | generator loop delay p99 ms | servers CPU % |');
    md.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const s of result.stages) {
      const servers = Object.entries(s.cpu.servers)
        .map(([k, v]) => `${k} ${n(v.cpuPct, 0)}`)
        .join(', ');
      md.push(
        `| ${s.joinedAtEnd}/${s.bots} | ${n(s.seconds)} | ${n(s.sentPerSec, 0)} | ${n(s.packetsPerSec, 0)} | ${n(s.framesPerSec, 0)} | ${n(s.recvMiBPerSec, 2)} | ${n(s.chat.rtPerSec, 0)} | ${n(s.chat.latencyMs.p50)} | ${n(s.chat.latencyMs.p99)} | ${n(s.chat.latencyMs.max)} | ${s.chat.lost} | ${n(s.cpu.generator, 0)} | ${s.generatorLoopDelayMs ? n(s.generatorLoopDelayMs.p99) : '-'} | ${servers} |`,
      );
    }
    md.push('');
    const ticks = result.stages.flatMap((s) => Object.entries(s.scrape).filter(([, d]) => d.ticks !== undefined).map(([k, d]) => ({ bots: s.bots, k, d })));
    if (ticks.length > 0) {
      md.push('| bots | shard | players | ticks | tick p50 ms | tick p99 ms | ticks <= 10 ms | overruns |', '|---|---|---|---|---|---|---|---|');
      for (const { bots, k, d } of ticks) md.push(`| ${bots} | ${k} | ${d.shardPlayers ?? '-'} | ${d.ticks} | ${n(d.tickP50Ms, 2)} | ${n(d.tickP99Ms, 2)} | ${d.ticksUnder10ms === null || d.ticksUnder10ms === undefined ? '-' : `${n(d.ticksUnder10ms * 100, 2)} %`} | ${d.tickOverruns ?? '-'} |`);
      md.push('');
    }
    // Charts: the last stage's latency distribution, and throughput over the whole run.
    const hist = new Histogram();
    for (const s of result.stages) hist.merge(s.chat.histogram);
    if (hist.count > 0) {
      const file = `${base}-latency.svg`;
      fs.writeFileSync(
        file,
        histogramSvg({
          title: `${name}: chat round trip (${hist.count.toLocaleString('en-US')} samples, all stages)`,
          xLabel: 'milliseconds (log scale)',
          bars: hist.bins(48),
          markers: [
            { at: hist.percentile(50), label: `p50 ${n(hist.percentile(50))} ms` },
            { at: hist.percentile(99), label: `p99 ${n(hist.percentile(99))} ms` },
          ],
        }),
      );
      svgs.push(file);
      md.push(`![latency](${path.basename(file)})`, '');
    }
    const timeline = result.stages.flatMap((s) => s.timeline);
    if (timeline.length > 0) {
      const file = `${base}-throughput.svg`;
      fs.writeFileSync(
        file,
        lineChartSvg({
          title: `${name}: throughput over time (measurement windows)`,
          xLabel: 'seconds since start',
          yLabel: 'per second',
          series: [
            { name: 'delivered packets/s', points: timeline.map((t) => [t.t, t.packetsPerSec]) },
            { name: 'frames sent/s', points: timeline.map((t) => [t.t, t.sentPerSec]) },
            { name: 'chat round trips/s', points: timeline.map((t) => [t.t, t.chatRtPerSec]) },
          ],
        }),
      );
      svgs.push(file);
      md.push(`![throughput](${path.basename(file)})`, '');
    }
  }
  if (result.storm) {
    const s = result.storm;
    md.push('| seconds | attempts/s | admitted/s | cycle p50 ms | cycle p99 ms | refused | errors | generator CPU % |', '|---|---|---|---|---|---|---|---|');
    md.push(`| ${s.seconds} | ${n(s.attemptsPerSec, 0)} | ${n(s.admittedPerSec, 0)} | ${n(s.cycleMs.p50)} | ${n(s.cycleMs.p99)} | ${JSON.stringify(s.refused)} | ${JSON.stringify(s.errors)} | ${n(s.cpu.generator, 0)} |`, '');
    for (const [k, d] of Object.entries(s.scrape)) if (d.admissions !== undefined) md.push(`- ${k}: ${d.admissions} admission decisions (${d.admissionsPerSec}/s), ${d.accepted} accepted, refused ${JSON.stringify(d.refused)}`);
    md.push('');
  }
  if (result.idle) md.push(`Idle: ${result.idle.handshaken}/${result.idle.bots} handshaken in ${result.idle.connectSeconds} s, ${result.idle.failed} failed.`, '');
  if (Object.keys(result.closeReasons).length > 0) md.push(`Close codes seen: ${Object.entries(result.closeReasons).map(([k, v]) => `${k} x${v}`).join(', ')}.`, '');
  const markdown = `${base}.md`;
  fs.writeFileSync(markdown, md.join('\n'));
  return { json: `${base}.json`, markdown, svgs };
}
