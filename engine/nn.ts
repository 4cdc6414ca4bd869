// Neural-network ops: the fused kernels a transformer training step needs, each with its forward
// launch and gradient rule side by side (as in ops.ts). Model code calls these through `engine.nn`.
//
// Layout conventions (match PyTorch so checkpoints map one to one):
// - Linear weights are [out, in]; linear(x, W, b) = x W^T + b over the last axis of x.
// - Attention tensors are [batch, heads, seq, headDim]; the key mask is [batch, seq] f32, 1 = attend,
//   0 = padding.
// - Index tensors (targets, token ids) are i32.

import type { Engine } from './engine.js';
import type { Tensor } from './tensor.js';
import { linear } from './linear.js';

export type Activation = 'none' | 'gelu' | 'relu';

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

export function notYet(name: string): never {
  throw new Error(`engine.nn.${name} is not implemented yet.`);
}

export function makeNN(e: Engine) {
  const nn = {
    /** y = act(x W^T + b); x [..., in], W [out, in], b [out]. See engine/linear.ts. */
    linear(x: Tensor, W: Tensor, b?: Tensor, act: Activation = 'none'): Tensor {
      return linear(e, x, W, b, act);
    },
    /** GELU, erf form (as timm and BERT). */
    gelu(x: Tensor): Tensor {
      return notYet('gelu');
    },
    /** LayerNorm over the last axis. */
    layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
      return notYet('layerNorm');
    },
    /** softmax(q k^T * scale + mask) v; q, k, v [B, H, S, D]. */
    attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
      return notYet('attention');
    },
    /** Mean over rows of -log softmax(logits * logitScale)[target], optionally excluding a column per row. logits [R, C], target i32 [R]. Returns a scalar. */
    softmaxCrossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
      return notYet('softmaxCrossEntropy');
    },
    /** table [V, D] gathered at ids (i32, any shape) -> [...ids.shape, D]. */
    embedding(table: Tensor, ids: Tensor): Tensor {
      return notYet('embedding');
    },
    /** Rows divided by their L2 norm (max(norm, eps)); x [R, D]. */
    l2normalize(x: Tensor, eps = 1e-12): Tensor {
      return notYet('l2normalize');
    },
    /** Inverted dropout with a seed (identity when p = 0 or under noGrad()). */
    dropout(x: Tensor, p: number, seed: number): Tensor {
      return notYet('dropout');
    },
  };
  return nn;
}
