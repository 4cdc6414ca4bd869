// The pieces `focusclip train` and `focusclip demo` share: build a vocabulary and tokenizer from the
// captions, create a model for a preset, train it, and evaluate it zero-shot on held-out sets.

import type { Engine } from '../ops/engine.js';
import { createModel, type FocusClipModel } from '../model/focusclip.js';
import { makeModelConfig, type LossKind, type ModelConfig } from '../model/config.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { buildVocab } from '../model/vocab.js';
import { evaluate } from '../eval/zeroshot.js';
import type { EvalDataset, EvalResult } from '../eval/types.js';
import type { TrainConfig } from './config.js';
import { Trainer, type TrainerHooks, type TrainResult } from './trainer.js';
import type { TrainSet } from './batches.js';
import { asZeroShotModel } from './zeroshot.js';

export type ModelKind = 'focusclip' | 'clip';

/** WordPiece vocabulary learned from the training captions (the tiny presets train from scratch). */
export function captionTokenizer(texts: readonly string[], maxSize: number): { vocab: string[]; tokenizer: WordPieceTokenizer } {
  const vocab = buildVocab(texts, { maxSize });
  return { vocab, tokenizer: new WordPieceTokenizer(vocab) };
}

export function modelConfigFor(cfg: TrainConfig, kind: ModelKind, vocabSize: number, loss?: LossKind): ModelConfig {
  return makeModelConfig(cfg.model, {
    kind,
    loss: loss ?? (kind === 'clip' ? 'ntxent' : cfg.loss === 'focusclip2' ? 'focus2' : 'focus3'),
    clampAlpha: cfg.clampFocus,
    temperature: cfg.temperature,
    featureNorm: cfg.featureNorm,
    text: { vocabSize },
  });
}

export interface TrainedModel {
  kind: ModelKind;
  model: FocusClipModel;
  trainer: Trainer;
  result: TrainResult;
}

export async function trainModel(
  e: Engine,
  kind: ModelKind,
  data: TrainSet,
  cfg: TrainConfig,
  tok: { vocab: string[]; tokenizer: WordPieceTokenizer },
  hooks: TrainerHooks = {},
  checkpointPath?: string,
  /** Load pretrained weights over the fresh initialisation (e.g. a pretrained image tower). */
  initialize?: (model: FocusClipModel) => void,
): Promise<TrainedModel> {
  const model = createModel(e, modelConfigFor(cfg, kind, tok.vocab.length), { seed: cfg.seed });
  initialize?.(model);
  const trainer = new Trainer(e, model, tok.tokenizer, data, cfg, tok.vocab);
  const result = await trainer.train(hooks, checkpointPath);
  return { kind, model, trainer, result };
}

export async function evaluateModel(
  e: Engine,
  model: FocusClipModel,
  tokenizer: WordPieceTokenizer,
  datasets: readonly EvalDataset[],
  name: string,
  onProgress?: (dataset: string, done: number, total?: number) => void,
): Promise<EvalResult[]> {
  const zs = asZeroShotModel(e, model, tokenizer, name);
  const out: EvalResult[] = [];
  for (const ds of datasets) {
    out.push(await evaluate(zs, ds, { engine: e, batchSize: 64, onProgress: (d, t) => onProgress?.(ds.name, d, t) }));
  }
  return out;
}
