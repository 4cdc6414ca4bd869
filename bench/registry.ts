// Benchmark suites by name: `focusclip bench <name> [...]` (`npm run bench -- <name>` in the repo).
// Each module exports `run(args, out)` and writes its JSON (and chart) through `out`.
import type { BenchOutput } from './output.js';

export interface Suite {
  about: string;
  load: () => Promise<{ run(args: string[], out: BenchOutput): Promise<void> }>;
}

export const suites: Record<string, Suite> = {
  gemm: { about: 'GEMM GFLOP/s vs TF.js, jax-js, the naive kernel and the FMA ceiling (--quick: squares up to 1024)', load: () => import('./gemm.js') },
  nn: { about: 'attention, softmax, LayerNorm, GELU... ms per op vs TF.js and jax-js', load: () => import('./nn.js') },
  e2e: { about: 'FocusCLIP/CLIP training steps vs TF.js (WebGPU) and PyTorch (CPU), losses checked', load: () => import('./e2e.js') },
  heatmap: { about: 'ROI heatmaps per second vs the float64 reference', load: () => import('./heatmap.js') },
  loader: { about: 'synthetic images and shard loading, samples per second', load: () => import('./loader.js') },
  wait: { about: "the engine's quiet waiting vs a plain await on one GPU job", load: () => import('./wait.js') },
};

export function suiteList(): string {
  const width = Math.max(...Object.keys(suites).map((n) => n.length));
  return Object.entries(suites).map(([n, s]) => `  ${n.padEnd(width)}  ${s.about}`).join('\n');
}
