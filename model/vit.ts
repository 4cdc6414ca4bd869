// The image encoder: timm's VisionTransformer (pre-LN, CLS token, learned positions), returning
// the CLS row after the final LayerNorm. Parameters are looked up by their timm names.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { VisionConfig } from './config.js';
import { attend, type AttentionImpl } from './attention.js';

export type ParamLookup = (name: string) => Tensor;

/**
 * Patches as rows: [B, C, H, W] -> [B * N, C * P * P], each row ordered (c, py, px) like the conv
 * weight [D, C, P, P], so the patch embedding is one GEMM with the conv weight viewed as [D, C*P*P].
 * A reshape/transpose composition: the transpose's backward is the inverse permutation.
 */
export function patchify(e: Engine, pixels: Tensor, P: number): Tensor {
  const [B, C, H, W] = pixels.shape;
  const gh = H / P;
  const gw = W / P;
  const x = e.ops.reshape(pixels, [B, C, gh, P, gw, P]);
  const t = e.ops.transpose(x, [0, 2, 4, 1, 3, 5]);
  return e.ops.reshape(t, [B * gh * gw, C * P * P]);
}

export function checkPixels(v: VisionConfig, pixels: Tensor): void {
  const want = [v.channels, v.imageSize, v.imageSize];
  if (pixels.rank !== 4 || pixels.dtype !== 'f32' || pixels.shape.slice(1).some((d, i) => d !== want[i])) {
    throw new Error(`ViT: pixels must be f32 [batch, ${want.join(', ')}] (NCHW, values in [0, 1]), got ${pixels.describe()}; resize images to ${v.imageSize}x${v.imageSize}.`);
  }
}

/** x [B, S, D] -> split heads of a [B, S, D] projection: [B, heads, S, D / heads]. */
export function splitHeads(e: Engine, x: Tensor, heads: number): Tensor {
  const [B, S, D] = x.shape;
  return e.ops.transpose(e.ops.reshape(x, [B, S, heads, D / heads]), [0, 2, 1, 3]);
}

export function mergeHeads(e: Engine, x: Tensor): Tensor {
  const [B, H, S, hd] = x.shape;
  return e.ops.reshape(e.ops.transpose(x, [0, 2, 1, 3]), [B, S, H * hd]);
}

/** Sees each block's queries and keys [B, heads, S, headDim]; model/attention-rollout.ts uses it to
 *  rebuild the attention probabilities that the fused kernel never materialises. */
export type AttentionHook = (layer: number, q: Tensor, k: Tensor) => void;

/** CLS features [B, width] of images [B, C, H, W]. */
export function vitForward(e: Engine, v: VisionConfig, p: ParamLookup, pixels: Tensor, attnImpl: AttentionImpl = 'auto', onAttention?: AttentionHook): Tensor {
  checkPixels(v, pixels);
  const { ops, nn } = e;
  const B = pixels.shape[0];
  const D = v.width;
  const P = v.patchSize;
  const N = (v.imageSize / P) ** 2;
  const S = N + 1;

  const w = ops.reshape(p('patch_embed.proj.weight'), [D, v.channels * P * P]);
  const patches = ops.reshape(nn.linear(patchify(e, pixels, P), w, p('patch_embed.proj.bias')), [B, N, D]);
  // The CLS token broadcast over the batch; add() sums its gradient back over the batch.
  const cls = ops.add(e.zeros([B, 1, D]), p('cls_token'));
  let x = ops.add(ops.concat([cls, patches], 1), p('pos_embed'));

  for (let i = 0; i < v.depth; i++) {
    const b = (n: string) => p(`blocks.${i}.${n}`);
    const h = nn.layerNorm(x, b('norm1.weight'), b('norm1.bias'), v.lnEps);
    const qkv = ops.transpose(ops.reshape(nn.linear(h, b('attn.qkv.weight'), b('attn.qkv.bias')), [B, S, 3, v.heads, D / v.heads]), [2, 0, 3, 1, 4]);
    const part = (j: number) => ops.reshape(ops.slice(qkv, 0, j, j + 1), [B, v.heads, S, D / v.heads]);
    const q = part(0);
    const k = part(1);
    onAttention?.(i, q, k);
    const a = attend(e, attnImpl, q, k, part(2));
    x = ops.add(x, nn.linear(mergeHeads(e, a), b('attn.proj.weight'), b('attn.proj.bias')));
    const h2 = nn.layerNorm(x, b('norm2.weight'), b('norm2.bias'), v.lnEps);
    const m = nn.linear(nn.linear(h2, b('mlp.fc1.weight'), b('mlp.fc1.bias'), 'gelu'), b('mlp.fc2.weight'), b('mlp.fc2.bias'));
    x = ops.add(x, m);
  }
  // LayerNorm is per row, so normalising only the CLS row gives timm's output for less work.
  const clsOut = ops.reshape(ops.slice(x, 1, 0, 1), [B, D]);
  return nn.layerNorm(clsOut, p('norm.weight'), p('norm.bias'), v.lnEps);
}
