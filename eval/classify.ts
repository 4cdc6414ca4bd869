// Zero-shot classification of one image: the image and every prompt embedded by the model,
// L2-normalised, and the cosines turned into probabilities by a softmax at CLIP's logit scale
// (100). For whole datasets with accuracies use `evaluate` (eval/zeroshot.ts).

import { resizeBilinear, toCHW, type RGBAImage } from '../data/image.js';
import { l2NormalizeRows } from './metrics.js';
import type { ZeroShotModel } from './types.js';

export interface Classification {
  /** One probability per prompt, in the prompts' order; they sum to 1. */
  probs: number[];
  /** The cosine of the image with each prompt. */
  cosines: number[];
  /** Index of the most probable prompt. */
  best: number;
}

export async function classifyImage(model: ZeroShotModel, image: RGBAImage, prompts: readonly string[], opts: { logitScale?: number } = {}): Promise<Classification> {
  if (prompts.length < 2) throw new Error(`classifyImage: give at least 2 prompts to choose between, got ${prompts.length}.`);
  const S = model.imageSize;
  const D = model.embedDim;
  const scale = opts.logitScale ?? 100;
  const img = l2NormalizeRows(await model.encodeImages(toCHW(resizeBilinear(image, S, S)), 1, S), 1, D);
  const txt = l2NormalizeRows(await model.encodeTexts([...prompts]), prompts.length, D);
  const cosines = prompts.map((_, k) => {
    let s = 0;
    for (let i = 0; i < D; i++) s += img[i] * txt[k * D + i];
    return s;
  });
  const top = Math.max(...cosines);
  const ex = cosines.map((c) => Math.exp(scale * (c - top)));
  const z = ex.reduce((a, b) => a + b, 0);
  const probs = ex.map((x) => x / z);
  return { probs, cosines, best: cosines.indexOf(top) };
}
