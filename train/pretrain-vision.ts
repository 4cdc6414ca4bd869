// Pretraining the image tower without people (`focusclip pretrain vision`), as the paper starts
// from an ImageNet ViT: SimCLR on the people-free object world (data/synthetic/objects.ts). Two
// augmented views of each image go through the ViT and the model's own image head (feature
// normalisation per view, projection) as one batch, and NT-Xent pulls the two views of an image
// together. No label is used, and no held-out image, activity, age, clothing colour or head count
// reaches it. Only `visual.*` is kept: the projections start fresh in CLIP/FocusCLIP training.
//
// The validation number: shape of the largest object on object images of another seed, by k
// nearest neighbours (cosine, k = 20) over the pooled ViT features of training object images.

import type { Engine } from '../ops/engine.js';
import { Rng } from '../engine/rng.js';
import type { FocusClipModel } from '../model/focusclip.js';
import { generateObjectImages, OBJECT_SHAPES, type ObjectImage } from '../data/synthetic/objects.js';
import { augmentedView } from '../data/augment.js';
import { toCHW } from '../data/image.js';
import { featureRows, pretrainTwoViews, PRETRAIN_DEFAULTS, unitRows, VALIDATION_SEED_OFFSET, type PretrainOptions, type PretrainStep } from './pretrain-loop.js';

export type { PretrainStep };

export type VisionPretrainOptions = PretrainOptions;

/** What made weights/tiny-vision.safetensors. */
export const VISION_PRETRAIN_DEFAULTS: VisionPretrainOptions = { ...PRETRAIN_DEFAULTS, steps: 1500 };

/** Train the image tower of `model` by SimCLR on object images; returns the per-step losses. */
export async function pretrainVision(
  e: Engine,
  model: FocusClipModel,
  images: readonly ObjectImage[],
  o: VisionPretrainOptions,
  onStep?: (s: PretrainStep) => void,
): Promise<PretrainStep[]> {
  const S = model.config.vision.imageSize;
  if (images.length < o.batchSize) throw new Error(`pretrain vision: ${images.length} object images are fewer than a batch of ${o.batchSize}; raise --count or lower --batch-size.`);
  if (images.some((im) => im.image.width !== S || im.image.height !== S)) throw new Error(`pretrain vision: object images must be ${S}x${S} for preset ${model.config.preset}.`);
  const rng = new Rng(o.seed ^ 0x5eed);
  const B = o.batchSize, per = 3 * S * S;
  const host = new Float32Array(2 * B * per);
  return pretrainTwoViews(e, model, o, 'pretrain vision', {
    fill() {
      for (let k = 0; k < B; k++) {
        const img = images[rng.int(images.length)].image;
        augmentedView(img, rng, host, k * per);
        augmentedView(img, rng, host, (B + k) * per);
      }
    },
    upload: () => e.tensor(host, [2 * B, 3, S, S]),
    embed: (x) => model.encodeImage(x, { batchStats: true, groups: 2 }),
  }, onStep);
}

/** Pooled ViT features of images (no augmentation), [n][width]. */
async function imageFeatureRows(e: Engine, model: FocusClipModel, images: readonly ObjectImage[], chunk = 64): Promise<Float32Array[]> {
  const S = model.config.vision.imageSize, per = 3 * S * S;
  return featureRows(e, images.length, chunk, (start, n) => {
    const host = new Float32Array(n * per);
    for (let k = 0; k < n; k++) toCHW(images[start + k].image, host, k * per);
    return model.imageFeatures(e.tensor(host, [n, 3, S, S]));
  });
}

/** Pooled ViT features of images (no augmentation), L2-normalised on the host, [n][width]. */
export async function pooledFeatures(e: Engine, model: FocusClipModel, images: readonly ObjectImage[], chunk = 64): Promise<Float32Array[]> {
  return unitRows(await imageFeatureRows(e, model, images, chunk));
}

/** Share of `query` images whose largest shape is the majority of their k nearest `bank` images. */
export function knnShapeAccuracy(bank: Float32Array[], bankLabels: readonly number[], query: Float32Array[], queryLabels: readonly number[], k = 20): number {
  let right = 0;
  for (let q = 0; q < query.length; q++) {
    const sims = bank.map((b, i) => {
      let s = 0;
      for (let d = 0; d < b.length; d++) s += b[d] * query[q][d];
      return [s, i] as const;
    });
    sims.sort((a, b) => b[0] - a[0]);
    const votes = new Array(OBJECT_SHAPES.length).fill(0);
    for (const [, i] of sims.slice(0, k)) votes[bankLabels[i]]++;
    if (votes.indexOf(Math.max(...votes)) === queryLabels[q]) right++;
  }
  return (100 * right) / query.length;
}

/** Images and first features stored with the weights, so a loader can check it computes what the writer did. */
export const CHECK_IMAGES = 2;
export const CHECK_VALUES = 16;

/** Pooled features of the first CHECK_IMAGES object images of `seed` (first CHECK_VALUES of each). */
export async function featureCheck(e: Engine, model: FocusClipModel, seed: number): Promise<number[][]> {
  const images = generateObjectImages({ seed, count: CHECK_IMAGES, size: model.config.vision.imageSize });
  return (await imageFeatureRows(e, model, images)).map((row) => Array.from(row.slice(0, CHECK_VALUES)));
}

/** The validation number of a model's image tower (see the file comment), in %. */
export async function visionValidation(e: Engine, model: FocusClipModel, seed: number, o: { bank?: number; queries?: number } = {}): Promise<number> {
  const S = model.config.vision.imageSize;
  const bank = generateObjectImages({ seed, count: o.bank ?? 2000, size: S });
  const queries = generateObjectImages({ seed: seed + VALIDATION_SEED_OFFSET, count: o.queries ?? 1000, size: S });
  const fb = await pooledFeatures(e, model, bank);
  const fq = await pooledFeatures(e, model, queries);
  return knnShapeAccuracy(fb, bank.map((b) => b.shape), fq, queries.map((q) => q.shape));
}

