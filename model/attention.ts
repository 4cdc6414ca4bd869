// Multi-head attention as the encoders call it. The fused kernel (engine.nn.attention) is the
// normal path; the composition below (two batched matmuls around a row softmax) computes the same
// function from generic ops: the reference the fused kernel is tested against, and `composed`.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';

export type AttentionImpl = 'auto' | 'fused' | 'composed';

/** Added to the scores of padding keys: exp() of it underflows to exactly 0, as HF's finfo.min does. */
const MASKED = -1e30;

/** softmax(q k^T * scale + mask) [B, H, S, S] with q, k [B, H, S, hd] and keyMask [B, S] (1 attend, 0 pad). */
export function attentionProbs(e: Engine, q: Tensor, k: Tensor, keyMask?: Tensor, scale = 1 / Math.sqrt(q.shape[3])): Tensor {
  const [B, , S] = q.shape;
  let scores = e.ops.mul(e.ops.matmul(q, e.ops.transpose(k, [0, 1, 3, 2])), scale);
  if (keyMask) {
    const bias = e.ops.reshape(e.ops.mul(e.ops.sub(keyMask, 1), -MASKED), [B, 1, 1, S]);
    scores = e.ops.add(scores, bias);
  }
  return e.nn.softmax(scores);
}

/** softmax(q k^T * scale + mask) v with q, k, v [B, H, S, hd] and keyMask [B, S] (1 attend, 0 pad). */
export function composedAttention(e: Engine, q: Tensor, k: Tensor, v: Tensor, keyMask?: Tensor, scale = 1 / Math.sqrt(q.shape[3])): Tensor {
  return e.ops.matmul(attentionProbs(e, q, k, keyMask, scale), v);
}

export function attend(e: Engine, impl: AttentionImpl, q: Tensor, k: Tensor, v: Tensor, keyMask?: Tensor): Tensor {
  return impl === 'composed' ? composedAttention(e, q, k, v, keyMask) : e.nn.attention(q, k, v, { keyMask });
}
