import { escapeXml, histogramSvg, lineChartSvg, niceTicks } from '../src/svg';
import { Histogram } from '../src/stats';

/**
 * A strict well-formedness check for the SVG we write: one root, balanced tags, quoted
 * attributes without duplicates, only the five predefined entities, no stray '<' or '&'.
 */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const text = (s: string) => {
    if (/[<]/.test(s)) throw new Error(`stray < in text: ${s}`);
    for (const m of s.matchAll(/&([^;]*);?/g)) if (!/^&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(m[0])) throw new Error(`bad entity ${m[0]}`);
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      text(xml.slice(i));
      break;
    }
    text(xml.slice(i, lt));
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error('unclosed tag');
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*$/.exec(body);
    if (!m) throw new Error(`bad tag <${tag}>`);
    const names = [...m[2]!.matchAll(/([\w:.-]+)="([^"]*)"/g)].map((a) => {
      text(a[2]!);
      return a[1]!;
    });
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${tag}>`);
    if (stack.length === 0) roots += 1;
    if (!selfClosing) stack.push(m[1]!);
  }
  if (stack.length !== 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

describe('SVG charts', () => {
  it('the checker itself refuses broken XML', () => {
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg a="1" a="2"/>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a & b</text></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg/><svg/>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a &amp; b</text></svg>')).not.toThrow();
  });

  it('a latency histogram is well-formed SVG, titles escaped', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    const svg = histogramSvg({
      title: 'p99 <"chat"> & friends',
      xLabel: 'ms',
      bars: h.bins(40),
      markers: [{ at: h.percentile(99), label: 'p99 <target>' }],
    });
    assertWellFormedXml(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('p99 &lt;&quot;chat&quot;&gt; &amp; friends');
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(10);
  });

  it('a line chart is well-formed SVG, with and without data', () => {
    const svg = lineChartSvg({
      title: 'throughput',
      xLabel: 's',
      yLabel: 'per second',
      series: [
        { name: 'a & b', points: [[0, 1], [1, 5], [2, NaN], [3, 2]] },
        { name: 'c', points: [[0, 3], [3, 4]] },
      ],
    });
    assertWellFormedXml(svg);
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2);
    assertWellFormedXml(lineChartSvg({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] }));
    assertWellFormedXml(histogramSvg({ title: 'empty', xLabel: 'x', bars: [] }));
  });

  it('escapes the five XML specials and picks round ticks', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.8, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });
});
