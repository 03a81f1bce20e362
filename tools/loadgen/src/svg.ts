/** Small, dependency-free SVG charts: a histogram and a line chart. */

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const fmt = (v: number) => {
  if (!Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return `${Math.round(v)}`;
  if (a >= 1) return `${+v.toFixed(1)}`;
  return `${+v.toPrecision(2)}`;
};

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frame(width: number, height: number): Frame {
  return { width, height, left: 64, right: width - 16, top: 36, bottom: height - 44 };
}

function header(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#ffffff"/>`,
    `<text x="${f.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

function axes(f: Frame, xLabel: string, yLabel: string): string[] {
  return [
    `<line x1="${f.left}" y1="${f.bottom}" x2="${f.right}" y2="${f.bottom}" stroke="#333"/>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}" stroke="#333"/>`,
    `<text x="${(f.left + f.right) / 2}" y="${f.height - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${(f.top + f.bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(f.top + f.bottom) / 2})">${escapeXml(yLabel)}</text>`,
  ];
}

export interface HistogramBar {
  from: number;
  to: number;
  count: number;
}

/**
 * A histogram on a log x axis (latencies span decades), with optional vertical markers
 * (p50, p99, a target).
 */
export function histogramSvg(options: {
  title: string;
  xLabel: string;
  yLabel?: string;
  bars: HistogramBar[];
  markers?: Array<{ at: number; label: string }>;
  width?: number;
  height?: number;
}): string {
  const f = frame(options.width ?? 640, options.height ?? 320);
  const out = header(f, options.title);
  out.push(...axes(f, options.xLabel, options.yLabel ?? 'count'));
  const bars = options.bars.filter((b) => b.to > 0);
  if (bars.length === 0) {
    out.push(`<text x="${(f.left + f.right) / 2}" y="${(f.top + f.bottom) / 2}" text-anchor="middle">no data</text>`, '</svg>');
    return out.join('\n');
  }
  const lo = Math.max(1e-6, Math.min(...bars.map((b) => b.from)));
  const hi = Math.max(lo * 1.01, ...bars.map((b) => b.to), ...(options.markers ?? []).map((m) => m.at));
  const maxCount = Math.max(1, ...bars.map((b) => b.count));
  const x = (v: number) => f.left + ((Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (f.right - f.left);
  const y = (c: number) => f.bottom - (c / maxCount) * (f.bottom - f.top);
  for (const b of bars) {
    const x0 = x(b.from);
    const w = Math.max(0.5, x(b.to) - x0 - 0.5);
    out.push(`<rect x="${x0.toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${w.toFixed(1)}" height="${(f.bottom - y(b.count)).toFixed(1)}" fill="${PALETTE[0]}"/>`);
  }
  // Decade ticks (1, 2, 5 per decade) on the log axis.
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v < lo || v > hi) continue;
      out.push(`<line x1="${x(v).toFixed(1)}" y1="${f.bottom}" x2="${x(v).toFixed(1)}" y2="${f.bottom + 4}" stroke="#333"/>`);
      out.push(`<text x="${x(v).toFixed(1)}" y="${f.bottom + 15}" text-anchor="middle">${fmt(v)}</text>`);
    }
  }
  for (const t of niceTicks(0, maxCount, 4)) {
    out.push(`<text x="${f.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  (options.markers ?? []).forEach((m, i) => {
    const mx = x(m.at).toFixed(1);
    const colour = PALETTE[(i + 1) % PALETTE.length];
    out.push(`<line x1="${mx}" y1="${f.top}" x2="${mx}" y2="${f.bottom}" stroke="${colour}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${mx}" y="${f.top + 12 + 12 * i}" text-anchor="start" fill="${colour}"> ${escapeXml(m.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/** A line chart on linear axes; y starts at 0. */
export function lineChartSvg(options: { title: string; xLabel: string; yLabel: string; series: Series[]; width?: number; height?: number }): string {
  const f = frame(options.width ?? 640, options.height ?? 320);
  const out = header(f, options.title);
  out.push(...axes(f, options.xLabel, options.yLabel));
  const all = options.series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (all.length === 0) {
    out.push(`<text x="${(f.left + f.right) / 2}" y="${(f.top + f.bottom) / 2}" text-anchor="middle">no data</text>`, '</svg>');
    return out.join('\n');
  }
  const x0 = Math.min(...all.map((p) => p[0]));
  const x1 = Math.max(x0 + 1e-9, ...all.map((p) => p[0]));
  const y1 = Math.max(1e-9, ...all.map((p) => p[1])) * 1.05;
  const x = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
  const y = (v: number) => f.bottom - (v / y1) * (f.bottom - f.top);
  for (const t of niceTicks(0, y1, 5)) {
    out.push(`<line x1="${f.left}" y1="${y(t).toFixed(1)}" x2="${f.right}" y2="${y(t).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${f.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    out.push(`<text x="${x(t).toFixed(1)}" y="${f.bottom + 15}" text-anchor="middle">${fmt(t)}</text>`);
  }
  options.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (pts.length > 0) {
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ')}"/>`);
    }
    out.push(`<rect x="${f.right - 150}" y="${f.top + 4 + i * 14}" width="10" height="10" fill="${colour}"/>`);
    out.push(`<text x="${f.right - 136}" y="${f.top + 13 + i * 14}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
