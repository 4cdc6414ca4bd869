// Neural-network ops: the fused kernels a transformer training step needs, each with its forward
// launch and gradient rule side by side (as in ops.ts). Model code calls these through `engine.nn`.
//
// Layout conventions (match PyTorch so checkpoints map one to one):
// - Linear weights are [out, in]; linear(x, W, b) = x W^T + b over the last axis of x.
// - Attention tensors are [batch, heads, seq, headDim]; the key mask is [batch, seq] f32, 1 = attend,
//   0 = padding.
// - Index tensors (targets, token ids) are i32.
// Optimizer updates (SGD-momentum, AdamW, global gradient norm and clipping) are not tape ops; they
// live in kernels/optim.ts.

import type { Engine } from './engine.js';
import type { Tensor } from './tensor.js';
import { linear } from './linear.js';
import { focus, type FocusOptions } from './focus.js';
import { geluBackward, geluForward } from '../kernels/gelu.js';
import { layerNormBackwardInput, layerNormBackwardParams, layerNormForward } from '../kernels/layernorm.js';
import { softmaxBackward, softmaxForward } from '../kernels/softmax.js';
import { scaleByScalar, softmaxXentForward } from '../kernels/softmax-xent.js';
import { embeddingBackward, embeddingForward } from '../kernels/embedding.js';
import { l2normalizeBackward, l2normalizeForward } from '../kernels/l2norm.js';
import { dropoutApply } from '../kernels/dropout.js';
import { attentionBackward, attentionForward } from '../kernels/attention.js';
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

// Each op: forward launch, then `record(out, name, inputs, backward)` with the gradient rule next to
// it (as in engine/ops.ts). Tensors only a backward rule needs (saved statistics, the precomputed
// loss gradient) belong to the caller's scope like any intermediate; they are freed as soon as the
// rule has run (lower peak memory during backward), or at once when the tape does not record the op.

export function makeNN(e: Engine) {
  const record = (out: Tensor, op: string, inputs: Tensor[], backward: Parameters<Engine['ops']['record']>[3]) => e.ops.record(out, op, inputs, backward);
  const willRecord = (...inputs: (Tensor | undefined)[]) => e.gradEnabled && inputs.some((t) => t?.requiresGrad);
  /** Free tensors saved for a backward rule when the op was not recorded. */
  const releaseUnlessRecorded = (out: Tensor, saved: Tensor[]) => {
    if (!out.node) saved.forEach((t) => t.dispose());
  };

  const nn = {
    /** y = act(x W^T + b); x [..., in], W [out, in], b [out]. See engine/linear.ts. */
    linear(x: Tensor, W: Tensor, b?: Tensor, act: Activation = 'none'): Tensor {
      return linear(e, x, W, b, act);
    },
    /** FocusCLIP's focusing, I * (a + (1 - a) H); image [B, C, H, W], heatmap [B, 1, H, W], a [1]. See engine/focus.ts. */
    focus(image: Tensor, heatmap: Tensor, a: Tensor, opts: FocusOptions = {}): Tensor {
      return focus(e, image, heatmap, a, opts);
    },
    /** GELU, erf form (as timm and BERT). */
    gelu(x: Tensor): Tensor {
      return record(geluForward(e, x), 'gelu', [x], (g) => [geluBackward(e, x, g)]);
    },
    /** LayerNorm over the last axis. */
    layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
      const { y, saved } = layerNormForward(e, x, weight, bias, eps);
      record(y, 'layerNorm', [x, weight, bias], (g) => {
        const dx = x.requiresGrad ? layerNormBackwardInput(e, x, weight, saved, g) : undefined;
        const p = weight.requiresGrad || bias.requiresGrad ? layerNormBackwardParams(e, x, saved, g) : undefined;
        saved.stats.dispose();
        return [dx, p?.dw, p?.db];
      });
      releaseUnlessRecorded(y, [saved.stats]);
      return y;
    },
    /** Softmax over the last axis. */
    softmax(x: Tensor): Tensor {
      const y = softmaxForward(e, x);
      return record(y, 'softmax', [x], (g) => [softmaxBackward(e, y, g)]);
    },
    /** softmax(q k^T * scale + mask) v; q, k, v [B, H, S, D]. */
    attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
      const { out, saved } = attentionForward(e, q, k, v, opts);
      record(out, 'attention', [q, k, v], (g) => {
        const { dq, dk, dv } = attentionBackward(e, q, k, v, out, g, saved, opts.keyMask);
        saved.lse.dispose();
        return [dq, dk, dv];
      });
      releaseUnlessRecorded(out, [saved.lse]);
      return out;
    },
    /** Mean over rows of -log softmax(logits * logitScale)[target], optionally excluding a column per row. logits [R, C], target i32 [R]. Returns a scalar.
     *  Targets must lie in [0, C) and differ from the excluded column; a row that breaks this gets a NaN loss. */
    softmaxCrossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
      const withGrad = willRecord(logits);
      const { loss, grad } = softmaxXentForward(e, logits, target, { exclude: opts.exclude, logitScale: opts.logitScale, withGrad });
      if (!grad) return loss;
      return record(loss, 'softmaxCrossEntropy', [logits], (g) => {
        const dx = scaleByScalar(e, grad, g);
        grad.dispose();
        return [dx];
      });
    },
    /** table [V, D] gathered at ids (i32, any shape) -> [...ids.shape, D]. Ids outside [0, V) give zero rows. */
    embedding(table: Tensor, ids: Tensor): Tensor {
      return record(embeddingForward(e, table, ids), 'embedding', [table], (g) => [embeddingBackward(e, table, ids, g)]);
    },
    /** Rows divided by their L2 norm (max(norm, eps)); x [R, D]. */
    l2normalize(x: Tensor, eps = 1e-12): Tensor {
      const { y, norms } = l2normalizeForward(e, x, eps);
      record(y, 'l2normalize', [x], (g) => {
        const dx = l2normalizeBackward(e, y, norms, g, eps);
        norms.dispose();
        return [dx];
      });
      releaseUnlessRecorded(y, [norms]);
      return y;
    },
    /** Inverted dropout with a seed (identity when p = 0 or under noGrad()). */
    dropout(x: Tensor, p: number, seed: number): Tensor {
      if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}.`);
      if (p === 0 || !e.gradEnabled) return e.ops.reshape(x, x.shape);
      return record(dropoutApply(e, x, p, seed), 'dropout', [x], (g) => [dropoutApply(e, g, p, seed)]);
    },
  };
  return nn;
}
