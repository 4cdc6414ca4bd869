// The demo page (web/demo.html): heatmap + focused image for a synthetic sample, a kernel benchmark
// with its chart, and places for zero-shot classification and live training. Everything runs on
// this browser's WebGPU device through the same engine and kernels as the Node CLI.
// It publishes its checks on window.__demoResults so the browser test suite can assert on them.
// URL: ?quick=1 runs smaller benchmark sizes (SwiftShader in CI).

import { Engine } from '../ops/engine.js';
import { barChartSvg } from '../eval/plot.js';
import { runMatmulBench, type BenchRow } from './demo/bench.js';
import { drawImage, renderFocus, syntheticSample, type FocusSample } from './demo/focus-view.js';
import type { HeatmapMode } from '../data/heatmap-ref.js';

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

interface DemoResults {
  done: boolean;
  adapter?: string;
  checks: Check[];
  bench?: BenchRow[];
  focus?: Record<string, number>;
  /** Whether the training / zero-shot bundle was there; its panels add their own fields. */
  model?: 'built' | 'not built';
  [more: string]: unknown;
  error?: string;
}

declare global {
  interface Window {
    __demoResults?: DemoResults;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const results: DemoResults = { done: false, checks: [] };
window.__demoResults = results;

function check(name: string, ok: boolean, detail?: string): void {
  results.checks.push({ name, ok, detail });
  const li = document.createElement('li');
  li.className = ok ? 'ok' : 'bad';
  li.textContent = `${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`;
  $('checks').appendChild(li);
}

function status(text: string): void {
  $('status').textContent = text;
}

async function focusPanel(e: Engine): Promise<void> {
  let sample: FocusSample = syntheticSample(11, 160);
  const modeSel = $<HTMLSelectElement>('mode');
  const aSlider = $<HTMLInputElement>('alpha');
  let pending = Promise.resolve();

  const draw = async (first = false) => {
    const a = Number(aSlider.value);
    $('alpha-value').textContent = a.toFixed(2);
    const v = await renderFocus(e, sample, modeSel.value as HeatmapMode, a);
    drawImage($('img-original'), v.pictures.original);
    drawImage($('img-heatmap'), v.pictures.heatmap);
    drawImage($('img-overlay'), v.pictures.overlay);
    drawImage($('img-focused'), v.pictures.focused);
    const s = v.stats;
    $('focus-caption').textContent =
      `${sample.record.activity} · ${sample.record.count} ${sample.record.count === 1 ? 'person' : 'people'} · ` +
      `heat range [${s.heatMin.toFixed(2)}, ${s.heatMax.toFixed(2)}], ${(100 * s.hotFraction).toFixed(1)}% hot · GPU ${s.ms.toFixed(1)} ms`;
    if (first) {
      results.focus = { ...s };
      check('heatmap values lie in [0, 1] and peak near 1', s.heatMin >= 0 && s.heatMax <= 1 && s.heatMax > 0.9, `range [${s.heatMin.toFixed(3)}, ${s.heatMax.toFixed(3)}]`);
      check('heatmap covers the person, not the whole picture', s.hotFraction > 0.005 && s.hotFraction < 0.8, `${(100 * s.hotFraction).toFixed(1)}% of pixels > 0.5`);
      check('heatmap is hotter at visible joints than on average', s.jointContrast > 1.5, `contrast ${s.jointContrast.toFixed(2)}x`);
      check('focused image equals I·(a + (1 − a)·H) computed on the host', s.focusMaxError < 1e-5, `max error ${s.focusMaxError.toExponential(1)}`);
    }
  };
  // Controls re-run the kernels; chain the runs so two quick changes never race.
  const redraw = () => (pending = pending.then(() => draw()).catch((err) => status(`error: ${err.message}`)));
  modeSel.addEventListener('change', redraw);
  aSlider.addEventListener('input', redraw);
  $('new-sample').addEventListener('click', () => {
    sample = syntheticSample(Math.floor(Math.random() * 1e6), 160);
    redraw();
  });
  await draw(true);
}

async function benchPanel(e: Engine, quick: boolean): Promise<void> {
  const sizes = quick ? [64, 128, 256] : [64, 128, 256, 512];
  const body = $('bench-rows');
  const chart = $('bench-chart');
  const rows: BenchRow[] = [];
  const redraw = () => {
    const groups = sizes.map((n) => `${n}³`);
    const series = [
      { name: 'naive (1 thread / output)', color: [154, 165, 177] as const, values: sizes.map((n) => rows.find((r) => r.size === n && r.kernel === 'naive')?.gflops) },
      { name: 'gemm (tuned family)', color: [31, 111, 235] as const, values: sizes.map((n) => rows.find((r) => r.size === n && r.kernel === 'gemm')?.gflops) },
    ];
    chart.innerHTML = barChartSvg(groups, series, { title: 'Square matmul C = A·B', yLabel: 'GFLOP/s', width: 560, height: 260, valueLabels: true });
  };
  redraw();
  const res = await runMatmulBench(e, sizes, quick ? 150 : 400, (r) => {
    rows.push(r);
    const tr = document.createElement('tr');
    for (const cell of [`${r.size}`, r.kernel, r.variant, r.ms.toFixed(2), r.gflops.toFixed(2), `${r.reps}`]) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.appendChild(td);
    }
    body.appendChild(tr);
    redraw();
  });
  results.bench = res.rows;
  const worst = Math.max(...Object.values(res.maxRelError));
  check('gemm agrees with the naive kernel at every size', worst < 1e-5, `max relative error ${worst.toExponential(1)}`);
  check('every benchmark produced a finite, positive rate', res.rows.length === 2 * sizes.length && res.rows.every((r) => r.gflops > 0 && Number.isFinite(r.gflops)), `${res.rows.length} rows`);
  check('the chart has one bar per kernel and size', chart.querySelectorAll('rect.bar').length === 2 * sizes.length);
}

/** Training and zero-shot live in their own bundle (web/demo-model.ts), built once the model has
 *  landed; without it the page keeps its placeholders. */
async function modelPanels(e: Engine, quick: boolean): Promise<void> {
  let mod: { runModelDemo(ctx: object): Promise<void> };
  try {
    mod = await import(/* @vite-ignore */ new URL('./demo-model.js', import.meta.url).href);
  } catch {
    results.model = 'not built';
    return;
  }
  results.model = 'built';
  await mod.runModelDemo({ engine: e, quick, check, status, results });
}

async function main(): Promise<void> {
  const quick = new URLSearchParams(location.search).has('quick');
  status('requesting a WebGPU device…');
  const e = await Engine.create();
  const a = e.adapter;
  results.adapter = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') + (a.isFallbackAdapter ? ' (software fallback)' : '');
  $('adapter').textContent = results.adapter;
  try {
    status('heatmap and focus…');
    await focusPanel(e);
    status('benchmarking matmul…');
    await benchPanel(e, quick);
    await modelPanels(e, quick);
    status('done');
  } finally {
    results.done = true;
  }
}

main().catch((err: Error) => {
  results.error = `${err.name}: ${err.message}`;
  check('the demo ran without errors', false, results.error);
  status(`error: ${err.message}`);
  results.done = true;
});
