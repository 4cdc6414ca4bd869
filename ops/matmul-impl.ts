// The launcher behind the matmul op, per engine: the GEMM family (kernels/gemm.ts) unless replaced
// through e.ops.setMatmulImpl. The forward (ops/ops.ts) and the gradient rule (ops/gradients.ts)
// both read it here.

import type { Runtime } from '../engine/runtime.js';
import { matmulGemm } from '../kernels/gemm.js';

/** The matmul launcher behind `matmul`: the GEMM family unless replaced (setMatmulImpl). */
export type MatmulImpl = typeof matmulGemm;

const impls = new WeakMap<Runtime, MatmulImpl>();

export function matmulImplOf(e: Runtime): MatmulImpl {
  return impls.get(e) ?? matmulGemm;
}

export function setMatmulImpl(e: Runtime, impl: MatmulImpl): void {
  impls.set(e, impl);
}

/** Make the engine's matmul op (forward and backward) run on the GEMM family, the default. */
export function installGemm(e: Runtime): void {
  setMatmulImpl(e, matmulGemm);
}
