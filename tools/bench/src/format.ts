// Markdown tables built from data: a table is its columns (header and how to read a cell from
// a row) and its rows; a row that failed is shown as its label and the error.

/** 12345.6 -> "12,346"; null, undefined and NaN -> "-". */
export const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export interface Column<R> {
  header: string;
  cell: (row: R) => string;
}

/** Shorthand for a column. */
export const col = <R>(header: string, cell: (row: R) => string): Column<R> => ({ header, cell });

/** A row that could not be measured: its label and why. */
export interface Failed {
  label: string;
  error: string;
}

const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** The table's lines: header, separator, one line per row. */
export function markdownTable<R>(columns: ReadonlyArray<Column<R>>, rows: ReadonlyArray<R | Failed>, isFailed: (row: R | Failed) => row is Failed = hasError): string[] {
  return [
    line(columns.map((c) => c.header)),
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => (isFailed(row) ? line([row.label, `error: ${row.error}`, ...columns.slice(2).map(() => '')]) : line(columns.map((c) => c.cell(row))))),
  ];
}

function hasError(row: unknown): row is Failed {
  return typeof row === 'object' && row !== null && 'error' in row && 'label' in row;
}

/** A section of the summary: `## title`, its introduction, then its blocks, each followed by a blank line. */
export function section(title: string, intro: string, ...blocks: string[][]): string[] {
  return [`## ${title}`, '', intro, '', ...blocks.flatMap((b) => [...b, ''])];
}

/** One line of the targets table. */
export interface Target {
  what: string;
  goal: string;
  got: string;
  met: boolean;
}
