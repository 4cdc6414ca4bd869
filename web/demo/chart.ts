// Small SVG charts as strings (no charting library): grouped bars for benchmarks and a line chart
// for a loss curve. Pure functions, so they work the same in any page or in a test.

export interface Series {
  name: string;
  color: string;
  values: readonly number[];
}

const W = 560;
const H = 260;
const PAD = { left: 56, right: 12, top: 44, bottom: 36 };

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** 1, 2, 5 x 10^k ticks covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function frame(title: string, yLabel: string, ticks: number[], y: (v: number) => number): string[] {
  const out = [
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`,
    `<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})">${esc(yLabel)}</text>`,
  ];
  for (const t of ticks) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y(t) + 4}" font-size="10" text-anchor="end">${t}</text>`);
  }
  return out;
}

export function barChartSvg(opts: { title: string; yLabel: string; groups: readonly string[]; series: readonly Series[] }): string {
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH * (1 - v / top);
  const out = frame(opts.title, opts.yLabel, ticks, y);
  const groupW = (W - PAD.left - PAD.right) / Math.max(1, opts.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, opts.series.length);
  opts.groups.forEach((g, gi) => {
    const x0 = PAD.left + gi * groupW + groupW * 0.1;
    opts.series.forEach((s, si) => {
      const v = s.values[gi];
      if (!Number.isFinite(v)) return;
      const x = x0 + si * barW;
      out.push(`<rect class="bar" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name} ${g}: ${v.toPrecision(3)}`)}</title></rect>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" font-size="9" text-anchor="middle">${v.toPrecision(3)}</text>`);
    });
    out.push(`<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${H - PAD.bottom + 14}" font-size="11" text-anchor="middle">${esc(g)}</text>`);
  });
  return wrap(out, opts.series);
}

export function lineChartSvg(opts: { title: string; yLabel: string; xLabel: string; series: readonly Series[]; xMax?: number }): string {
  const all = opts.series.flatMap((s) => s.values.filter(Number.isFinite));
  const ticks = niceTicks(Math.max(0, ...all));
  const top = ticks[ticks.length - 1];
  const n = opts.xMax ?? Math.max(2, ...opts.series.map((s) => s.values.length));
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH * (1 - v / top);
  const x = (i: number) => PAD.left + ((W - PAD.left - PAD.right) * i) / Math.max(1, n - 1);
  const out = frame(opts.title, opts.yLabel, ticks, y);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  // Up to six x labels, counting from 1 (steps as people count them).
  const every = Math.max(1, Math.ceil((n - 1) / 5));
  for (let i = 0; i < n; i += every) out.push(`<text x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${i + 1}</text>`);
  for (const s of opts.series) {
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (pts) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
  }
  return wrap(out, opts.series);
}

function wrap(body: string[], series: readonly Series[]): string {
  // Legend entries side by side; the advance is estimated from the label length (no text metrics in SVG strings).
  let x = PAD.left;
  const legend = series.map((s) => {
    const item = `<rect x="${x}" y="24" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="33" font-size="11">${esc(s.name)}</text>`;
    x += 30 + 6.5 * s.name.length;
    return item;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">${[...body, ...legend].join('')}</svg>`;
}
