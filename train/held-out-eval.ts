// The periodic evaluation of `focusclip train --eval-every`: validation loss on batches drawn from
// the training world under another seed, and zero-shot accuracy on the held-out synthetic sets.

import type { Engine } from '../ops/engine.js';
import type { FocusClipModel } from '../model/focusclip.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import { generateDataset } from '../data/synthetic/generate.js';
import type { TrainConfig } from './config.js';
import { makeBatch, TrainSet } from './batches.js';
import { evaluateModel } from './pipeline.js';
import { syntheticEvalDatasets } from './zeroshot.js';

/** Validation loss on held-out synthetic batches and zero-shot accuracy on the synthetic eval sets. */
export function heldOutEvaluator(
  e: Engine,
  model: FocusClipModel,
  tokenizer: WordPieceTokenizer,
  cfg: TrainConfig,
  size: number,
  count: number,
  report: (step: number, metrics: Record<string, number>) => void,
): (step: number) => Promise<Record<string, number>> {
  const val = generateDataset({ seed: cfg.seed + 7777, count: 2 * cfg.batchSize, size, prefix: 'val-' });
  const valSet = TrainSet.fromDataset(val, size);
  const sets = syntheticEvalDatasets(cfg.seed, count, size);
  return async (step) => {
    let total = 0;
    for (let b = 0; b < 2; b++) {
      const idx = Array.from({ length: cfg.batchSize }, (_, k) => b * cfg.batchSize + k);
      const loss = e.scope(() =>
        e.noGrad(() => model.loss(makeBatch(e, valSet, idx, { tokenizer, contextLength: model.config.text.contextLength, heatmaps: model.isFocus })).loss),
      );
      total += await loss.item();
      loss.dispose();
    }
    const metrics: Record<string, number> = { 'validation loss': total / 2 };
    for (const r of await evaluateModel(e, model, tokenizer, sets, 'train')) metrics[`zero-shot ${r.dataset}`] = r.headline;
    report(step, metrics);
    return metrics;
  };
}
