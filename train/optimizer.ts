// The optimizer the trainer drives: global gradient norm and clipping, then a fused SGD-momentum or
// AdamW update over the whole parameter arena, all on the GPU (nothing is read back to the host).
// Parameters, gradients and optimizer state are arenas with one layout, so every update is one
// pass over flat buffers (split into chunks no larger than the adapter's binding limit).

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { FocusClipModel } from '../model/focusclip.js';
import type { TrainConfig } from './config.js';

export interface Optimizer {
  /** Flat state buffers by name (saved in checkpoints as optimizer.<name>). */
  readonly state: Map<string, Tensor>;
  /** Clip gradients to `clipNorm` (0 = off) and update the parameters; returns [norm before clipping, clip coefficient]. */
  clipAndStep(lr: number, clipNorm: number): Tensor;
  /** The number of updates done (AdamW's bias correction). */
  setStep(step: number): void;
  describe(): string;
}

export function createOptimizer(e: Engine, model: FocusClipModel, cfg: TrainConfig): Optimizer {
  const params = model.paramsFlat;
  const grads = model.gradsFlat;
  const specs = [{ name: 'flat', shape: [params.size] }];
  const names = cfg.optimizer === 'sgd' ? ['momentum'] : ['exp_avg', 'exp_avg_sq'];
  const state = new Map<string, Tensor>();
  for (const n of names) state.set(n, e.arena(`optimizer.${n}`, specs).tensors.get('flat')!);
  let t = 0;
  return {
    state,
    setStep(step: number) {
      t = step;
    },
    describe() {
      return cfg.optimizer === 'sgd'
        ? `SGD(momentum ${cfg.momentum}, weight decay ${cfg.weightDecay})`
        : `AdamW(betas ${cfg.beta1}/${cfg.beta2}, weight decay ${cfg.weightDecay})`;
    },
    clipAndStep(lr: number, clipNorm: number): Tensor {
      t++;
      // [norm, coef]: the update kernels multiply gradients by coef as they read them.
      const clip = e.nn.gradNorm(grads, clipNorm > 0 ? clipNorm : Infinity);
      if (cfg.optimizer === 'sgd') e.nn.sgdStep({ params, grads, momentum: state.get('momentum')! }, { lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay, clip });
      else e.nn.adamwStep({ params, grads, m: state.get('exp_avg')!, v: state.get('exp_avg_sq')! }, { lr, step: t, beta1: cfg.beta1, beta2: cfg.beta2, eps: 1e-8, weightDecay: cfg.weightDecay, clip });
      return clip;
    },
  };
}
