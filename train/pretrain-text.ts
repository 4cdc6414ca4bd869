// Pretraining the text tower on captions alone (`focusclip pretrain text`), as the paper starts from
// a pretrained BERT. The objective is contrastive, like the image tower's: two noisy views of each
// training caption (10 % of its tokens dropped, 15 % replaced by [MASK]) go through the encoder and
// the model's own text head as one batch, and NT-Xent pulls the two views of a caption together and
// pushes other captions away. Our captions share most of their words (at initialisation a batch's
// pooled caption features have pairwise cosine ~0.98), so what this teaches is exactly what the
// contrastive image-text loss needs first: captions that differ in a few words get different features.
// The corpus is the training world's captions under the pretraining seed; no held-out prompt or set is read.
//
// Validation numbers, on captions of another seed: the mean pairwise cosine of pooled features
// (lower: captions are told apart) and how often a noisy view finds its own caption among all others (top-1).

import type { Engine } from '../ops/engine.js';
import { Rng } from '../engine/rng.js';
import type { FocusClipModel } from '../model/focusclip.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import { featureRows, pretrainTwoViews, PRETRAIN_DEFAULTS, unitRows, type PretrainOptions, type PretrainStep } from './pretrain-loop.js';

export type TextPretrainOptions = PretrainOptions;

/** What made weights/tiny-text.safetensors (a text step costs ~3x an image step: 48 tokens, not 17). */
export const TEXT_PRETRAIN_DEFAULTS: TextPretrainOptions = { ...PRETRAIN_DEFAULTS, steps: 400 };

const DROP = 0.1;
const MASK = 0.15;

/** One noisy view of a caption's token ids as a [CLS] body [SEP] row padded to `L`. */
export function noisyView(body: readonly number[], tok: WordPieceTokenizer, rng: Rng, L: number, ids: Int32Array, mask: Float32Array, row: number): void {
  const kept: number[] = [];
  for (const id of body) {
    const u = rng.next();
    if (u < DROP) continue;
    kept.push(u < DROP + MASK ? tok.maskId : id);
  }
  if (!kept.length && body.length) kept.push(body[0]);
  const r = [tok.clsId, ...kept.slice(0, L - 2), tok.sepId];
  ids.fill(tok.padId, row * L, (row + 1) * L);
  mask.fill(0, row * L, (row + 1) * L);
  ids.set(r, row * L);
  mask.fill(1, row * L, row * L + r.length);
}

/** Train the text tower of `model` contrastively on noisy views of `captions`. */
export async function pretrainText(
  e: Engine,
  model: FocusClipModel,
  tok: WordPieceTokenizer,
  captions: readonly string[],
  o: TextPretrainOptions,
  onStep?: (s: PretrainStep) => void,
): Promise<PretrainStep[]> {
  if (captions.length < o.batchSize) throw new Error(`pretrain text: ${captions.length} captions are fewer than a batch of ${o.batchSize}; raise --count or lower --batch-size.`);
  const L = model.config.text.contextLength;
  const bodies = captions.map((c) => tok.tokenIds(c));
  const rng = new Rng(o.seed ^ 0x7e47);
  const B = o.batchSize;
  const ids = new Int32Array(2 * B * L), mask = new Float32Array(2 * B * L);
  return pretrainTwoViews(e, model, o, 'pretrain text', {
    fill() {
      for (let k = 0; k < B; k++) {
        const body = bodies[rng.int(bodies.length)];
        noisyView(body, tok, rng, L, ids, mask, k);
        noisyView(body, tok, rng, L, ids, mask, B + k);
      }
    },
    upload: () => [e.tensor(ids, [2 * B, L], { dtype: 'i32' }), e.tensor(mask, [2 * B, L])] as const,
    embed: ([tIds, tMask]) => model.encodeText(tIds, tMask, { batchStats: true, groups: 2 }),
  }, onStep);
}

/** Pooled text features of captions, L2-normalised on the host. */
async function captionFeatures(e: Engine, model: FocusClipModel, rows: { ids: Int32Array; mask: Float32Array; n: number }, chunk = 128): Promise<Float32Array[]> {
  const L = model.config.text.contextLength;
  return unitRows(
    await featureRows(e, rows.n, chunk, (i, n) =>
      model.textFeatures(e.tensor(rows.ids.slice(i * L, (i + n) * L), [n, L], { dtype: 'i32' }), e.tensor(rows.mask.slice(i * L, (i + n) * L), [n, L])),
    ),
  );
}

/** Mean pairwise cosine of the captions' pooled features, and top-1 retrieval of each caption from a noisy view of it (%). */
export async function textValidation(e: Engine, model: FocusClipModel, tok: WordPieceTokenizer, captions: readonly string[], seed: number): Promise<{ meanCosine: number; viewRetrieval: number }> {
  const L = model.config.text.contextLength;
  const clean = tok.encode(captions, L);
  const noisy = { ids: new Int32Array(captions.length * L), mask: new Float32Array(captions.length * L), n: captions.length };
  const rng = new Rng(seed);
  captions.forEach((c, r) => noisyView(tok.tokenIds(c), tok, rng, L, noisy.ids, noisy.mask, r));
  const fc = await captionFeatures(e, model, clean);
  const fn = await captionFeatures(e, model, noisy);
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, d) => s + x * b[d], 0);
  let cos = 0, pairs = 0, right = 0;
  for (let i = 0; i < fc.length; i++) {
    for (let j = i + 1; j < fc.length; j++, pairs++) cos += dot(fc[i], fc[j]);
    let best = -1, bestSim = -Infinity;
    for (let j = 0; j < fc.length; j++) {
      const s = dot(fn[i], fc[j]);
      if (s > bestSim) [best, bestSim] = [j, s];
    }
    if (best === i || captions[best] === captions[i]) right++;
  }
  return { meanCosine: cos / Math.max(1, pairs), viewRetrieval: (100 * right) / fc.length };
}
