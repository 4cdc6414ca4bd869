// The one chart module, for reports, training, the study, benchmarks and the demo page: line
// charts, bar charts (linear or log), interval charts and confusion matrices. Every chart is laid
// out once as a small scene (rects, lines, polylines, text) and written as SVG text; PNGs are that
// SVG rendered by resvg (eval/plot-png-node.ts). No Node built-ins: the demo page draws with it.
// sceneToImage rasterises a scene with the 5x7 bitmap font, for pictures that paste pixels
// (eval/attention-picture.ts).

import { createImage, drawLine, type RGBAImage } from '../data/image.js';
import { ADVANCE, GLYPH_H, GLYPH_W, glyph, textWidth } from './font5x7.js';

export type Color = readonly [number, number, number];

type Anchor = 'start' | 'middle' | 'end';
export type Prim =
  /** `cls` becomes the SVG class (the demo page finds its bars by it). */
  | { t: 'rect'; x: number; y: number; w: number; h: number; fill: Color; cls?: string }
  | { t: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: Color; width: number }
  | { t: 'poly'; pts: [number, number][]; stroke: Color; width: number }
  /** (x, y) is the anchor point on the text's vertical centre line; `vertical` reads bottom to top. */
  | { t: 'text'; x: number; y: number; text: string; color: Color; scale: number; anchor: Anchor; vertical?: boolean };

export interface Scene {
  width: number;
  height: number;
  background: Color;
  items: Prim[];
}

/** Tableau-10: distinguishable series colours. */
export const PALETTE: Color[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];
const BLACK: Color = [0, 0, 0];
const GREY: Color = [200, 200, 200];
const WHITE: Color = [255, 255, 255];

// ------------------------------------------------------------------ renderers

const hex = (c: Color) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r2 = (v: number) => Math.round(v * 100) / 100;
/** The layout measures text in the bitmap font's advance (6 px at 10 px): a monospace face of that
 *  width (DejaVu Sans Mono, Liberation Mono: 0.6 em) keeps labels where they were measured. */
export const FONT = 'DejaVu Sans Mono, Liberation Mono, monospace';

