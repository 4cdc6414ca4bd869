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
import type { Tensor } from '../engine/tensor.js';
import type { FocusClipModel } from '../model/focusclip.js';
import { makeModelConfig, type ModelConfig } from '../model/config.js';
import { LossIndices, ntXent } from '../model/losses.js';
import { generateObjectImages, OBJECT_SHAPES, type ObjectImage } from '../data/synthetic/objects.js';
import { augmentedView } from '../data/augment.js';
import { toCHW } from '../data/image.js';
import { learningRate, makeTrainConfig } from './config.js';
import { createOptimizer } from './optimizer.js';

export interface VisionPretrainOptions {
  preset: string;
  seed: number;
  steps: number;
  batchSize: number;
  /** Object images generated for pretraining. */
  count: number;
  lr: number;
  warmupSteps: number;
  temperature: number;
  weightDecay: number;
}

export const VISION_PRETRAIN_DEFAULTS: VisionPretrainOptions = {
  preset: 'tiny',
  seed: 0,
  steps: 1500,
  batchSize: 64,
  count: 20000,
  lr: 1e-3,
  warmupSteps: 50,
  temperature: 0.2,
  weightDecay: 0.05,
};

/** Seeds of the validation object world: offset from the pretraining seed so they never overlap. */
export const VALIDATION_SEED_OFFSET = 1_000_003;

export interface PretrainStep {
  step: number;
  loss: number;
  lr: number;
  elapsedSec: number;
}

/** The CLIP model whose image tower is pretrained (the text tower is created and left alone). */
export function pretrainModelConfig(preset: string): ModelConfig {
  return makeModelConfig(preset, { kind: 'clip', featureNorm: 'batch' });
}

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
  const cfg = makeTrainConfig('modern', { model: o.preset, lr: o.lr, warmupSteps: o.warmupSteps, weightDecay: o.weightDecay, batchSize: o.batchSize, seed: o.seed });
  const optimizer = createOptimizer(e, model, cfg);
  const idx = new LossIndices(e);
  const rng = new Rng(o.seed ^ 0x5eed);
  const B = o.batchSize, per = 3 * S * S;
  const host = new Float32Array(2 * B * per);
  const logs: PretrainStep[] = [];
  const t0 = performance.now();
  let pending: Promise<void> | undefined;
  try {
    for (let step = 0; step < o.steps; step++) {
      for (let k = 0; k < B; k++) {
        const img = images[rng.int(images.length)].image;
        augmentedView(img, rng, host, k * per);
        augmentedView(img, rng, host, (B + k) * per);
      }
      const lr = learningRate(cfg, step, o.steps);
      const loss = e.scope(() => {
        const x = e.tensor(host, [2 * B, 3, S, S]);
        model.zeroGrad();
        const z = model.encodeImage(x, { batchStats: true, groups: 2 });
        const l = ntXent(e, idx, e.ops.slice(z, 0, 0, B), e.ops.slice(z, 0, B, 2 * B), o.temperature);
        l.backward();
        optimizer.clipAndStep(lr, cfg.clipNorm);
        return e.keep(e.ops.copy(l));
      });
      // Read this step's loss while the next one is recorded (at most one read in flight).
      if (pending) await pending;
      pending = readLoss(loss).then((v) => {
        if (!Number.isFinite(v)) throw new Error(`pretrain vision diverged: the loss is ${v} at step ${step}; lower --lr.`);
        const s = { step, loss: v, lr, elapsedSec: (performance.now() - t0) / 1000 };
        logs.push(s);
        onStep?.(s);
      });
    }
    if (pending) await pending;
  } finally {
    idx.dispose();
  }
  return logs;
}

async function readLoss(t: Tensor): Promise<number> {
  const v = (await t.toArray())[0];
  t.dispose();
  return v;
}

/** Pooled ViT features of images (no augmentation), L2-normalised on the host, [n][width]. */
export async function pooledFeatures(e: Engine, model: FocusClipModel, images: readonly ObjectImage[], chunk = 64): Promise<Float32Array[]> {
  const S = model.config.vision.imageSize, per = 3 * S * S;
  const out: Float32Array[] = [];
  for (let i = 0; i < images.length; i += chunk) {
    const part = images.slice(i, i + chunk);
    const host = new Float32Array(part.length * per);
    part.forEach((im, k) => toCHW(im.image, host, k * per));
    const f = e.noGrad(() => e.scope(() => e.keep(model.imageFeatures(e.tensor(host, [part.length, 3, S, S])))));
    const vals = (await f.toArray()) as Float32Array;
    f.dispose();
    const W = f.shape[1];
    for (let k = 0; k < part.length; k++) {
      const v = vals.slice(k * W, (k + 1) * W);
      const norm = Math.hypot(...v) || 1;
      out.push(v.map((x) => x / norm));
    }
  }
  return out;
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
  const S = model.config.vision.imageSize, per = 3 * S * S;
  const host = new Float32Array(images.length * per);
  images.forEach((im, k) => toCHW(im.image, host, k * per));
  const f = e.noGrad(() => e.scope(() => e.keep(model.imageFeatures(e.tensor(host, [images.length, 3, S, S])))));
  const vals = (await f.toArray()) as Float32Array;
  f.dispose();
  const W = model.config.vision.width;
  return images.map((_, k) => Array.from(vals.slice(k * W, k * W + CHECK_VALUES)));
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

