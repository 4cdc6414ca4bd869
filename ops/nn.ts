// The neural-network op table (`engine.nn`): the fused kernels a transformer training step needs,
// each a forward that launches its kernels and records itself on the tape; the gradient rules are
// the entries of the same names in ops/gradients.ts. Model code calls these through `engine.nn`.
//
// Layout conventions (match PyTorch so checkpoints map one to one):
// - Linear weights are [out, in]; linear(x, W, b) = x W^T + b over the last axis of x.
// - Attention tensors are [batch, heads, seq, headDim]; the key mask is [batch, seq] f32, 1 = attend,
//   0 = padding.
// - Index tensors (targets, token ids) are i32.
// Optimizer updates (global gradient norm and clipping, SGD-momentum, AdamW over whole parameter
// arenas) and heatmap rasterisation are entries of this table too, but not tape ops.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import type { Ops } from './ops.js';
import { linear } from './linear.js';
import { focus, type FocusOptions } from './focus.js';
import { record, releaseUnlessRecorded, willRecord } from './tape.js';
import { geluForward } from '../kernels/gelu.js';
import { layerNormForward } from '../kernels/layernorm.js';
import { softmaxForward } from '../kernels/softmax.js';
import { softmaxXentForward } from '../kernels/softmax-xent.js';
import { embeddingForward } from '../kernels/embedding.js';
import { l2normalizeForward } from '../kernels/l2norm.js';
import { dropoutApply } from '../kernels/dropout.js';
import { attentionForward } from '../kernels/attention.js';
import { adamwStep, gradNorm, sgdStep, type AdamWOptions, type ChunkOptions, type SgdOptions } from '../kernels/optim.js';
import { rasterizeHeatmaps, type RasterOptions } from '../kernels/heatmap.js';
import type { Activation } from '../kernels/gemm-wgsl.js';

// The GEMM epilogue's activations are the linear layer's: one type, defined by the kernel.
export type { Activation };

export interface AttentionOptions {
  /** [batch, seq] f32, 1 = attend to this key, 0 = padding. */
  keyMask?: Tensor;
  /** Defaults to 1 / sqrt(headDim). */
  scale?: number;
}

export interface CrossEntropyOptions {
  /** Per-row column to leave out of the softmax (-1 = none): NT-Xent's self-similarity. */
  exclude?: Tensor;
  /** Multiply logits by this before the softmax (1 / temperature). */
  logitScale?: number;
}

export type NN = ReturnType<typeof makeNN>;
export type { AdamWOptions, ChunkOptions, RasterOptions, SgdOptions };

// Each op: forward launch, then `record(out, name, inputs, saved)`. Tensors only a gradient rule
// needs (saved statistics, the precomputed loss gradient) belong to the caller's scope like any
// intermediate; the rule frees them as soon as it has run (lower peak memory during backward), or
// they are freed at once when the tape does not record the op.

export function makeNN(e: Runtime, ops: Ops) {
  const nn = {
    /** y = act(x W^T + b); x [..., in], W [out, in], b [out]. See ops/linear.ts. */
    linear(x: Tensor, W: Tensor, b?: Tensor, act: Activation = 'none'): Tensor {
      return linear(e, x, W, b, act);
    },
    /** FocusCLIP's focusing, I * (a + (1 - a) H); image [B, C, H, W], heatmap [B, 1, H, W], a [1]. See ops/focus.ts. */
    focus(image: Tensor, heatmap: Tensor, a: Tensor, opts: FocusOptions = {}): Tensor {
      return focus(e, image, heatmap, a, opts);
    },
    /** GELU, erf form (as timm and BERT). */
    gelu(x: Tensor): Tensor {
      return record(geluForward(e, x), 'gelu', [x]);
    },
    /** LayerNorm over the last axis. */
    layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
      const { y, saved } = layerNormForward(e, x, weight, bias, eps);
      record(y, 'layerNorm', [x, weight, bias], saved);
      releaseUnlessRecorded(y, [saved.stats]);
      return y;
    },
    /** Softmax over the last axis. */
    softmax(x: Tensor): Tensor {
      const y = softmaxForward(e, x);
      return record(y, 'softmax', [x], y);
    },
    /** softmax(q k^T * scale + mask) v; q, k, v [B, H, S, D]. */
    attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
      const { out, saved } = attentionForward(e, q, k, v, opts);
      record(out, 'attention', [q, k, v], { out, saved, keyMask: opts.keyMask });
      releaseUnlessRecorded(out, [saved.lse]);
      return out;
    },
    /** Mean over rows of -log softmax(logits * logitScale)[target], optionally excluding a column per row. logits [R, C], target i32 [R]. Returns a scalar.
     *  Targets must lie in [0, C) and differ from the excluded column; a row that breaks this gets a NaN loss. */
    softmaxCrossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
      const withGrad = willRecord(e, logits);
      const { loss, grad } = softmaxXentForward(e, logits, target, { exclude: opts.exclude, logitScale: opts.logitScale, withGrad });
      if (!grad) return loss;
      return record(loss, 'softmaxCrossEntropy', [logits], grad);
    },
    /** table [V, D] gathered at ids (i32, any shape) -> [...ids.shape, D]. Ids outside [0, V) give zero rows. */
    embedding(table: Tensor, ids: Tensor): Tensor {
      return record(embeddingForward(e, table, ids), 'embedding', [table], ids);
    },
    /** Rows divided by their L2 norm (max(norm, eps)); x [R, D]. */
    l2normalize(x: Tensor, eps = 1e-12): Tensor {
      const { y, norms } = l2normalizeForward(e, x, eps);
      record(y, 'l2normalize', [x], { y, norms, eps });
      releaseUnlessRecorded(y, [norms]);
      return y;
    },
    /** Inverted dropout with a seed (identity when p = 0 or under noGrad()). */
    dropout(x: Tensor, p: number, seed: number): Tensor {
      if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}.`);
      if (p === 0 || !e.gradEnabled) return ops.reshape(x, x.shape);
      return record(dropoutApply(e, x, p, seed), 'dropout', [x], { p, seed });
    },

    // ------------------------------------------------------------ not tape ops
    /** [norm, clip coefficient] of the global L2 norm of `grads`, clipping to `maxNorm` (kernels/optim.ts). */
    gradNorm(grads: Tensor | Tensor[], maxNorm = Infinity, opts: ChunkOptions = {}): Tensor {
      return gradNorm(e, grads, maxNorm, opts);
    },
    /** One fused SGD-momentum update (PyTorch semantics) over a whole parameter arena. */
    sgdStep(t: { params: Tensor; grads: Tensor; momentum?: Tensor }, o: SgdOptions): void {
      sgdStep(e, t, o);
    },
    /** One fused AdamW update over a whole parameter arena. */
    adamwStep(t: { params: Tensor; grads: Tensor; m: Tensor; v: Tensor }, o: AdamWOptions): void {
      adamwStep(e, t, o);
    },
    /** ROI heatmaps f32 [B, 1, height, width] from packed keypoints f32 [B, P, 16, 3] and source sizes f32 [B, 2] (kernels/heatmap.ts). */
    heatmaps(keypoints: Tensor, sizes: Tensor, opts: RasterOptions): Tensor {
      return rasterizeHeatmaps(e, keypoints, sizes, opts);
    },
  };
  return nn;
}
