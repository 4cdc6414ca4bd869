// The text encoder: Hugging Face's BertModel (post-LN, learned positions, token type 0 for every
// token), then pooling to one vector per caption. Parameters are looked up by their HF names.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { TextConfig } from './config.js';
import { attend, type AttentionImpl } from './attention.js';
import { mergeHeads, splitHeads, type ParamLookup } from './vit.js';

/** BERT's [PAD] id in both bert-base-uncased's vocab and ours. */
export const PAD_ID = 0;

export function checkTokens(t: TextConfig, ids: Tensor, mask: Tensor): void {
  if (ids.rank !== 2 || ids.dtype !== 'i32') throw new Error(`text encoder: ids must be i32 [batch, length], got ${ids.describe()}.`);
  if (mask.dtype !== 'f32' || mask.rank !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
    throw new Error(`text encoder: mask must be f32 [${ids.shape.join(', ')}] like ids, got ${mask.describe()}.`);
  }
  if (ids.shape[1] > t.contextLength) {
    throw new Error(`text encoder: ${ids.shape[1]} tokens per caption exceed the position table (${t.contextLength}); encode with contextLength <= ${t.contextLength}.`);
  }
}

/**
 * Identity forward; the backward zeroes the gradient at [PAD] positions. HF builds the word
 * embedding with padding_idx=0, so the [PAD] row never receives a gradient there; this keeps
 * training identical to PyTorch (the row still enters the forward, e.g. mean-all pooling).
 */
function blockPadGradient(e: Engine, x: Tensor, ids: Tensor): Tensor {
  const notPad = e.ops.map('not_pad', `select(1.0, 0.0, a == ${PAD_ID})`, [ids], undefined, 'f32');
  const keep = e.ops.reshape(notPad, [...ids.shape, 1]);
  return e.ops.maskGradient(x, keep);
}

/** Per-token features [B, L, width] of ids [B, L] (i32) with key padding mask [B, L] (f32, 1 = token). */
export function bertForward(e: Engine, t: TextConfig, p: ParamLookup, ids: Tensor, mask: Tensor, attnImpl: AttentionImpl = 'auto'): Tensor {
  checkTokens(t, ids, mask);
  const { ops, nn } = e;
  const [B, L] = ids.shape;
  const D = t.width;
  const words = blockPadGradient(e, nn.embedding(p('embeddings.word_embeddings.weight'), ids), ids);
  const pos = ops.slice(p('embeddings.position_embeddings.weight'), 0, 0, L);
  const type0 = ops.slice(p('embeddings.token_type_embeddings.weight'), 0, 0, 1);
  let x = ops.add(ops.add(words, pos), type0);
  x = nn.layerNorm(x, p('embeddings.LayerNorm.weight'), p('embeddings.LayerNorm.bias'), t.lnEps);

  for (let i = 0; i < t.depth; i++) {
    const l = (n: string) => p(`encoder.layer.${i}.${n}`);
    const proj = (m: string) => splitHeads(e, nn.linear(x, l(`attention.self.${m}.weight`), l(`attention.self.${m}.bias`)), t.heads);
    const a = attend(e, attnImpl, proj('query'), proj('key'), proj('value'), mask);
    const ao = nn.linear(mergeHeads(e, a), l('attention.output.dense.weight'), l('attention.output.dense.bias'));
    x = nn.layerNorm(ops.add(x, ao), l('attention.output.LayerNorm.weight'), l('attention.output.LayerNorm.bias'), t.lnEps);
    const f = nn.linear(nn.linear(x, l('intermediate.dense.weight'), l('intermediate.dense.bias'), 'gelu'), l('output.dense.weight'), l('output.dense.bias'));
    x = nn.layerNorm(ops.add(x, f), l('output.LayerNorm.weight'), l('output.LayerNorm.bias'), t.lnEps);
  }
  return ops.reshape(x, [B, L, D]);
}

/** One vector per caption from token features [B, L, D]. */
export function poolText(e: Engine, t: TextConfig, h: Tensor, mask: Tensor): Tensor {
  const { ops } = e;
  const [B, L, D] = h.shape;
  switch (t.pooling) {
    case 'mean-all':
      return ops.mean(h, 1);
    case 'cls':
      return ops.reshape(ops.slice(h, 1, 0, 1), [B, D]);
    case 'mean-masked': {
      const m = ops.reshape(mask, [B, L, 1]);
      const count = ops.reshape(ops.sum(mask, 1), [B, 1]);
      return ops.div(ops.sum(ops.mul(h, m), 1), count);
    }
  }
}
