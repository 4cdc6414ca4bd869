// The loop both pretraining objectives share: each step, two views of B items (rows 0..B-1 and
// B..2B-1 of one batch) go through a tower and its head, NT-Xent pulls the two views of each item
// together, AdamW (warm-up + cosine, clipping 1.0) updates the model, and the loss is read back
// while the next step is recorded. What the views are is the caller's: images (SimCLR) or captions.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { FocusClipModel } from '../model/focusclip.js';
import { makeModelConfig, type ModelConfig } from '../model/config.js';
import { LossIndices, ntXent } from '../model/losses.js';
import { learningRate, makeTrainConfig } from './config.js';
import { createOptimizer } from './optimizer.js';

export interface PretrainOptions {
  preset: string;
  seed: number;
  steps: number;
  /** Items per step (each seen as two views). */
  batchSize: number;
  /** Items generated for pretraining. */
  count: number;
  lr: number;
  warmupSteps: number;
  temperature: number;
  weightDecay: number;
}

/** Seeds of the validation data: offset from the pretraining seed so they never overlap. */
export const VALIDATION_SEED_OFFSET = 1_000_003;

/**
 * The CLIP model a tower is pretrained in, with feature normalisation as in the modern recipe; the
 * other tower is created and left alone. `vocabSize`: the text tower's vocabulary (default: the preset's).
 */
export function pretrainModelConfig(preset: string, vocabSize?: number): ModelConfig {
  return makeModelConfig(preset, { kind: 'clip', featureNorm: 'batch', ...(vocabSize ? { text: { vocabSize } } : {}) });
}

export const PRETRAIN_DEFAULTS: PretrainOptions = {
  preset: 'tiny',
  seed: 0,
  steps: 1000,
  batchSize: 64,
  count: 20000,
  lr: 1e-3,
  warmupSteps: 50,
  temperature: 0.2,
  weightDecay: 0.05,
};

export interface PretrainStep {
  step: number;
  loss: number;
  lr: number;
  elapsedSec: number;
}

export interface TwoViews<T> {
  /** Write the next step's 2B views into host buffers (called before the step is recorded). */
  fill(): void;
  /** Upload the host buffers (first, so the step stays one submission). */
  upload(): T;
  /** The [2B, dim] embeddings of the uploaded views. */
  embed(inputs: T): Tensor;
}

export async function pretrainTwoViews<T>(e: Engine, model: FocusClipModel, o: PretrainOptions, what: string, views: TwoViews<T>, onStep?: (s: PretrainStep) => void): Promise<PretrainStep[]> {
  const cfg = makeTrainConfig('modern', { model: o.preset, lr: o.lr, warmupSteps: o.warmupSteps, weightDecay: o.weightDecay, batchSize: o.batchSize, seed: o.seed });
  const optimizer = createOptimizer(e, model, cfg);
  const idx = new LossIndices(e);
  const B = o.batchSize;
  const logs: PretrainStep[] = [];
  const t0 = performance.now();
  let pending: Promise<void> | undefined;
  try {
    for (let step = 0; step < o.steps; step++) {
      views.fill();
      const lr = learningRate(cfg, step, o.steps);
      const loss = e.scope(() => {
        const inputs = views.upload();
        model.zeroGrad();
        const z = views.embed(inputs);
        const l = ntXent(e, idx, e.ops.slice(z, 0, 0, B), e.ops.slice(z, 0, B, 2 * B), o.temperature);
        l.backward();
        optimizer.clipAndStep(lr, cfg.clipNorm);
        return e.keep(e.ops.copy(l));
      });
      // Read this step's loss while the next one is recorded (at most one read in flight).
      if (pending) await pending;
      pending = loss.toArray().then((v) => {
        loss.dispose();
        const x = v[0];
        if (!Number.isFinite(x)) throw new Error(`${what} diverged: the loss is ${x} at step ${step}; lower --lr.`);
        const s = { step, loss: x, lr, elapsedSec: (performance.now() - t0) / 1000 };
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

/**
 * Features of `count` items computed without the tape, `chunk` items at a time: `features(start, n)`
 * records the [n, W] features of items start..start+n-1; each chunk is read back as n rows.
 */
export async function featureRows(e: Engine, count: number, chunk: number, features: (start: number, n: number) => Tensor): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i += chunk) {
    const n = Math.min(chunk, count - i);
    const f = e.noGrad(() => e.scope(() => e.keep(features(i, n))));
    const vals = (await f.toArray()) as Float32Array;
    f.dispose();
    const W = f.shape[1];
    for (let k = 0; k < n; k++) out.push(vals.slice(k * W, (k + 1) * W));
  }
  return out;
}

/** Each row scaled to unit length, so that a dot product is a cosine. */
export function unitRows(rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((v) => {
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  });
}
