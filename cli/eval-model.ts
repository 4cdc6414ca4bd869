// Checkpoint -> ZeroShotModel for `focusclip eval`: rebuild the model from the config stored in the
// checkpoint, load its parameters (optimizer state is ignored), and expose the two towers used at
// inference (image and text) through train/zeroshot.ts. The WordPiece vocabulary comes from the
// checkpoint's training state (focusclip train stores it there) or from a vocab.txt.

import { existsSync, readFileSync } from 'node:fs';
import type { Engine } from '../engine/engine.js';
import type { ZeroShotModel } from '../eval/types.js';
import { configFromMetadata, decodeCheckpoint, loadParams, META_STATE } from '../model/checkpoint.js';
import { createModel } from '../model/focusclip.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { asZeroShotModel } from '../train/zeroshot.js';

/** The vocabulary: `vocabPath` if given, else the `vocab` field of the checkpoint's training state. */
function tokenizerFor(metadata: Record<string, string>, path: string, vocabPath?: string): WordPieceTokenizer {
  if (vocabPath) {
    if (!existsSync(vocabPath)) throw new Error(`vocabulary file not found: ${vocabPath}.`);
    return WordPieceTokenizer.fromVocabText(readFileSync(vocabPath, 'utf8'));
  }
  const raw = metadata[META_STATE];
  let vocab: unknown;
  try {
    vocab = raw ? (JSON.parse(raw) as { vocab?: unknown }).vocab : undefined;
  } catch {
    vocab = undefined;
  }
  if (typeof vocab !== 'string' || !vocab) {
    throw new Error(`${path} carries no vocabulary (focusclip train stores it in the training state); pass --vocab vocab.txt.`);
  }
  return WordPieceTokenizer.fromVocabText(vocab);
}

/** Load a FocusCLIP or CLIP checkpoint written by focusclip train as a zero-shot model. */
export async function loadZeroShotModel(engine: Engine, path: string, opts: { vocab?: string } = {}): Promise<ZeroShotModel> {
  const file = decodeCheckpoint(readFileBytes(path), path);
  const config = configFromMetadata(file, path);
  if (!config) throw new Error(`${path} has no model config in its metadata; it was not written by focusclip train.`);
  const tokenizer = tokenizerFor(file.metadata, path, opts.vocab);
  if (tokenizer.vocabSize !== config.text.vocabSize) {
    throw new Error(`${path}: the vocabulary has ${tokenizer.vocabSize} tokens but the model's text.vocabSize is ${config.text.vocabSize}; use the vocab.txt the model was trained with.`);
  }
  const model = createModel(engine, config, { noInit: true });
  loadParams(engine, model.weights, file, { ignore: (n) => n.startsWith('optimizer.'), source: path });
  return asZeroShotModel(engine, model, tokenizer, path.split(/[\\/]/).pop());
}
