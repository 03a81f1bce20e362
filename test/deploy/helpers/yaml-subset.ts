/**
 * A small, strict reader for the YAML that deploy/ writes (compose.yaml, prometheus.yml,
 * alerts*.yml, Grafana provisioning), so the offline checks can look inside those files
 * without a YAML dependency: the workspace has no YAML library of its own (js-yaml is only
 * a transitive dependency of jest, not resolvable from here), and this machine's docker CLI
 * has no compose plugin to run `docker compose config`.
 *
 * What it reads: block mappings, block sequences (including `- key: value` items), plain,
 * 'single' and "double" quoted scalars, one-line flow sequences (`["CMD", "ping"]`, `[]`),
 * the empty flow mapping `{}`, block scalars (`|`, `|-`, `>`, `>-`), and comments. Plain
 * scalars follow the YAML 1.2 core schema (null, true/false, integers, floats; everything
 * else a string).
 *
 * What it refuses, with the line number: anchors, aliases, tags, multiple documents, tabs in
 * indentation, other flow collections, duplicate keys, bad indentation. Refusing is the point:
 * a construct it does not understand fails the test instead of being misread. promtool parses
 * the Prometheus files for real; this reader only lets the tests inspect them.
 */

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

export class YamlSubsetError extends Error {
  override name = 'YamlSubsetError';
}

interface Line {
  /** 1-based line number, for errors. */
  number: number;
  indent: number;
  /** The line without indentation and without a trailing comment; '' for blank lines. */
  text: string;
  /** The raw line, for block scalars. */
  raw: string;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{}[\],&*!|>%@`-][^#]*?|-[^\s#][^#]*?)\s*:(?:\s+|$)/;

export function parseYaml(source: string): YamlValue {
  return new Reader(source).document();
}

class Reader {
  private readonly lines: Line[];
  private index = 0;

  constructor(source: string) {
    this.lines = source.split(/\r?\n/).map((raw, i) => {
      const match = /^( *)(.*)$/.exec(raw)!;
      if (/^ *\t/.test(raw)) throw this.error(i + 1, 'tab in indentation');
      return { number: i + 1, indent: match[1].length, text: stripComment(match[2], i + 1).trimEnd(), raw };
    });
  }

  document(): YamlValue {
    const first = this.peek();
    if (!first) return null;
    if (first.text === '---') {
      this.index = this.lines.indexOf(first) + 1;
    }
    const value = this.block(0);
    const rest = this.peek();
    if (rest) throw this.error(rest.number, rest.text === '---' || rest.text === '...' ? 'more than one document' : `unexpected content at indent ${rest.indent}`);
    return value;
  }

  /** The next non-blank line, without consuming it. */
  private peek(): Line | undefined {
    while (this.index < this.lines.length && this.lines[this.index].text === '') this.index += 1;
    return this.lines[this.index];
  }

  private error(line: number, message: string): YamlSubsetError {
    return new YamlSubsetError(`line ${line}: ${message}`);
  }

  /** A block node whose lines are indented at least `min`. */
  private block(min: number): YamlValue {
    const line = this.peek();
    if (!line || line.indent < min) return null;
    return isSequenceItem(line.text) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.peek(); line && line.indent === indent && isSequenceItem(line.text); line = this.peek()) {
      const rest = line.text.slice(1).replace(/^ +/, '');
      if (rest === '') {
        this.index += 1;
        items.push(this.block(indent + 1));
        continue;
      }
      const offset = line.text.length - rest.length;
      if (KEY.test(rest) || isSequenceItem(rest)) {
        // `- key: value` (or `- - x`): the rest of the line is the first line of a nested
        // block at the column where it starts; rewrite the line so and read that block.
        this.lines[this.index] = { ...line, indent: indent + offset, text: rest };
        items.push(this.block(indent + offset));
        continue;
      }
      this.index += 1;
      items.push(this.inline(rest, line, indent));
    }
    const next = this.peek();
    if (next && next.indent > indent) throw this.error(next.number, 'bad indentation after a sequence item');
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (line.text === '---' || line.text === '...') throw this.error(line.number, 'more than one document');
      if (isSequenceItem(line.text)) throw this.error(line.number, 'a sequence item where a mapping key was expected');
      const match = KEY.exec(line.text);
      if (!match) throw this.error(line.number, `expected "key: value", got ${JSON.stringify(line.text)}`);
      const key = unquoteKey(match[1].trim(), line.number);
      if (Object.prototype.hasOwnProperty.call(map, key)) throw this.error(line.number, `duplicate key ${JSON.stringify(key)}`);
      const rest = line.text.slice(match[0].length).trim();
      this.index += 1;
      if (rest === '') {
        const next = this.peek();
        if (next && next.indent > indent) map[key] = this.block(indent + 1);
        else if (next && next.indent === indent && isSequenceItem(next.text)) map[key] = this.sequence(indent);
        else map[key] = null;
      } else {
        map[key] = this.inline(rest, line, indent);
      }
    }
    const next = this.peek();
    if (next && next.indent > indent) throw this.error(next.number, 'bad indentation');
    return map;
  }

  /** A value written on the same line as its key or dash. */
  private inline(text: string, line: Line, parentIndent: number): YamlValue {
    if (/^[|>][-+]?$/.test(text)) return this.blockScalar(text, parentIndent);
    if (text.startsWith('[')) return flowSequence(text, line.number);
    if (text === '{}') return {};
    if (text.startsWith('{')) throw this.error(line.number, 'flow mappings other than {} are not supported');
    return scalar(text, line.number);
  }

  private blockScalar(header: string, parentIndent: number): string {
    const body: string[] = [];
    let contentIndent = -1;
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      const blank = line.raw.trim() === '';
      if (!blank && line.indent <= parentIndent) break;
      if (!blank && contentIndent < 0) contentIndent = line.indent;
      if (!blank && line.indent < contentIndent) throw this.error(line.number, 'block scalar line less indented than its first line');
      body.push(blank ? '' : line.raw.slice(contentIndent));
      this.index += 1;
    }
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    const text = header.startsWith('>') ? body.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ') : body.join('\n');
    if (header.endsWith('-')) return text;
    return text === '' ? '' : `${text}\n`;
  }
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Cut a trailing comment: `#` at the start or after whitespace, outside quotes. */
function stripComment(text: string, lineNumber: number): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') quote = null;
    } else if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i += 1;
      else if (c === "'") quote = null;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[,-]/.test(text[i - 1]))) {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i);
    }
  }
  if (quote) throw new YamlSubsetError(`line ${lineNumber}: unterminated ${quote === '"' ? 'double' : 'single'}-quoted scalar`);
  return text;
}

