// The contracts of zero-shot evaluation: what the evaluator needs from a model, what a dataset
// adapter hands it, and what comes out. The trainer/CLI adapt the real FocusCLIP model to
// ZeroShotModel, so eval/ never depends on model/ internals.

import type { RGBAImage } from '../data/image.js';

/** The paper's tasks (activity, age, emotion, race) plus whatever else an image folder declares. */
export type Task = 'activity' | 'age' | 'emotion' | 'race' | 'birds' | 'other';

export const TASKS: readonly Task[] = ['activity', 'age', 'emotion', 'race', 'birds', 'other'];

/** The two towers of a CLIP-style model, seen from the evaluator. */
export interface ZeroShotModel {
  /** `pixels` is [n, 3, size, size] floats in [0, 1] (channel-major per image, no mean/std
   *  normalisation, as the paper); returns [n, embedDim] embeddings, any normalisation. */
  encodeImages(pixels: Float32Array, n: number, size: number): Promise<Float32Array>;
  /** Returns [texts.length, embedDim] embeddings, any normalisation. */
  encodeTexts(texts: string[]): Promise<Float32Array>;
  readonly embedDim: number;
  /** Square input side in pixels (224 at paper scale). */
  readonly imageSize: number;
  /** Shown in reports (e.g. the checkpoint file name). */
  readonly name?: string;
}

/** One test sample. `load` may throw: the evaluator skips, counts and reports that item. */
export interface EvalItem {
  id: string;
  /** Class index, or several for multi-label sets (a hit if any of them is in the top k). */
  label: number | readonly number[];
  load(): RGBAImage | Promise<RGBAImage>;
}

/** A dataset ready for zero-shot classification, as every adapter produces it. */
export interface EvalDataset {
  /** Short identifier used in reports and for the paper table (e.g. 'stanford40', 'lagenda-face'). */
  name: string;
  /** Adapter kind it came from (e.g. 'lagenda'). */
  kind: string;
  task: Task;
  /** Canonical class names, index = label. */
  classes: string[];
  /** Prompt templates; `{}` is replaced by the class's prompt name, `{a}` by "a"/"an" for it. */
  templates: string[];
  /** The words put into the templates, one per class (e.g. 'riding a horse'). */
  promptNames: string[];
  items: EvalItem[] | AsyncIterable<EvalItem>;
  /** Number of items when known up front (progress, chance level). */
  size?: number;
  /** Where it was read from. */
  root?: string;
  /** Records dropped while reading annotations (bad rows, missing labels), with reasons. */
  annotationSkips?: SkipLog;
  /** Facts about how the set was built that belong in the report (splits, filters). */
  notes?: string[];
}

export interface SkipLog {
  count: number;
  /** The first few, for the report. */
  examples: { id: string; reason: string }[];
}

export interface PerClassResult {
  name: string;
  /** Items whose label (set) includes this class. */
  n: number;
  top1: number;
  /** Accuracy at the dataset's headline k. */
  topK: number;
}

export interface EvalResult {
  dataset: string;
  kind: string;
  task: Task;
  root?: string;
  model?: string;
  classes: string[];
  /** The prompts actually encoded, per class. */
  prompts: string[][];
  /** Items scored. */
  n: number;
  /** Fractions in [0, 1]. */
  top1: number;
  top3: number;
  top5: number;
  /** The paper's k for this task (top-3 action and emotion, top-1 age and race) and its accuracy. */
  headlineK: number;
  headline: number;
  /** Expected accuracy of a uniformly random ranking, for the same items. */
  chance: { top1: number; top3: number; top5: number; headline: number };
  perClass: PerClassResult[];
  /** [true][predicted top-1] counts (multi-label items: see metrics.ts for the row used). */
  confusion: number[][];
  /** Items that could not be loaded or decoded. */
  skipped: SkipLog;
  annotationSkips: SkipLog;
  notes: string[];
  seconds: number;
  /** Per item top-5 predictions, when asked for. */
  predictions?: { id: string; label: number | readonly number[]; top: number[] }[];
}
