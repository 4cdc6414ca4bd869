// Checkpoint -> ZeroShotModel for `focusclip eval`. The evaluator only needs the two towers
// (eval/types.ts ZeroShotModel); building them from a safetensors checkpoint belongs to the model
// (issue 6). Until that API is committed this is the one place to wire it.

import type { Engine } from '../engine/engine.js';
import type { ZeroShotModel } from '../eval/types.js';

/** Load a FocusCLIP/CLIP checkpoint as a zero-shot model.
 *  TODO(issue 6): decode the checkpoint (model/checkpoint.ts configFromMetadata + loadParams),
 *  build the model and tokenizer, and wrap them with train/zeroshot.ts asZeroShotModel. */
export async function loadZeroShotModel(engine: Engine, path: string): Promise<ZeroShotModel> {
  void engine;
  throw new Error(`cannot load ${path}: model loading lands with issue 6 (the FocusCLIP model API); until then \`focusclip eval --check\` validates the datasets without a model.`);
}
