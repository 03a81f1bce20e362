/**
 * Offline readers for the image's build files, since no Docker engine runs here: the
 * Dockerfile's instructions by stage, and the .dockerignore matcher (moby's patternmatcher
 * rules: patterns relative to the context root, `*` and `?` within one path segment, `**`
 * across segments, `!` re-includes, the last matching line wins, and a pattern that matches
 * a directory matches everything under it).
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG lines before the first FROM (global build arguments). */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending !== '' && line.startsWith('#')) return; // comments inside a continued instruction
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full)!;
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2], line: start });
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a continued line');

  const dockerfile: Dockerfile = { globalArgs: {}, stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      dockerfile.stages.push({ from: match[1], name: match[2], instructions: [] });
    } else if (dockerfile.stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      const [name, value] = instruction.args.split('=', 2);
      dockerfile.globalArgs[name.trim()] = value;
    } else {
      dockerfile.stages[dockerfile.stages.length - 1].instructions.push(instruction);
    }
  }
  return dockerfile;
}

/** `--flag=value` options at the start of an instruction's arguments, and the rest. */
export function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args.trim();
  for (let match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); match; match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags[match[1]] = match[2] ?? 'true';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** The sources of a COPY/ADD (all words but the last), from JSON or shell form. */
export function copySources(args: string): { flags: Record<string, string>; sources: string[]; destination: string } {
  const { flags, rest } = splitFlags(args);
  const words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  return { flags, sources: words.slice(0, -1), destination: words[words.length - 1] };
}

interface IgnoreRule {
  exclude: boolean;
  pattern: RegExp;
  text: string;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  const segments = glob.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      out += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    out += segment.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    if (!last) out += '/';
  });
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const body = (exclude ? line : line.slice(1)).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, pattern: globToRegExp(body), text: line };
    });
}

function matches(rules: IgnoreRule[], candidates: string[]): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = rule.exclude;
  }
  return ignored;
}

/**
 * Is `file` (relative to the context root, `/`-separated) left out of the build context?
 * As the classic builder walks the context: an excluded folder is skipped whole unless some
 * `!` line starts with that folder's path (moby's archive walker): a `!` line that begins
 * with a wildcard never brings anything back from inside an excluded folder.
 */
export function isIgnored(rules: IgnoreRule[], file: string): boolean {
  const parts = file.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  for (const dir of candidates.slice(0, -1)) {
    const upTo = candidates.slice(0, candidates.indexOf(dir) + 1);
    const reachable = rules.some((rule) => !rule.exclude && `${rule.text.slice(1).trim().replace(/^\/+/, '')}/`.startsWith(`${dir}/`));
    if (matches(rules, upTo) && !reachable) return true;
  }
  return matches(rules, candidates);
}
