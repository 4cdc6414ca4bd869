// A checkpoint written by `focusclip train` (or Trainer.checkpointBytes) as a model ready for
// inference: the architecture from the stored config, the weights (optimizer state ignored) and the
// WordPiece vocabulary from the stored training state. Bytes in, so the same call serves files in
// Node and fetched URLs in browsers.

import type { Engine } from '../ops/engine.js';
import type { ZeroShotModel } from '../eval/types.js';
import { configFromMetadata, decodeCheckpoint, loadParams, META_STATE } from '../model/checkpoint.js';
import type { ModelConfig } from '../model/config.js';
import { createModel, type FocusClipModel } from '../model/focusclip.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { asZeroShotModel } from './zeroshot.js';

export interface LoadedCheckpoint {
  model: FocusClipModel;
  config: ModelConfig;
  tokenizer: WordPieceTokenizer;
  /** The image and text towers, for `evaluate` and `classifyImage`. */
  zeroShot: ZeroShotModel;
}

export interface LoadCheckpointOptions {
  /** Named in errors and reports (a file name or URL); default 'checkpoint'. */
  source?: string;
  /** The text of a vocab.txt, for checkpoints that carry no vocabulary. */
  vocabText?: string;
  /** How the caller gives a vocabulary, for the error when none is found (the CLI names its flag). */
  vocabHint?: string;
}

function storedVocab(metadata: Record<string, string>): string | undefined {
  try {
    const vocab = metadata[META_STATE] ? (JSON.parse(metadata[META_STATE]) as { vocab?: unknown }).vocab : undefined;
    return typeof vocab === 'string' && vocab ? vocab : undefined;
  } catch {
    return undefined;
  }
}

/** Load a FocusCLIP or CLIP checkpoint for inference. */
export function loadCheckpoint(engine: Engine, bytes: ArrayBuffer | Uint8Array, opts: LoadCheckpointOptions = {}): LoadedCheckpoint {
  const source = opts.source ?? 'checkpoint';
  const file = decodeCheckpoint(bytes, source);
  const config = configFromMetadata(file, source);
  if (!config) throw new Error(`${source} has no model config in its metadata; it was not written by focusclip train.`);
  const vocab = opts.vocabText ?? storedVocab(file.metadata);
  if (!vocab) throw new Error(`${source} carries no vocabulary (focusclip train stores it in the training state); ${opts.vocabHint ?? 'pass the text of the vocab.txt it was trained with as vocabText'}.`);
  const tokenizer = WordPieceTokenizer.fromVocabText(vocab);
  if (tokenizer.vocabSize !== config.text.vocabSize) {
    throw new Error(`${source}: the vocabulary has ${tokenizer.vocabSize} tokens but the model's text.vocabSize is ${config.text.vocabSize}; use the vocab.txt the model was trained with.`);
  }
  const model = createModel(engine, config, { noInit: true });
  loadParams(engine, model.weights, file, { ignore: (n) => n.startsWith('optimizer.'), source });
  return { model, config, tokenizer, zeroShot: asZeroShotModel(engine, model, tokenizer, source.split(/[\\/]/).pop()) };
}
