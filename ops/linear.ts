// The linear layer, y = act(x W^T + b), the most frequent op of the model. Weights are [out, in]
// as in PyTorch. Forward: one NT GEMM with the bias (and ReLU) fused into its epilogue, GELU as its
// own elementwise pass over the saved pre-activation; the gradient rule is `linear` in
// ops/gradients.ts. f16 tensors run the f16 GEMM (GELU fused), forward only.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import type { Activation } from '../kernels/gemm-wgsl.js';
import { fmtShape, shapeSize } from '../engine/dtype.js';
import { geluForward } from '../kernels/gelu.js';
import { gemm } from '../kernels/gemm.js';
import { record } from './tape.js';

export function linear(e: Runtime, x: Tensor, W: Tensor, b: Tensor | undefined, act: Activation): Tensor {
  const inF = x.shape[x.rank - 1];
  if (x.rank < 1 || W.rank !== 2 || W.shape[1] !== inF) {
    throw new Error(`linear: weight ${fmtShape(W.shape)} does not fit input ${fmtShape(x.shape)} (want [out, ${inF}]).`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== W.shape[0])) throw new Error(`linear: bias ${fmtShape(b.shape)} does not fit weight ${fmtShape(W.shape)} (want [${W.shape[0]}]).`);
  // f16 (on adapters with shader-f16) runs the f16 GEMM: inference only, because the backward's
  // activation gradient and bias reduction kernels are f32.
  const dtype = x.dtype;
  for (const t of [x, W, b]) {
    if (t && (t.dtype !== dtype || (dtype !== 'f32' && dtype !== 'f16'))) {
      throw new Error(`linear: x, W and b must all be f32 or all f16, got ${t.describe()} with x ${x.describe()}.`);
    }
  }
  const outF = W.shape[0];
  const rows = shapeSize(x.shape) / inF;
  const inputs = b ? [x, W, b] : [x, W];
  const training = e.gradEnabled && inputs.some((t) => t.requiresGrad);
  if (training && dtype === 'f16') {
    throw new Error(`linear: f16 is forward-only (no gradients); train in f32 or run this f16 layer under e.noGrad() / without requiresGrad (x ${x.describe()}, W ${W.describe()}).`);
  }
  if (act === 'gelu' && dtype === 'f32') {
    // The GEMM with its bias writes the pre-activation z (which GELU's derivative needs), then the
    // elementwise GELU kernel reads it. Fusing GELU into the GEMM's epilogue saved that one read but
    // cost a GEMM kernel of its own (two: with and without z for inference), and on lavapipe each
    // compiles for seconds: unfused, a cold tiny training step went from 13.9 to 11.2 s, for ~2 %
    // on a warm tiny step and nothing measurable at small (bench/README.md, "Cold start").
    const z = e.empty([...x.shape.slice(0, -1), outF]);
    gemm(e, x, W, z, { M: rows, N: outF, K: inF, transB: true, bias: b });
    const out = geluForward(e, z);
    if (!training) {
      z.dispose();
      return out;
    }
    return record(out, 'linear', inputs, { act, rows, inF, outF, y: out, z });
  }
  const y = e.empty([...x.shape.slice(0, -1), outF], dtype);
  gemm(e, x, W, y, { M: rows, N: outF, K: inF, transB: true, bias: b, act });
  return record(y, 'linear', inputs, { act, rows, inF, outF, y, z: undefined });
}
