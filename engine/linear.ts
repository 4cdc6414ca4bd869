// The linear layer, y = act(x W^T + b), the most frequent op of the model. Weights are [out, in]
// as in PyTorch. This first version composes generic ops; the GEMM family replaces it with one
// fused NT GEMM + bias + activation epilogue and its backward GEMMs.

import type { Engine } from './engine.js';
import type { Tensor } from './tensor.js';
import type { Activation } from './nn.js';
import { fmtShape, shapeSize } from './dtype.js';

export function linear(e: Engine, x: Tensor, W: Tensor, b: Tensor | undefined, act: Activation): Tensor {
  const inF = x.shape[x.rank - 1];
  if (W.rank !== 2 || W.shape[1] !== inF) {
    throw new Error(`linear: weight ${fmtShape(W.shape)} does not fit input ${fmtShape(x.shape)} (want [out, ${inF}]).`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== W.shape[0])) throw new Error(`linear: bias ${fmtShape(b.shape)} does not fit weight ${fmtShape(W.shape)}.`);
  const rows = shapeSize(x.shape) / inF;
  const x2 = e.ops.reshape(x, [rows, inF]);
  let y = e.ops.matmul(x2, e.ops.transpose(W));
  if (b) y = e.ops.add(y, b);
  if (act === 'relu') y = e.ops.relu(y);
  if (act === 'gelu') y = e.nn.gelu(y);
  return e.ops.reshape(y, [...x.shape.slice(0, -1), W.shape[0]]);
}
