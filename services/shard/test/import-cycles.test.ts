import fs from 'node:fs';
import path from 'node:path';

// The shard's modules form layers (Player -> PlayerHost <- World, visibility apart): an import
// cycle, even of types only, would tie them back together. Relative imports only.
const SRC = path.join(__dirname, '..', 'src');

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.\/[^']+)'/gm)) found.push(`${match[1]!.slice(2)}.ts`);
  return found;
}

export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('shard modules', () => {
  it('imports - the cycle finder finds a cycle', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', []]]))).toBeNull();
  });

  it('imports - no import cycle in services/shard/src, types included', () => {
    const files = fs.readdirSync(SRC).filter((f) => f.endsWith('.ts'));
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    for (const [file, deps] of graph) for (const dep of deps) expect({ file, dep, exists: files.includes(dep) }).toEqual({ file, dep, exists: true });
    expect(findCycle(graph)).toBeNull();
  });
});
