// What the end-to-end peers (TF.js, PyTorch) start from: our model's initial parameters, the
// training batches of the first steps exactly as our trainer uploads them, and the trainer's
// optimizer settings. Captured from a Trainer before its first step, so all three systems start
// from identical numbers and see the same batch sequence: the first-step losses must agree, and the
// second-step losses check that the three updates are the same too.

import type { Trainer } from '../train/trainer.js';
import type { ModelConfig } from '../model/config.js';
import { makeBatch } from '../train/batches.js';
import { learningRate } from '../train/config.js';
import { encodeParams, META_CONFIG } from '../model/checkpoint.js';
import { decodeSafetensors, toFloat32, type TensorInput } from '../model/safetensors.js';

export interface HostBatch {
  /** [B, 3, S, S] in [0, 1]. */
  pixels: Float32Array;
  /** [B, 1, S, S]; FocusCLIP only. */
  heatmap?: Float32Array;
  /** [B, L] token ids. */
  ids: Int32Array;
  /** [B, L], 1 = token. */
  mask: Float32Array;
  B: number;
  S: number;
  L: number;
}

/** The trainer's update rule, written out for the peers (metadata key `bench_train`). */
export interface PeerTrain {
  optimizer: 'adamw' | 'sgd';
  /** Learning rate of step i (ours warms up linearly, so it changes every step). */
  lrs: number[];
  beta1: number;
  beta2: number;
  weightDecay: number;
  clipNorm: number;
}

export interface PeerCase {
  config: ModelConfig;
  params: Map<string, { shape: number[]; data: Float32Array }>;
  /** The batch of step i (one per learning rate in train.lrs). */
  batches: HostBatch[];
  train: PeerTrain;
  /** Parameters + batches (input.* for step 0, the golden test's names; input.step<i>.* after) +
   *  config and PeerTrain metadata: the file torch_step.py reads. */
  bytes: Uint8Array;
}

export const META_TRAIN = 'bench_train';

/**
 * Snapshot a trainer that has not stepped yet, with the batches and learning rates ours will use
 * for its first `lrSteps` steps when driven as bench/e2e.ts drives it (one train() call per step, so the
 * schedule's total is step + 1).
 */
export async function capturePeerCase(trainer: Trainer, lrSteps: number): Promise<PeerCase> {
  if (trainer.step !== 0) throw new Error(`capturePeerCase: the trainer is at step ${trainer.step}; capture before the first step so every system starts from the same weights.`);
  const e = trainer.engine;
  const model = trainer.model;
  const cfg = model.config;
  const S = cfg.vision.imageSize;
  const L = cfg.text.contextLength;
  const batches: HostBatch[] = [];
  for (let step = 0; step < lrSteps; step++) {
    batches.push(
      await e.scope(async () => {
        const b = makeBatch(e, trainer.data, trainer.batchIndices(step), { tokenizer: trainer.tokenizer, contextLength: L, heatmaps: model.isFocus });
        return {
          pixels: (await b.pixels.toArray()) as Float32Array,
          heatmap: b.heatmap ? ((await b.heatmap.toArray()) as Float32Array) : undefined,
          ids: Int32Array.from(await b.ids.toArray()),
          mask: (await b.mask.toArray()) as Float32Array,
          B: b.pixels.shape[0],
          S,
          L,
        };
      }),
    );
  }
  const tc = trainer.cfg;
  const train: PeerTrain = {
    optimizer: tc.optimizer,
    lrs: Array.from({ length: lrSteps }, (_, s) => learningRate(tc, s, s + 1)),
    beta1: tc.beta1,
    beta2: tc.beta2,
    weightDecay: tc.weightDecay,
    clipNorm: tc.clipNorm,
  };
  const extra: [string, TensorInput][] = [];
  batches.forEach((b, step) => {
    const pre = step === 0 ? 'input.' : `input.step${step}.`;
    extra.push([pre + 'pixels', { shape: [b.B, 3, S, S], data: b.pixels }], [pre + 'ids', { shape: [b.B, L], data: b.ids }], [pre + 'mask', { shape: [b.B, L], data: b.mask }]);
    if (b.heatmap) extra.push([pre + 'heatmap', { shape: [b.B, 1, S, S], data: b.heatmap }]);
  });
  // Weights, not just params: PyTorch loads strictly, and feature normalisation has buffers.
  const bytes = await encodeParams(e, model.weights, { [META_CONFIG]: JSON.stringify(cfg), [META_TRAIN]: JSON.stringify(train) }, extra);
  // The peers read the parameters back from the very bytes PyTorch loads.
  const file = decodeSafetensors(bytes, 'e2e peer case');
  const params = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const name of model.params.keys()) {
    const t = file.tensors.get(name)!;
    params.set(name, { shape: [...t.shape], data: toFloat32(t) });
  }
  return { config: cfg, params, batches, train, bytes };
}
