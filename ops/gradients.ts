// Every gradient rule of the op layer, in one table keyed by op name. Forwards (ops/ops.ts,
// ops/nn.ts, ops/linear.ts, ops/focus.ts) launch their kernels and record
// `record(out, name, inputs, saved)` (ops/tape.ts); the tape walker (ops/autograd.ts) calls
// GRADIENTS[name](e, g, inputs, saved) with the gradient g of the op's output. To see how any
// gradient is computed, read this file.
//
// A rule runs under noGrad and returns one gradient per input (undefined where an input needs
// none). Tensors saved only for a rule (statistics, a precomputed loss gradient) are freed by the
// rule once used, which lowers peak memory during backward.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { copyAxisRange, permute } from '../kernels/layout.js';
import { maxBackward } from '../kernels/reduce.js';
import { geluBackward } from '../kernels/gelu.js';
import { layerNormBackwardInput, layerNormBackwardParams, type LayerNormSaved } from '../kernels/layernorm.js';
import { softmaxBackward } from '../kernels/softmax.js';
import { scaleByScalar } from '../kernels/softmax-xent.js';
import { embeddingBackward } from '../kernels/embedding.js';
import { l2normalizeBackward } from '../kernels/l2norm.js';
import { dropoutApply } from '../kernels/dropout.js';
import { attentionBackward, type AttentionSaved } from '../kernels/attention.js';
import { gemm } from '../kernels/gemm.js';
import { activationGrad } from '../kernels/gemm-act-grad.js';
import type { Activation } from '../kernels/gemm-wgsl.js';
import { reduceAxis } from '../kernels/reduce.js';
import { focusBackward, type FocusOptions } from '../kernels/focus.js';
import { copy, expand, keepShape, map, reduceTo, unbroadcast } from './primitives.js';
import { matmulImplOf } from './matmul-impl.js';

type Grads = (Tensor | undefined)[];
/** `slots[i]`, where given, is input i's zeroed gradient slot (ops/autograd.ts: directSlots): a rule
 *  may compute that gradient straight into it and return it; rules that do not simply ignore it. */
type Rule = (e: Runtime, g: Tensor, inputs: readonly Tensor[], saved: any, slots?: readonly (Tensor | undefined)[]) => Grads;

/** What sum saves: the axis reduced (-1 with flat: all of them). */
interface SumSaved {
  ax: number;
  flat: boolean;
}

/** Where a slice came from: [outer, n, inner] with the range start..start+len of n. */
interface SliceSaved {
  outer: number;
  inner: number;
  len: number;
  n: number;
  start: number;
}

/** The matmul's problem: a [..., M, K] @ b [K, N] (shared) or [..., K, N]. */
interface MatmulSaved {
  M: number;
  N: number;
  K: number;
  batch: number;
  bShared: boolean;
}

/** The linear layer's problem and what its activation's gradient reads (z: GELU's pre-activation, y: the output). */
interface LinearSaved {
  act: Activation;
  rows: number;
  inF: number;
  outF: number;
  y: Tensor;
  z?: Tensor;
}

