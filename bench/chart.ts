// A tiny dependency-free SVG chart: grouped bars, one group per category, one colour per series.

export interface BarChart {
  title: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: (number | undefined)[] }[];
  /** Log10 y axis (for values spanning decades). */
  log?: boolean;
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChartSvg(c: BarChart): string {
  const W = Math.max(640, 90 + c.categories.length * (c.series.length * 14 + 24));
  const H = 420;
  const left = 60;
  const top = 40;
  const bottom = 110;
  const plotH = H - top - bottom;
  const plotW = W - left - 20;
  const vals = c.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && v > 0));
  const max = Math.max(1e-9, ...vals);
  const min = c.log ? Math.max(1e-3, Math.min(...vals)) : 0;
  const lo = c.log ? Math.floor(Math.log10(min)) : 0;
  const hi = c.log ? Math.ceil(Math.log10(max)) : niceCeil(max);
  const y = (v: number) => top + plotH - (c.log ? ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH : (v / hi) * plotH);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(c.title)}</text>`);
  const ticks = c.log ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)) : Array.from({ length: 6 }, (_, i) => (hi * i) / 5);
  for (const t of ticks) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 4}" y="${y(t) + 4}" text-anchor="end">${+t.toPrecision(3)}</text>`);
  }
  out.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  const groupW = plotW / c.categories.length;
  const barW = Math.min(14, (groupW - 8) / c.series.length);
  c.categories.forEach((cat, ci) => {
    const gx = left + ci * groupW + (groupW - barW * c.series.length) / 2;
    c.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === undefined || !(v > 0)) return;
      out.push(`<rect x="${gx + si * barW}" y="${y(v)}" width="${barW - 1}" height="${top + plotH - y(v)}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(s.name)} ${esc(cat)}: ${v.toFixed(2)}</title></rect>`);
    });
    const cx = left + ci * groupW + groupW / 2;
    out.push(`<text transform="translate(${cx} ${top + plotH + 10}) rotate(40)" text-anchor="start">${esc(cat)}</text>`);
  });
  c.series.forEach((s, si) => {
    const lx = left + si * 140;
    out.push(`<rect x="${lx}" y="${H - 18}" width="10" height="10" fill="${COLOURS[si % COLOURS.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="${H - 9}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
