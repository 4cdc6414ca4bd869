// Initial parameter values, following timm's ViT and Hugging Face's BERT so that a model trained
// from scratch starts where theirs would: truncated normal(0.02) for ViT linears and positions,
// normal(0.02) for BERT linears and embeddings (the [PAD] row zero), PyTorch's conv default for the
// patch embedding, tiny normal for the CLS token, zero biases, unit LayerNorm gains.

import type { ParamSpec } from '../engine/runtime.js';
import { Rng } from '../engine/rng.js';
import type { ModelConfig } from './config.js';
import { PAD_ID } from './text.js';

function normal(rng: Rng, n: number, std: number, trunc = Infinity): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = rng.normal() * std;
    while (Math.abs(v) > trunc * std);
    out[i] = v;
  }
  return out;
}

function uniform(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** Host values for one parameter; `rng` advances in parameter order, so a seed fixes the model. */
export function initialValue(cfg: ModelConfig, spec: ParamSpec, rng: Rng): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const name = spec.name;
  const v = cfg.vision;
  if (name === 'focus_alpha') return new Float32Array([cfg.alphaInit]);
  if (name === 'logit_scale') return new Float32Array([cfg.logitScaleInit]);
  if (name === 'visual.cls_token') return normal(rng, n, 1e-6);
  if (name === 'visual.pos_embed') return normal(rng, n, 0.02, 2);
  if (name.startsWith('visual.patch_embed.proj.')) {
    // nn.Conv2d's default (kaiming_uniform with a = sqrt(5)): U(+-1/sqrt(fan_in)) for weight and bias.
    return uniform(rng, n, 1 / Math.sqrt(v.channels * v.patchSize * v.patchSize));
  }
  if (/LayerNorm\.weight$|norm\d?\.weight$/.test(name)) return new Float32Array(n).fill(1);
  if (name.endsWith('.bias')) return new Float32Array(n);
  if (name === 'text.embeddings.word_embeddings.weight') {
    const w = normal(rng, n, cfg.wordEmbedStd ?? 0.02);
    w.fill(0, PAD_ID * cfg.text.width, (PAD_ID + 1) * cfg.text.width);
    return w;
  }
  if (name.startsWith('text.')) return normal(rng, n, 0.02);
  return normal(rng, n, 0.02, 2);
}
