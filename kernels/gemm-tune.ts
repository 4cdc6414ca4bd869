// The GEMM autotuner: times the candidate kernels for one shape on this device and remembers the
// fastest in kernels/gemm-choices.ts. Tuning is explicit and async
// (`await tuneGemm(...)`), because launches are recorded synchronously; an untuned shape runs the
// heuristic default of kernels/gemm.ts.

import type { Runtime } from '../engine/runtime.js';
import { candidateVariants, gemm, shapeKey, type GemmDType, type GemmSpec } from './gemm.js';
import { toF16 } from './gemm-reference.js';
import { Rng } from '../engine/rng.js';
import { variantName, type GemmVariant } from './gemm-wgsl.js';
import { cachedVariant, rememberVariant } from './gemm-choices.js';

export interface TuneResult {
  key: string;
  best: GemmVariant;
  /** Milliseconds per GEMM for each candidate (host time around a synced batch of launches). */
  timings: { variant: string; ms: number }[];
}

/** Time every candidate for this shape (operands are random scratch tensors) and cache the best. */
export async function tuneGemm(
  e: Runtime,
  spec: GemmSpec,
  opts: { runs?: number; candidates?: GemmVariant[]; force?: boolean; dtype?: GemmDType } = {},
): Promise<TuneResult> {
  const dtype = opts.dtype ?? 'f32';
  const key = shapeKey(spec, dtype);
  const cands = opts.candidates ?? candidateVariants(e, spec, opts.dtype ?? 'f32');
  const known = cachedVariant(e, key);
  if (known && !opts.force) return { key, best: known, timings: [] };
  const batch = spec.batch ?? 1;
  const sA = spec.strideA ?? spec.M * spec.K;
  const sB = spec.strideB ?? spec.K * spec.N;
  const flops = 2 * spec.M * spec.N * spec.K * batch;
  // Small shapes: several launches per measurement so host overhead does not decide.
  const reps = Math.max(1, Math.min(50, Math.round(2e8 / Math.max(flops, 1))));
  const runs = opts.runs ?? 2;
  const timings: TuneResult['timings'] = [];
  let best: GemmVariant | undefined;
  let bestMs = Infinity;
  await e.scope(async () => {
    // f16 operands: the same random values rounded on the host (randn makes f32 tensors).
    const rand = (n: number, seed: number) => {
      if (dtype === 'f32') return e.randn([n], { seed });
      const rng = new Rng(seed);
      return e.tensor(toF16(Array.from({ length: n }, () => rng.normal())).bits, [n]);
    };
    const A = rand((batch - 1) * sA + spec.M * spec.K, 1);
    const B = rand((batch - 1) * sB + spec.K * spec.N, 2);
    const C = e.empty([batch * spec.M * spec.N], dtype);
    const bias = spec.bias ? rand(spec.N, 3) : undefined;
    for (const v of cands) {
      const s: GemmSpec = { ...spec, bias, preact: undefined, variant: v };
      gemm(e, A, B, C, s); // compile + warm up
      await e.sync();
      let ms = Infinity;
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) gemm(e, A, B, C, s);
        await e.sync();
        ms = Math.min(ms, (performance.now() - t0) / reps);
        if (ms > 3 * bestMs) break; // clearly losing: do not spend more time on it
      }
      timings.push({ variant: variantName(v), ms });
      if (ms < bestMs) {
        bestMs = ms;
        best = v;
      }
    }
  });
  if (!best) throw new Error(`tuneGemm: no candidate kernel for ${key}.`);
  rememberVariant(e, key, best);
  return { key, best, timings };
}
