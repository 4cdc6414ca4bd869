// Benchmark suites by name: `focusclip bench <name> [...]` (`npm run bench -- <name>` in the repo).
// Each module exports `run(args, out)` and writes its JSON (and chart) through `out`. `reduced` is
// how `focusclip bench all` runs the suite (`quick` with --quick, or when the time budget is short),
// small enough that all suites and the correctness smoke finish within minutes on a CPU adapter;
// `headline` is the line it prints from the suite's JSON.
import type { BenchOutput } from './output.js';

export interface Suite {
  about: string;
  load: () => Promise<{ run(args: string[], out: BenchOutput): Promise<void> }>;
  reduced: {
    args: string[];
    quick: string[];
    /** Seconds of each size as a multiple of the correctness smoke's, measured on lavapipe with an
     *  empty shader cache (where compiling kernels dominates both): `bench all` predicts a suite's
     *  time from the smoke's on the machine at hand and fits the suites into its time budget. */
    cost: number;
    quickCost: number;
  };
  /** The suite's main JSON file and a one-line summary of it. */
  json: string;
  headline: (result: any) => string;
}

const n = (x: unknown, digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');
const range = (xs: number[], digits = 1) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (!v.length) return '-';
  const [lo, hi] = [Math.min(...v), Math.max(...v)];
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}-${hi.toFixed(digits)}`;
};

export const suites: Record<string, Suite> = {
  gemm: {
    about: 'GEMM GFLOP/s vs TF.js, jax-js, the naive kernel and the FMA ceiling (--quick: squares up to 1024)',
    load: () => import('./gemm.js'),
    reduced: { args: ['--quick', '--max-size', '512', '--runs', '3', '--only', '^3,tiny'], quick: ['--quick', '--max-size', '256', '--runs', '3', '--only', '^3'], cost: 1.3, quickCost: 0.7 },
    json: 'gemm.json',
    headline: (r) => {
      const rows: any[] = r.rows;
      const best = rows.reduce((a, b) => (b.ours > a.ours ? b : a));
      const f16 = rows.map((x) => x.oursF16).filter((x) => x !== undefined);
      return (
        `f32 best ${n(best.ours)} GFLOP/s (${best.shape}, ${best.kernel}); ${range(rows.map((x) => x.ratioVsBestPeer))}x the best peer over ${rows.length} shapes` +
        `${f16.length ? `; f16 best ${n(Math.max(...f16))}` : ''}; FMA ceiling ${n(r.fmaCeiling)} GFLOP/s`
      );
    },
  },
  nn: {
    about: 'attention, softmax, LayerNorm, GELU... ms per op vs TF.js and jax-js',
    load: () => import('./nn.js'),
    reduced: { args: ['--runs', '5'], quick: ['--runs', '3'], cost: 1.6, quickCost: 1.5 },
    json: 'nn.json',
    headline: (r) =>
      (r.rows as any[])
        .map((x) => {
          const peer = Math.min(x.tfjs ?? Infinity, x.jax ?? Infinity);
          return `${x.op} ${n(x.ours, 2)} ms${Number.isFinite(peer) ? ` (best peer ${n(peer, 2)})` : ''}`;
        })
        .join('; '),
  },
  e2e: {
    about: 'FocusCLIP/CLIP training steps vs TF.js (WebGPU) and PyTorch (CPU), losses checked',
    load: () => import('./e2e.js'),
    reduced: { args: ['--steps', '3', '--batch', '8'], quick: ['--steps', '2', '--batch', '4', '--kinds', 'focusclip'], cost: 1.5, quickCost: 1 },
    json: 'e2e.json',
    headline: (r) =>
      (r.results as any[])
        .map((x) => {
          const peers = [x.ratios?.tfjsOverOurs && `TF.js ${n(x.ratios.tfjsOverOurs, 2)}x`, x.ratios?.torchOverOurs && `PyTorch CPU ${n(x.ratios.torchOverOurs, 2)}x`].filter(Boolean);
          return `${x.preset} ${x.kind} batch ${x.batch}: step ${n(x.stepMs, 0)} ms (${n(x.trainImagesPerSec)} img/s)${peers.length ? `, ${peers.join(', ')} our step time` : ''}${x.faithful === false ? ', LOSSES DISAGREE' : x.faithful ? ', losses agree' : ''}`;
        })
        .join('; '),
  },
  heatmap: {
    about: 'ROI heatmaps per second vs the float64 reference',
    load: () => import('./heatmap.js'),
    reduced: { args: ['--batch', '16', '--reps', '3'], quick: ['--batch', '8', '--reps', '2', '--size', '64', '--mode', 'axis'], cost: 0.05, quickCost: 0.03 },
    json: 'heatmap.json',
    headline: (r) => {
      const rows: any[] = r.rows;
      return `${rows[0]?.size}x${rows[0]?.size}, 1-4 people: GPU ${range(rows.map((x) => x.gpu_heatmaps_per_s), 0)} heatmaps/s, CPU float64 reference ${range(rows.map((x) => x.cpu_ref_heatmaps_per_s), 0)}`;
    },
  },
  loader: {
    about: 'synthetic images and shard reading (the reader of train --shards), samples per second',
    load: () => import('./loader.js'),
    reduced: { args: ['--count', '256', '--sizes', '64,224'], quick: ['--count', '64', '--sizes', '64'], cost: 0.05, quickCost: 0.02 },
    json: 'loader.json',
    headline: (r) =>
      (r.rows as any[]).map((x) => `${x.size} px: ${x.loaderFileSamplesPerSec} samples/s from files, ${x.loaderMemorySamplesPerSec} from memory, generated ${x.generateImagesPerSec} img/s`).join('; '),
  },
  cold: {
    about: 'cold start: `focusclip train` for one tiny step with the shader cache disabled vs warm, and which kernels the cold step compiles',
    load: () => import('./cold.js'),
    reduced: { args: ['--reps', '1'], quick: ['--reps', '1', '--kinds', 'clip'], cost: 0.6, quickCost: 0.3 },
    json: 'cold.json',
    headline: (r) =>
      (r.results as any[])
        .map((x) => `tiny ${x.kind}: cold ${n(x.coldSec)} s, warm ${n(x.warmSec)} s${x.kernelsCompiled ? ` (${x.kernelsCompiled} kernels; slowest ${x.topKernels[0]?.kernel} ${n(x.topKernels[0]?.ms / 1000)} s)` : ''}`)
        .join('; '),
  },
  wait: {
    about: "the engine's quiet waiting vs a plain await on one GPU job",
    load: () => import('./wait.js'),
    reduced: { args: ['--reps', '4'], quick: ['--reps', '2'], cost: 0.1, quickCost: 0.05 },
    json: 'wait.json',
    headline: (r) =>
      (r.results as any[]).map((x) => `${x.mode}: ${n(x.wallMs, 0)} ms, main thread ${x.mainThreadCpuShare === undefined ? '-' : `${(100 * x.mainThreadCpuShare).toFixed(0)}%`} of a core`).join('; '),
  },
};

export function suiteList(): string {
  const width = Math.max(...Object.keys(suites).map((n) => n.length), 3);
  const all = `  ${'all'.padEnd(width)}  correctness of every kernel family and layout vs CPU references, then every suite reduced; one JSON (--json, --quick, --budget S, --suites a,b, --families a,b)`;
  return [...Object.entries(suites).map(([n, s]) => `  ${n.padEnd(width)}  ${s.about}`), all].join('\n');
}