export const GRADIENTS = {
  // ------------------------------------------------------------ elementwise, binary (NumPy broadcasting)
  add: (e, g, [a, b]) => [unbroadcast(e, g, a.shape), unbroadcast(e, g, b.shape)],
  addScalar: (e, g) => [copy(e, g)],
  sub: (e, g, [a, b]) => {
    const ng = map(e, 'neg', '-a', [g]);
    const gb = unbroadcast(e, ng, b.shape);
    if (gb !== ng) ng.dispose();
    return [unbroadcast(e, g, a.shape), gb];
  },
  subScalar: (e, g) => [copy(e, g)],
  mul: (e, g, [a, b]) => [
    a.requiresGrad ? reduceTo(e, map(e, 'mul', 'a * b', [g, b]), a.shape) : undefined,
    b.requiresGrad ? reduceTo(e, map(e, 'mul', 'a * b', [g, a]), b.shape) : undefined,
  ],
  mulScalar: (e, g, _, s: number) => [map(e, 'mul_s', 'a * s0', [g], [s])],
  div: (e, g, [a, b]) => [
    a.requiresGrad ? reduceTo(e, map(e, 'div', 'a / b', [g, b]), a.shape) : undefined,
    b.requiresGrad ? reduceTo(e, map(e, 'div_grad_b', '-a * b / (c * c)', [g, a, b]), b.shape) : undefined,
  ],
  divScalar: (e, g, _, s: number) => [map(e, 'div_s', 'a / s0', [g], [s])],

  // ------------------------------------------------------------ elementwise, unary (y: the output)
  neg: (e, g) => [map(e, 'neg', '-a', [g])],
  exp: (e, g, _, y: Tensor) => [map(e, 'mul', 'a * b', [g, y])],
  log: (e, g, [x]) => [map(e, 'div', 'a / b', [g, x])],
  sqrt: (e, g, _, y: Tensor) => [map(e, 'sqrt_grad', '0.5 * a / b', [g, y])],
  relu: (e, g, [x]) => [map(e, 'relu_grad', 'select(0.0, a, b > 0.0)', [g, x])],
  tanh: (e, g, _, y: Tensor) => [map(e, 'tanh_grad', 'a * (1.0 - b * b)', [g, y])],

  // ------------------------------------------------------------ reductions
  sum: (e, g, [x], s: SumSaved) => [expand(e, s.flat ? g : keepShape(e, g, x.shape, s.ax), x.shape)],
  /** Saved: as sum, and n, the count divided by. */
  mean: (e, g, [x], s: SumSaved & { n: number }) => [expand(e, s.flat ? g : keepShape(e, g, x.shape, s.ax), x.shape, 1 / s.n)],
  /** The gradient goes to the first maximal element (arg) of each row. */
  max: (e, g, [x], s: { arg: Tensor; outer: number; n: number; inner: number }) => [maxBackward(e, g, s.arg, s.outer, s.n, s.inner, x.shape)],

  // ------------------------------------------------------------ layout
  reshape: (e, g, [x]) => [e.view(g, x.shape)],
  /** Saved: the inverse permutation. */
  transpose: (e, g, _, inverse: readonly number[]) => [permute(e, g, inverse)],
  slice: (e, g, [x], s: SliceSaved) => {
    const dx = e.zeros(x.shape);
    copyAxisRange(e, g, dx, { outer: s.outer, inner: s.inner, len: s.len, inN: s.len, inStart: 0, outN: s.n, outStart: s.start });
    return [dx];
  },
  concat: (e, g, xs, s: { ax: number; outer: number; inner: number; total: number; starts: number[] }) =>
    xs.map((t, i) => {
      if (!t.requiresGrad) return undefined;
      const dx = e.empty(t.shape);
      copyAxisRange(e, g, dx, { outer: s.outer, inner: s.inner, len: t.shape[s.ax], inN: s.total, inStart: s.starts[i], outN: t.shape[s.ax], outStart: 0 });
      return dx;
    }),
  /** Identity forward; the gradient is multiplied by `keep` (0 where none should flow). */
  maskGradient: (e, g, _, keep: Tensor) => [map(e, 'mul', 'a * b', [g, keep])],

  // ------------------------------------------------------------ linear algebra
  /** dA = g B^T, dB = A^T g, on the engine's matmul launcher (ops/matmul-impl.ts). */
  matmul: (e, g, [a, b], { M, N, K, batch, bShared }: MatmulSaved) => {
    const matmul = matmulImplOf(e);
    let da: Tensor | undefined;
    let db: Tensor | undefined;
    if (a.requiresGrad) {
      da = e.empty(a.shape);
      if (bShared) matmul(e, g, b, da, { M: batch * M, N: K, K: N, transB: true });
      else matmul(e, g, b, da, { M, N: K, K: N, batch, transB: true });
    }
    if (b.requiresGrad) {
      db = e.empty(b.shape);
      if (bShared) matmul(e, a, g, db, { M: K, N, K: batch * M, transA: true });
      else matmul(e, a, g, db, { M: K, N, K: M, batch, transA: true });
    }
    return [da, db];
  },
  /** With dZ = g * act'(Z): dX = dZ W (NN), dW = dZ^T X (TN, the tall-K weight gradient the GEMM
   *  tuner may split over K), db = column sums of dZ. */
  linear: (e, g, [x, W, b], s: LinearSaved, slots?: readonly (Tensor | undefined)[]) => {
    const dz = activationGrad(e, s.act, g, s.act === 'gelu' ? s.z : s.y);
    let dx: Tensor | undefined;
    let dW: Tensor | undefined;
    let db: Tensor | undefined;
    if (x.requiresGrad) {
      dx = e.empty(x.shape);
      gemm(e, dz, W, dx, { M: s.rows, N: s.inF, K: s.outF });
    }
    if (W.requiresGrad) {
      dW = slots?.[1] ?? e.empty(W.shape);
      gemm(e, dz, x, dW, { M: s.outF, N: s.inF, K: s.rows, transA: true });
    }
    if (b?.requiresGrad) {
      db = slots?.[2] ?? e.empty(b.shape);
      reduceAxis(e, 'sum', dz, 1, s.rows, s.outF, db, undefined);
    }
    if (dz !== g) dz.dispose();
    return b ? [dx, dW, db] : [dx, dW];
  },

  // ------------------------------------------------------------ fused neural-network ops
  gelu: (e, g, [x]) => [geluBackward(e, x, g)],
  layerNorm: (e, g, [x, weight, bias], saved: LayerNormSaved, slots?: readonly (Tensor | undefined)[]) => {
    const dx = x.requiresGrad ? layerNormBackwardInput(e, x, weight, saved, g) : undefined;
    const p = weight.requiresGrad || bias.requiresGrad ? layerNormBackwardParams(e, x, saved, g, { dw: slots?.[1], db: slots?.[2] }) : undefined;
    saved.stats.dispose();
    return [dx, p?.dw, p?.db];
  },
  softmax: (e, g, _, y: Tensor) => [softmaxBackward(e, y, g)],
  attention: (e, g, [q, k, v], s: { out: Tensor; saved: AttentionSaved; keyMask?: Tensor }) => {
    const { dq, dk, dv } = attentionBackward(e, q, k, v, s.out, g, s.saved, s.keyMask);
    s.saved.lse.dispose();
    return [dq, dk, dv];
  },
  /** The forward computed the loss's gradient with the loss (`grad`); the rule scales it by g. */
  softmaxCrossEntropy: (e, g, _, grad: Tensor) => {
    const dx = scaleByScalar(e, grad, g);
    grad.dispose();
    return [dx];
  },
  /** Scatter-add of g into the rows of the table the ids picked (deterministic order). */
  embedding: (e, g, [table], ids: Tensor, slots?: readonly (Tensor | undefined)[]) => [embeddingBackward(e, table, ids, g, slots?.[0])],
  l2normalize: (e, g, _, s: { y: Tensor; norms: Tensor; eps: number }) => {
    const dx = l2normalizeBackward(e, s.y, s.norms, g, s.eps);
    s.norms.dispose();
    return [dx];
  },
  /** The same mask (same seed) applied to g. */
  dropout: (e, g, _, s: { p: number; seed: number }) => [dropoutApply(e, g, s.p, s.seed)],
  /** FocusCLIP's focusing I * (a + (1 - a) H): gradients for the image, the heatmap and a (derivation in kernels/focus.ts). */
  focus: (e, g, [image, heatmap, a], opts: FocusOptions) =>
    focusBackward(e, g, image, heatmap, a, { image: image.requiresGrad, heatmap: heatmap.requiresGrad, a: a.requiresGrad }, opts),
} satisfies Record<string, Rule>;

export type OpName = keyof typeof GRADIENTS;

/** The `saved` argument `record` takes for op K: none when its rule reads only g and the inputs. */
export type SavedArgs<K extends OpName> = Parameters<(typeof GRADIENTS)[K]> extends [unknown, unknown, unknown, infer S, ...unknown[]] ? [saved: S] : [];

/** The rule of `op`, for the tape walker. */
export function gradientRule(op: string): Rule {
  const rule: Rule | undefined = Object.hasOwn(GRADIENTS, op) ? (GRADIENTS as Record<string, Rule>)[op] : undefined;
  if (!rule) throw new Error(`No gradient rule for op "${op}" (ops/gradients.ts).`);
  return rule;
}
