// Training and evaluation data as plain tensors for programs outside this engine (the PyTorch
// package in python/focusclip_torch): images at the model's resolution, token ids and masks from
// the run's own tokenizer, and the ROI heatmaps from our rasteriser. Resizing, tokenising and
// heatmap rasterisation therefore have one implementation (this engine's), and another program
// sees exactly the inputs our trainer and `focusclip eval` see.

import type { Engine } from '../ops/engine.js';
import type { RGBAImage } from '../data/image.js';
import { resizeBilinear } from '../data/image.js';
import type { TensorInput } from '../model/safetensors.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import { buildPrompts } from '../eval/prompts.js';
import { headlineK } from '../eval/metrics.js';
import type { EvalDataset, EvalItem } from '../eval/types.js';
import { batchHeatmaps, type TrainSet } from './batches.js';

export const META_DATA = 'focusclip_data';

/** What a data file holds; stored as JSON in __metadata__.focusclip_data. */
export interface DataFileInfo {
  count: number;
  imageSize: number;
  contextLength: number;
  heatmaps: boolean;
  /** The vocabulary the ids index (must equal the checkpoint's). */
  vocab: string;
  /** As checkpoints record it (records:<path> or synthetic:<count>); synthetic data uses the run's seed. */
  source: string;
  /** Names of the evaluation sets stored as eval.<name>.* */
  evalSets: string[];
}

/** RGB bytes [H, W, 3] of an RGBA image (the alpha channel is not a model input). */
function rgb(img: RGBAImage, out: Uint8Array, offset: number): void {
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    out[offset + 3 * i] = img.data[4 * i];
    out[offset + 3 * i + 1] = img.data[4 * i + 1];
    out[offset + 3 * i + 2] = img.data[4 * i + 2];
  }
}

/**
 * train.pixels U8 [N, S, S, 3] (divide by 255 for the model's [0, 1] input), train.ids / train.mask
 * I32 [N, L], and train.heatmap F32 [N, 1, S, S] when asked for.
 */
export async function trainTensors(e: Engine, set: TrainSet, tokenizer: WordPieceTokenizer, contextLength: number, heatmaps: boolean): Promise<[string, TensorInput][]> {
  const S = set.imageSize;
  const N = set.size;
  const pixels = new Uint8Array(N * S * S * 3);
  set.images.forEach((img, i) => rgb(img, pixels, i * S * S * 3));
  const enc = tokenizer.encode(set.texts, contextLength);
  const out: [string, TensorInput][] = [
    ['train.pixels', { data: pixels, shape: [N, S, S, 3] }],
    ['train.ids', { data: enc.ids, shape: [N, contextLength] }],
    ['train.mask', { data: enc.mask, shape: [N, contextLength] }],
  ];
  if (heatmaps) {
    const hm = new Float32Array(N * S * S);
    const chunk = 256;
    for (let s = 0; s < N; s += chunk) {
      const idx = Array.from({ length: Math.min(chunk, N - s) }, (_, i) => s + i);
      const h = e.scope(() => e.keep(batchHeatmaps(e, set, idx)));
      hm.set((await h.toArray()) as Float32Array, s * S * S);
      h.dispose();
    }
    out.push(['train.heatmap', { data: hm, shape: [N, 1, S, S] }]);
  }
  return out;
}

/**
 * One evaluation set as `focusclip eval` would see it: eval.<name>.pixels U8 [N, S, S, 3] after the
 * evaluator's resize, .labels I32 [N] (the first label of multi-label items), every prompt's ids
 * and mask [P, L] with .prompt_class I32 [P]; items that fail to load are left out, as the
 * evaluator skips them. Returns the tensors and the metadata entries (classes, item ids, top k).
 */
export async function evalTensors(
  ds: EvalDataset,
  tokenizer: WordPieceTokenizer,
  imageSize: number,
  contextLength: number,
): Promise<{ tensors: [string, TensorInput][]; meta: Record<string, string> }> {
  const S = imageSize;
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  const ids: string[] = [];
  for await (const item of ds.items as AsyncIterable<EvalItem>) {
    let img: RGBAImage;
    try {
      img = await item.load();
    } catch {
      continue;
    }
    const px = new Uint8Array(S * S * 3);
    rgb(resizeBilinear(img, S, S), px, 0);
    images.push(px);
    labels.push(typeof item.label === 'number' ? item.label : item.label[0]);
    ids.push(item.id);
  }
  if (!images.length) throw new Error(`${ds.name}: no image of the set could be loaded.`);
  const pixels = new Uint8Array(images.length * S * S * 3);
  images.forEach((p, i) => pixels.set(p, i * S * S * 3));
  const prompts = buildPrompts(ds.templates, ds.promptNames);
  const flat = prompts.flat();
  const enc = tokenizer.encode(flat, contextLength);
  const promptClass = Int32Array.from(prompts.flatMap((ps, c) => ps.map(() => c)));
  const p = `eval.${ds.name}`;
  return {
    tensors: [
      [`${p}.pixels`, { data: pixels, shape: [images.length, S, S, 3] }],
      [`${p}.labels`, { data: Int32Array.from(labels), shape: [labels.length] }],
      [`${p}.ids`, { data: enc.ids, shape: [flat.length, contextLength] }],
      [`${p}.mask`, { data: enc.mask, shape: [flat.length, contextLength] }],
      [`${p}.prompt_class`, { data: promptClass, shape: [flat.length] }],
    ],
    meta: { [`${p}.classes`]: JSON.stringify(ds.classes), [`${p}.item_ids`]: JSON.stringify(ids), [`${p}.k`]: String(headlineK(ds.task)) },
  };
}
