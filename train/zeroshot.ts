// Glue between the trainer's world and the evaluator's contracts (eval/types.ts): our model seen as
// a ZeroShotModel (image and text towers only, as at inference), and the synthetic held-out sets
// seen as EvalDatasets.

import type { Engine } from '../ops/engine.js';
import type { FocusClipModel } from '../model/focusclip.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import type { EvalDataset, Task, ZeroShotModel } from '../eval/types.js';
import { EVAL_TASKS, generateEvalSet, type EvalSet } from '../data/synthetic/generate.js';

export function asZeroShotModel(e: Engine, model: FocusClipModel, tokenizer: WordPieceTokenizer, name?: string): ZeroShotModel {
  const S = model.config.vision.imageSize;
  const L = model.config.text.contextLength;
  return {
    name,
    imageSize: S,
    embedDim: model.config.embedDim,
    async encodeImages(pixels, n, size) {
      if (size !== S) throw new Error(`encodeImages: the model takes ${S}px images, got ${size}px.`);
      const z = e.scope(() => e.noGrad(() => model.encodeImage(e.tensor(pixels, [n, 3, S, S]))));
      try {
        return (await z.toArray()) as Float32Array;
      } finally {
        z.dispose();
      }
    },
    async encodeTexts(texts) {
      const enc = tokenizer.encode(texts, L);
      const z = e.scope(() => e.noGrad(() => model.encodeText(e.tensor(enc.ids, [texts.length, L]), e.tensor(enc.mask, [texts.length, L]))));
      try {
        return (await z.toArray()) as Float32Array;
      } finally {
        z.dispose();
      }
    },
  };
}

const TASK_OF: Record<string, Task> = { activity: 'activity', age: 'age' };

/** A synthetic held-out set as the evaluator's dataset (names like 'synthetic-age'). */
export function syntheticEvalDataset(set: EvalSet): EvalDataset {
  return {
    name: `synthetic-${set.task}${set.variant ? `-${set.variant}` : ''}`,
    kind: 'synthetic',
    task: TASK_OF[set.task] ?? 'other',
    classes: [...set.classes],
    // The generator's template uses `a {}`; the evaluator fixes a/an with `{a}`.
    templates: [set.template.replace(/\ba \{\}/, '{a} {}')],
    promptNames: [...set.classes],
    items: set.items.map((it, i) => ({ id: `${set.task}-${i}`, label: it.label, load: () => it.image })),
    size: set.items.length,
    notes: set.heldOut.length ? [`classes never named in training captions: ${set.heldOut.join(', ')}`] : undefined,
  };
}

/**
 * The held-out synthetic sets of a run (the demo and `train --eval-every` use the same seeds): the
 * four tasks on evaluation backgrounds, and for a background-biased training world the
 * background-shift probe (activity on training backgrounds, aligned with the training bias and
 * swapped away from it).
 */
export function syntheticEvalSets(seed: number, count: number, size: number, o: { backgroundBias?: number } = {}): EvalSet[] {
  const sets = EVAL_TASKS.map((task, i) => generateEvalSet(task, { seed: seed * 1000 + 17 + i, count, size }));
  if (o.backgroundBias) {
    for (const mode of ['aligned', 'swapped'] as const) {
      sets.push(generateEvalSet('activity', { seed: seed * 1000 + 31, count, size, backgrounds: { mode, bias: o.backgroundBias } }));
    }
  }
  return sets;
}

/** syntheticEvalSets as the evaluator's datasets. */
export function syntheticEvalDatasets(seed: number, count: number, size: number, o: { backgroundBias?: number } = {}): EvalDataset[] {
  return syntheticEvalSets(seed, count, size, o).map(syntheticEvalDataset);
}

/** The validation split: the four tasks drawn from the training world itself under other seeds (recipe tuning looks only at these). */
export function syntheticValidationDatasets(seed: number, count: number, size: number, o: { backgroundBias?: number } = {}): EvalDataset[] {
  const bias = o.backgroundBias;
  return EVAL_TASKS.map((task, i) =>
    syntheticEvalDataset(
      generateEvalSet(task, {
        seed: seed * 1000 + 53 + i, count, size, split: 'validation',
        ...(bias && task === 'activity' ? { backgrounds: { mode: 'aligned' as const, bias } } : {}),
      }),
    ),
  );
}
