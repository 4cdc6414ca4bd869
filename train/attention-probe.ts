// "Where does the model look?" on a held-out synthetic set: the attention rollout of the ViT's CLS
// token over the patches, and the share of it inside the subject's heatmap (model/attention-rollout.ts),
// with the heatmaps rasterised from the set's own keypoints exactly as in training.

import type { Engine } from '../ops/engine.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import type { EvalSet } from '../data/synthetic/generate.js';
import { makeBatch, TrainSet } from './batches.js';

/** Pixels [n, 3, S, S] and heatmaps [n, 1, S, S] of an evaluation set, on the host. */
export async function probeInputs(e: Engine, set: EvalSet, size: number, tokenizer: WordPieceTokenizer): Promise<{ pixels: Float32Array; heatmaps: Float32Array; n: number }> {
  const data = new TrainSet(set.items.map((it) => ({ image: it.image, record: it.record })), size);
  const idx = Array.from({ length: data.size }, (_, i) => i);
  const b = makeBatch(e, data, idx, { tokenizer, contextLength: 2, heatmaps: true });
  try {
    return { pixels: (await b.pixels.toArray()) as Float32Array, heatmaps: (await b.heatmap!.toArray()) as Float32Array, n: data.size };
  } finally {
    for (const t of Object.values(b)) t?.dispose();
  }
}
