// Checkpoint file -> ZeroShotModel for `focusclip eval`: the file (and an optional vocab.txt) read
// here, the model rebuilt by train/load-checkpoint.ts.

import { existsSync, readFileSync } from 'node:fs';
import type { Engine } from '../ops/engine.js';
import type { ZeroShotModel } from '../eval/types.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { loadCheckpoint } from '../train/load-checkpoint.js';

/** Load a FocusCLIP or CLIP checkpoint written by focusclip train as a zero-shot model. */
export async function loadZeroShotModel(engine: Engine, path: string, opts: { vocab?: string } = {}): Promise<ZeroShotModel> {
  if (opts.vocab && !existsSync(opts.vocab)) throw new Error(`vocabulary file not found: ${opts.vocab}.`);
  const vocabText = opts.vocab ? readFileSync(opts.vocab, 'utf8') : undefined;
  return loadCheckpoint(engine, readFileBytes(path), { source: path, vocabText, vocabHint: 'pass --vocab vocab.txt' }).zeroShot;
}
