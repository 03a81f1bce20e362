#!/usr/bin/env node
'use strict';
// Top frames of a V8 .cpuprofile (node --cpu-prof): self time per function, and the
// inclusive (total) time of the heaviest functions, without DevTools.
//   node bench/profile-top.js FILE.cpuprofile [N]
const fs = require('node:fs');
const path = require('node:path');

function topFrames(file, n = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Sample counts per node, weighted by the time deltas.
  const selfTime = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0) || 1;
  const key = (node) => {
    const f = node.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  for (const [id, t] of selfTime) {
    const node = nodes.get(id);
    self.set(key(node), (self.get(key(node)) ?? 0) + t);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(nodes.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const busyTotal = total - (self.get('(idle)') ?? 0) || 1;
  const fmt = (entries) => entries.map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)} % ${((t / busyTotal) * 100).toFixed(1).padStart(5)} % busy  ${k}`);
  const idle = ['(idle)', '(program)', '(garbage collector)'].map((k) => `${k}: ${(((self.get(k) ?? 0) / total) * 100).toFixed(1)} %`).join(', ');
  const busy = [...self].filter(([k]) => !k.startsWith('(idle)'));
  return [
    `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled; ${idle}`,
    'self time (share of all samples, share of non-idle samples):',
    ...fmt(busy.sort((a, b) => b[1] - a[1]).slice(0, n)),
    'total time (inclusive):',
    ...fmt([...inclusive].filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n)),
  ].join('\n');
}

module.exports = { topFrames };
if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/profile-top.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  process.stdout.write(topFrames(file, Number(n) || 25) + '\n');
}
