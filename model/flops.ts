// The model's compute per sample, counted from its shapes: 2 FLOPs per multiply-add of every
// matrix product (patch embedding, QKV / output / MLP projections, attention scores and the
// attention-weighted sum, the final projections). Layer norms, softmax, GELU and the loss are
// left out; at our sizes they are under 2 % of the total. A training step is counted as three
// forward passes (the backward pass computes two products per forward product).

import { numPatches, type ModelConfig } from './config.js';

export interface ModelFlops {
  /** One image through the ViT and its projection. */
  image: number;
  /** One caption through the text encoder and its projection. */
  text: number;
  /** Image views per sample: 2 for FocusCLIP (raw and focused), 1 for CLIP. */
  views: number;
  /** Forward pass of one training sample (every view and the caption). */
  forward: number;
  /** Forward and backward pass of one training sample. */
  train: number;
}

function encoderFlops(tokens: number, width: number, hidden: number, depth: number): number {
  const perLayer = 2 * tokens * width * 3 * width + 2 * 2 * tokens * tokens * width + 2 * tokens * width * width + 2 * 2 * tokens * width * hidden;
  return depth * perLayer;
}

export function modelFlops(cfg: ModelConfig): ModelFlops {
  const v = cfg.vision;
  const t = cfg.text;
  const patches = numPatches(v);
  const patchEmbed = 2 * patches * v.channels * v.patchSize * v.patchSize * v.width;
  const image = patchEmbed + encoderFlops(patches + 1, v.width, v.mlpDim, v.depth) + 2 * v.width * cfg.embedDim;
  const text = encoderFlops(t.contextLength, t.width, t.ffnDim, t.depth) + 2 * t.width * cfg.embedDim;
  const views = cfg.kind === 'focusclip' ? 2 : 1;
  const forward = views * image + text;
  return { image, text, views, forward, train: 3 * forward };
}