export function sceneToSvg(s: Scene): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}" viewBox="0 0 ${s.width} ${s.height}">`,
    `<rect width="${s.width}" height="${s.height}" fill="${hex(s.background)}"/>`,
  ];
  for (const p of s.items) {
    if (p.t === 'rect') out.push(`<rect${p.cls ? ` class="${p.cls}"` : ''} x="${r2(p.x)}" y="${r2(p.y)}" width="${r2(p.w)}" height="${r2(p.h)}" fill="${hex(p.fill)}"/>`);
    else if (p.t === 'line') out.push(`<line x1="${r2(p.x1)}" y1="${r2(p.y1)}" x2="${r2(p.x2)}" y2="${r2(p.y2)}" stroke="${hex(p.stroke)}" stroke-width="${p.width}"/>`);
    else if (p.t === 'poly') out.push(`<polyline points="${p.pts.map(([x, y]) => `${r2(x)},${r2(y)}`).join(' ')}" fill="none" stroke="${hex(p.stroke)}" stroke-width="${p.width}" stroke-linejoin="round"/>`);
    else {
      const rot = p.vertical ? ` transform="rotate(-90 ${r2(p.x)} ${r2(p.y)})"` : '';
      out.push(
        `<text x="${r2(p.x)}" y="${r2(p.y)}" font-family="${FONT}" font-size="${(GLYPH_H + 3) * p.scale}" fill="${hex(p.color)}" text-anchor="${p.anchor}" dominant-baseline="central"${rot}>${esc(p.text)}</text>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

function fillRect(img: RGBAImage, x: number, y: number, w: number, h: number, c: Color): void {
  const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w)), y1 = Math.min(img.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) img.data.set(c, (yy * img.width + xx) * 4);
}

function drawText(img: RGBAImage, p: Extract<Prim, { t: 'text' }>): void {
  const s = Math.max(1, Math.round(p.scale));
  const len = textWidth(p.text, s);
  const shift = p.anchor === 'start' ? 0 : p.anchor === 'middle' ? len / 2 : len;
  const half = (GLYPH_H * s) / 2;
  for (let i = 0; i < p.text.length; i++) {
    const bits = glyph(p.text[i]);
    for (let gy = 0; gy < GLYPH_H; gy++) {
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (!bits[gy * GLYPH_W + gx]) continue;
        const u = i * ADVANCE * s + gx * s - shift; // along the text
        const v = gy * s - half; // across, downwards from the centre line
        // Horizontal: (x + u, y + v). Vertical (rotated -90 degrees): (x + v, y - u).
        const X = p.vertical ? p.x + v : p.x + u;
        const Y = p.vertical ? p.y - u - s : p.y + v;
        fillRect(img, X, Y, s, s, p.color);
      }
    }
  }
}

export function sceneToImage(s: Scene): RGBAImage {
  const img = createImage(Math.round(s.width), Math.round(s.height), [...s.background] as [number, number, number]);
  for (const p of s.items) {
    if (p.t === 'rect') fillRect(img, p.x, p.y, p.w, p.h, p.fill);
    else if (p.t === 'line') drawLine(img, p.x1, p.y1, p.x2, p.y2, p.stroke, p.width);
    else if (p.t === 'poly') for (let i = 1; i < p.pts.length; i++) drawLine(img, p.pts[i - 1][0], p.pts[i - 1][1], p.pts[i][0], p.pts[i][1], p.stroke, p.width);
    else drawText(img, p);
  }
  return img;
}

// ------------------------------------------------------------------ axes

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** [lo, hi] widened to whole tick steps (unless fixed by the options). */
function niceRange(lo: number, hi: number, opts: { yMin?: number; yMax?: number }): [number, number] {
  const t = niceTicks(lo, hi);
  const step = t.length > 1 ? t[1] - t[0] : 1;
  return [opts.yMin ?? Math.floor(lo / step + 1e-9) * step, opts.yMax ?? Math.ceil(hi / step - 1e-9) * step];
}

export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

const text = (x: number, y: number, str: string, anchor: Anchor = 'start', color: Color = BLACK, scale = 1, vertical = false): Prim => ({ t: 'text', x, y, text: str, color, scale, anchor, vertical });

interface Frame {
  left: number;
  top: number;
  w: number;
  h: number;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/** Plot frame with y grid lines, ticks and labels; x ticks when `xRange` is numeric. */
function axes(
  items: Prim[],
  o: { width: number; height: number; title?: string; xLabel?: string; yLabel?: string; legendW: number; bottomExtra?: number; log?: boolean },
  yRange: [number, number],
  xRange?: [number, number],
): Frame {
  const left = o.yLabel ? 62 : 50;
  const top = o.title ? 26 : 12;
  const bottom = (o.xLabel ? 44 : 30) + (o.bottomExtra ?? 0);
  const w = o.width - left - 14 - o.legendW;
  const h = o.height - top - bottom;
  if (w < 20 || h < 20) throw new Error(`chart of ${o.width}x${o.height} pixels is too small for its axes and legend; make it larger.`);
  const [y0, y1] = yRange;
  const sy = (v: number) => top + h - ((v - y0) / (y1 - y0 || 1)) * h;
  const [x0, x1] = xRange ?? [0, 1];
  const sx = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * w;
  // A log axis has its ticks at the powers of ten (the range is in log10 units).
  const yTicks = o.log ? Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i) : niceTicks(y0, y1);
  for (const t of yTicks) {
    items.push({ t: 'line', x1: left, y1: sy(t), x2: left + w, y2: sy(t), stroke: GREY, width: 1 });
    items.push(text(left - 4, sy(t), fmtTick(o.log ? 10 ** t : t), 'end'));
  }
  if (xRange) {
    for (const t of niceTicks(x0, x1, 6)) {
      items.push({ t: 'line', x1: sx(t), y1: top + h, x2: sx(t), y2: top + h + 4, stroke: BLACK, width: 1 });
      items.push(text(sx(t), top + h + 12, fmtTick(t), 'middle'));
    }
  }
  items.push({ t: 'line', x1: left, y1: top, x2: left, y2: top + h, stroke: BLACK, width: 1 });
  items.push({ t: 'line', x1: left, y1: top + h, x2: left + w, y2: top + h, stroke: BLACK, width: 1 });
  if (o.title) items.push(text(o.width / 2, 12, o.title, 'middle', BLACK, 2));
  if (o.xLabel) items.push(text(left + w / 2, o.height - 10, o.xLabel, 'middle'));
  if (o.yLabel) items.push(text(10, top + h / 2, o.yLabel, 'middle', BLACK, 1, true));
  return { left, top, w, h, sx, sy };
}

function legend(items: Prim[], names: string[], colors: Color[], x: number, y: number): void {
  names.forEach((n, i) => {
    items.push({ t: 'rect', x, y: y + i * 14 - 4, w: 10, h: 8, fill: colors[i] });
    items.push(text(x + 14, y + i * 14, n));
  });
}

const legendWidth = (names: string[]) => (names.length > 1 ? 24 + Math.max(...names.map((n) => textWidth(n))) : 0);

// ------------------------------------------------------------------ line chart

export interface Series {
  name: string;
  /** x values; default 1, 2, 3, ... */
  x?: readonly number[];
  y: readonly number[];
  color?: Color;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  yMin?: number;
  yMax?: number;
  /** Line charts: a fixed x range (a live chart keeps its axis while points arrive). */
  xMin?: number;
  xMax?: number;
  /** Bar charts: a log10 y axis, for values spanning decades (non-positive values are left out). */
  log?: boolean;
  /** Bar charts: each bar's value printed above it. */
  valueLabels?: boolean;
}

export function lineChartScene(series: readonly Series[], opts: ChartOptions = {}): Scene {
  if (!series.length) throw new Error('lineChart: no series given.');
  const width = opts.width ?? 640;
  const height = opts.height ?? 400;
  const pts = series.map((s) => {
    if (s.x && s.x.length !== s.y.length) throw new Error(`lineChart: series "${s.name}" has ${s.x.length} x values and ${s.y.length} y values.`);
    return s.y.map((y, i) => [s.x ? s.x[i] : i + 1, y] as [number, number]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  });
  const all = pts.flat();
  if (!all.length) throw new Error('lineChart: no finite points to draw.');
  let [xl, xh] = [opts.xMin ?? Math.min(...all.map((p) => p[0])), opts.xMax ?? Math.max(...all.map((p) => p[0]))];
  let [yl, yh] = [opts.yMin ?? Math.min(...all.map((p) => p[1])), opts.yMax ?? Math.max(...all.map((p) => p[1]))];
  if (xh === xl) (xl -= 1), (xh += 1);
  if (yh === yl) (yl -= 1), (yh += 1);
  [yl, yh] = niceRange(yl, yh, opts);
  const items: Prim[] = [];
  const names = series.map((s) => s.name);
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const lw = legendWidth(names);
  const f = axes(items, { width, height, ...opts, legendW: lw }, [yl, yh], [xl, xh]);
  pts.forEach((p, i) => {
    const xy = p.map(([x, y]) => [f.sx(x), f.sy(Math.min(yh, Math.max(yl, y)))] as [number, number]);
    if (xy.length === 1) items.push({ t: 'rect', x: xy[0][0] - 2, y: xy[0][1] - 2, w: 4, h: 4, fill: colors[i] });
    else items.push({ t: 'poly', pts: xy, stroke: colors[i], width: 2 });
  });
  if (lw) legend(items, names, colors, f.left + f.w + 10, f.top + 6);
  return { width, height, background: WHITE, items };
}

export const lineChartSvg = (series: readonly Series[], opts: ChartOptions = {}) => sceneToSvg(lineChartScene(series, opts));

// ------------------------------------------------------------------ bar chart

export interface BarSeries {
  name: string;
  /** One per category; undefined or NaN: no bar (a system that did not run). */
  values: readonly (number | undefined)[];
  color?: Color;
}

/** Grouped bars: one group per category, one bar per series. Category labels that do not fit
 *  under their group are written vertically instead of being cut. */
export function barChartScene(categories: readonly string[], series: readonly BarSeries[], opts: ChartOptions = {}): Scene {
  if (!categories.length || !series.length) throw new Error('barChart: needs at least one category and one series.');
  for (const s of series) if (s.values.length !== categories.length) throw new Error(`barChart: series "${s.name}" has ${s.values.length} values for ${categories.length} categories.`);
  const width = opts.width ?? Math.max(320, 90 + categories.length * (18 * series.length + 16));
  const usable = (v: number | undefined): v is number => Number.isFinite(v) && (!opts.log || v! > 0);
  const vals = series.flatMap((s) => s.values).filter(usable);
  // Log axes are drawn in log10 units: the frame, ticks and bars all see log10(v).
  const tr = (v: number) => (opts.log ? Math.log10(v) : v);
  const [yl, yh] = opts.log
    ? [Math.floor(Math.min(...vals.map(tr), 0)), Math.ceil(Math.max(...vals.map(tr), 1))]
    : niceRange(Math.min(0, ...vals), Math.max(0, ...vals) || 1, opts);
  const group0 = (width - 76 - legendWidth(series.map((s) => s.name))) / categories.length;
  const vertical = categories.some((c) => textWidth(c) > group0 - 4);
  const labelH = vertical ? Math.min(220, Math.max(...categories.map((c) => textWidth(c)))) + 6 : 0;
  const height = (opts.height ?? 360) + labelH;
  const items: Prim[] = [];
  const names = series.map((s) => s.name);
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const lw = legendWidth(names);
  const f = axes(items, { width, height, ...opts, legendW: lw, bottomExtra: labelH, log: opts.log }, [yl, yh]);
  const group = f.w / categories.length;
  const bw = (group * 0.8) / series.length;
  // textWidth(n chars) = n * ADVANCE - 1: the +1 lets a label exactly as long as the room fit.
  const maxChars = Math.max(1, Math.floor(((vertical ? labelH - 6 : group) + 1) / ADVANCE));
  categories.forEach((c, ci) => {
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (!usable(v)) return;
      const ya = f.sy(Math.max(yl, Math.min(yh, tr(v))));
      const yb = f.sy(Math.max(yl, Math.min(yh, opts.log ? yl : 0)));
      const x = f.left + ci * group + group * 0.1 + si * bw;
      items.push({ t: 'rect', x, y: Math.min(ya, yb), w: Math.max(1, bw - 1), h: Math.abs(yb - ya), fill: colors[si], cls: 'bar' });
      if (opts.valueLabels) items.push(text(x + bw / 2, Math.min(ya, yb) - 6, fmtTick(Number(v.toPrecision(3))), 'middle'));
    });
    const label = c.length > maxChars ? c.slice(0, Math.max(1, maxChars - 1)) + '.' : c;
    const cx = f.left + (ci + 0.5) * group;
    if (vertical) items.push(text(cx, f.top + f.h + 6, label, 'end', BLACK, 1, true));
    else items.push(text(cx, f.top + f.h + 10, label, 'middle'));
  });
  if (lw) legend(items, names, colors, f.left + f.w + 10, f.top + 6);
  return { width, height, background: WHITE, items };
}

export const barChartSvg = (categories: readonly string[], series: readonly BarSeries[], opts: ChartOptions = {}) => sceneToSvg(barChartScene(categories, series, opts));

// ------------------------------------------------------------------ interval chart

export interface IntervalCategory {
  name: string;
  /** One point per run (e.g. per seed). */
  points: readonly number[];
  mean: number;
  lo: number;
  hi: number;
}

/** Per category: the individual points, the mean as a bar across and its interval as a vertical line; a zero line for reference. */
export function intervalChartScene(categories: readonly IntervalCategory[], opts: ChartOptions = {}): Scene {
  if (!categories.length) throw new Error('intervalChart: no categories given.');
  const width = opts.width ?? Math.max(360, 90 + categories.length * 70);
  const height = opts.height ?? 360;
  const vals = categories.flatMap((c) => [...c.points, c.mean, c.lo, c.hi]).filter(Number.isFinite);
  const [yl, yh] = niceRange(Math.min(0, ...vals), Math.max(0, ...vals) || 1, opts);
  const items: Prim[] = [];
  const f = axes(items, { width, height, ...opts, legendW: 0 }, [yl, yh]);
  const group = f.w / categories.length;
  items.push({ t: 'line', x1: f.left, y1: f.sy(0), x2: f.left + f.w, y2: f.sy(0), stroke: [120, 120, 120], width: 1 });
  const maxChars = Math.max(1, Math.floor(group / ADVANCE));
  categories.forEach((c, ci) => {
    const cx = f.left + (ci + 0.5) * group;
    if (Number.isFinite(c.lo) && Number.isFinite(c.hi)) items.push({ t: 'line', x1: cx, y1: f.sy(c.lo), x2: cx, y2: f.sy(c.hi), stroke: PALETTE[0], width: 3 });
    items.push({ t: 'line', x1: cx - group * 0.25, y1: f.sy(c.mean), x2: cx + group * 0.25, y2: f.sy(c.mean), stroke: PALETTE[0], width: 3 });
    c.points.forEach((v, k) => {
      const x = cx + group * 0.12 + (k - (c.points.length - 1) / 2) * 2;
      items.push({ t: 'rect', x: x - 2, y: f.sy(v) - 2, w: 4, h: 4, fill: PALETTE[1] });
    });
    const label = c.name.length > maxChars ? c.name.slice(0, Math.max(1, maxChars - 1)) + '.' : c.name;
    items.push(text(cx, f.top + f.h + 10, label, 'middle'));
  });
  return { width, height, background: WHITE, items };
}

export const intervalChartSvg = (c: readonly IntervalCategory[], opts: ChartOptions = {}) => sceneToSvg(intervalChartScene(c, opts));

// ------------------------------------------------------------------ confusion matrix

export interface ConfusionOptions {
  title?: string;
  /** Cell side in pixels (default: fits about 720 pixels, between 3 and 28). */
  cell?: number;
  /** Class labels on the axes (default when cells are at least 8 pixels). */
  labels?: boolean;
  /** Counts printed in the cells (default when cells are wide enough). */
  counts?: boolean;
}

/** White -> dark blue. */
export function blues(t: number): Color {
  const u = Math.max(0, Math.min(1, t));
  return [Math.round(255 + (8 - 255) * u), Math.round(255 + (48 - 255) * u), Math.round(255 + (107 - 255) * u)];
}

/** Rows = true class, columns = predicted; colour = share of the row (recall view). */
export function confusionMatrixScene(matrix: readonly (readonly number[])[], classes: readonly string[], opts: ConfusionOptions = {}): Scene {
  const C = classes.length;
  if (matrix.length !== C || matrix.some((r) => r.length !== C)) throw new Error(`confusionMatrix: matrix must be ${C}x${C} for ${C} classes.`);
  const cell = opts.cell ?? Math.max(3, Math.min(28, Math.floor(720 / C)));
  const labels = opts.labels ?? cell >= 8;
  const maxCount = Math.max(0, ...matrix.flat());
  const counts = opts.counts ?? (labels && cell >= textWidth(String(maxCount)) + 4);
  const maxLabel = 24;
  const short = classes.map((c) => (c.length > maxLabel ? c.slice(0, maxLabel - 1) + '.' : c));
  const labelW = labels ? Math.max(...short.map((c) => textWidth(c))) + 8 : 0;
  const titleH = opts.title ? 22 : 4;
  const left = labelW + 16;
  const top = titleH + labelW + 14;
  // A long title over a few classes would be clipped at both sides: widen the picture for it.
  const titleW = opts.title ? textWidth(opts.title, 2) + 16 : 0;
  const width = Math.max(left + C * cell + 8, titleW);
  const height = top + C * cell + 8;
  const items: Prim[] = [];
  if (opts.title) items.push(text(width / 2, 11, opts.title, 'middle', BLACK, 2));
  items.push(text(left + (C * cell) / 2, titleH + 4, 'predicted', 'middle'));
  items.push(text(6, top + (C * cell) / 2, 'true', 'middle', BLACK, 1, true));
  for (let i = 0; i < C; i++) {
    const rowSum = matrix[i].reduce((a, b) => a + b, 0);
    for (let j = 0; j < C; j++) {
      const share = rowSum ? matrix[i][j] / rowSum : 0;
      items.push({ t: 'rect', x: left + j * cell, y: top + i * cell, w: cell - (cell > 4 ? 1 : 0), h: cell - (cell > 4 ? 1 : 0), fill: blues(share) });
      if (counts && matrix[i][j]) items.push(text(left + j * cell + cell / 2, top + i * cell + cell / 2, String(matrix[i][j]), 'middle', share > 0.5 ? WHITE : BLACK));
    }
    if (labels) {
      items.push(text(left - 4, top + i * cell + cell / 2, short[i], 'end'));
      items.push(text(left + i * cell + cell / 2, top - 4, short[i], 'start', BLACK, 1, true));
    }
  }
  return { width, height, background: WHITE, items };
}

export const confusionMatrixSvg = (m: readonly (readonly number[])[], classes: readonly string[], opts: ConfusionOptions = {}) => sceneToSvg(confusionMatrixScene(m, classes, opts));