function unquoteKey(key: string, lineNumber: number): string {
  const value = scalar(key, lineNumber);
  return typeof value === 'string' ? value : String(value);
}

function flowSequence(text: string, lineNumber: number): YamlValue[] {
  if (!text.endsWith(']')) throw new YamlSubsetError(`line ${lineNumber}: a flow sequence must end on its line`);
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i];
    if (quote === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') quote = null;
    } else if (quote === "'") {
      if (c === "'" && inner[i + 1] === "'") i += 1;
      else if (c === "'") quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[' || c === '{' || c === ']' || c === '}') {
      throw new YamlSubsetError(`line ${lineNumber}: nested flow collections are not supported`);
    } else if (c === ',') {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  items.push(inner.slice(start));
  return items.map((item) => scalar(item.trim(), lineNumber));
}

function scalar(text: string, lineNumber: number): YamlValue {
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new YamlSubsetError(`line ${lineNumber}: bad double-quoted scalar ${text}`);
    try {
      return JSON.parse(text) as string;
    } catch {
      throw new YamlSubsetError(`line ${lineNumber}: escape not supported in ${text}`);
    }
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new YamlSubsetError(`line ${lineNumber}: bad single-quoted scalar ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[&*!%@`|>]/.test(text)) throw new YamlSubsetError(`line ${lineNumber}: anchors, aliases, tags and directives are not supported: ${text}`);
  if (/^(?:~|null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/: |:$/.test(text)) throw new YamlSubsetError(`line ${lineNumber}: ": " inside a plain scalar; quote it: ${text}`);
  return text;
}
