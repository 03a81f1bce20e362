// Top frames of a V8 .cpuprofile (node --cpu-prof): self time per function, and the
// inclusive (total) time of the heaviest functions, without DevTools.
//   node tools/bench/dist/profile-top.js FILE.cpuprofile [N]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topFrames(file: string, n = 25): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Sample counts per node, weighted by the time deltas.
  const selfTime = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0) || 1;
  const key = (node: ProfileNode) => {
    const f = node.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of selfTime) {
    const k0 = key(nodes.get(id)!);
    self.set(k0, (self.get(k0) ?? 0) + t);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(nodes.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const busyTotal = total - (self.get('(idle)') ?? 0) || 1;
  const fmt = (entries: Array<[string, number]>) =>
    entries.map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)} % ${((t / busyTotal) * 100).toFixed(1).padStart(5)} % busy  ${k}`);
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

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node tools/bench/dist/profile-top.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  process.stdout.write(topFrames(file, Number(n) || 25) + '\n');
}
