// The demo's kernel benchmark: square C = A B with the naive kernel and the GEMM family at a few
// sizes, timed by wall clock around submit + onSubmittedWorkDone (the browser has no busy-poll
// cost to hide). The GEMM result is also checked against the naive one, so a fast wrong kernel
// does not show up as a win.

import type { Engine } from '../../ops/engine.js';
import type { Tensor } from '../../engine/tensor.js';
import { matmulNaive } from '../../kernels/matmul-naive.js';
import { gemm, defaultVariant } from '../../kernels/gemm.js';
import { variantName } from '../../kernels/gemm-wgsl.js';

export interface BenchRow {
  size: number;
  kernel: string;
  variant: string;
  ms: number;
  gflops: number;
  reps: number;
}

export interface BenchResult {
  rows: BenchRow[];
  /** Max |gemm - naive| / max |naive| per size. */
  maxRelError: Record<number, number>;
}

type Launch = (e: Engine, A: Tensor, B: Tensor, C: Tensor, s: { M: number; N: number; K: number }) => void;

const KERNELS: { name: string; launch: Launch; variant: (e: Engine, n: number) => string }[] = [
  { name: 'naive', launch: matmulNaive, variant: () => 'matmul_naive 8x8' },
  { name: 'gemm', launch: gemm, variant: (e, n) => variantName(defaultVariant(e, { M: n, N: n, K: n })) },
];

function randomData(n: number, seed: number): Float32Array {
  // A cheap LCG: the values only need to be non-trivial and reproducible.
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

async function time(e: Engine, run: () => void, budgetMs: number): Promise<{ ms: number; reps: number }> {
  run(); // compile and warm up
  await e.sync();
  let reps = 0;
  const t0 = performance.now();
  // Each rep is its own submit so the time per rep includes the launch overhead a model step sees.
  while (reps < 2 || (performance.now() - t0 < budgetMs && reps < 50)) {
    run();
    await e.sync();
    reps++;
  }
  return { ms: (performance.now() - t0) / reps, reps };
}

export async function runMatmulBench(e: Engine, sizes: readonly number[], budgetMs: number, onRow?: (r: BenchRow) => void): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const maxRelError: Record<number, number> = {};
  for (const n of sizes) {
    const A = e.tensor(randomData(n * n, n), [n, n]);
    const B = e.tensor(randomData(n * n, n + 1), [n, n]);
    const outs: Float32Array[] = [];
    for (const k of KERNELS) {
      const C = e.empty([n, n]);
      const t = await time(e, () => k.launch(e, A, B, C, { M: n, N: n, K: n }), budgetMs);
      outs.push((await C.toArray()) as Float32Array);
      C.dispose();
      const row = { size: n, kernel: k.name, variant: k.variant(e, n), ms: t.ms, gflops: (2 * n ** 3) / (t.ms * 1e6), reps: t.reps };
      rows.push(row);
      onRow?.(row);
    }
    let num = 0;
    let den = 0;
    for (let i = 0; i < outs[0].length; i++) {
      num = Math.max(num, Math.abs(outs[1][i] - outs[0][i]));
      den = Math.max(den, Math.abs(outs[0][i]));
    }
    maxRelError[n] = num / den;
    A.dispose();
    B.dispose();
  }
  return { rows, maxRelError };
}
