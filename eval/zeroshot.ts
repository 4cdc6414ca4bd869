// Zero-shot classification of one dataset, the paper's protocol: class prompts encoded once and
// L2-normalised (several templates per class are averaged: prompt ensembling), images resized to
// the model's square input (aspect not kept, as the paper), encoded in batches, L2-normalised,
// scored by cosine against every class, ranked. An image that cannot be read or decoded is
// skipped, counted and reported; it never stops the run.

import type { Engine } from '../ops/engine.js';
import { resizeBilinear, toCHW } from '../data/image.js';
import { AccuracyAccumulator, CosineScorer, ensembleClassEmbeddings, headlineK, l2NormalizeRows, topKIndices } from './metrics.js';
import { buildPrompts } from './prompts.js';
import type { EvalDataset, EvalItem, EvalResult, SkipLog, ZeroShotModel } from './types.js';

export interface EvaluateOptions {
  /** Images per encodeImages call (default 32). */
  batchSize?: number;
  /** Prompts per encodeTexts call (default 64). */
  textBatchSize?: number;
  /** Override the paper's k for the headline number. */
  topK?: number;
  /** When given, the scoring matmul runs on the GPU. */
  engine?: Engine;
  /** Keep each item's top-5 classes in the result (for error analysis). */
  keepPredictions?: boolean;
  /** Called after every batch. */
  onProgress?: (done: number, total: number | undefined, skipped: number) => void;
}

/** Encode every class's prompts (once) into unit class embeddings [C, D]. */
export async function encodeClasses(model: ZeroShotModel, prompts: string[][], textBatchSize = 64): Promise<Float32Array> {
  const D = model.embedDim;
  const flat = prompts.flat();
  const emb = new Float32Array(flat.length * D);
  for (let i = 0; i < flat.length; i += textBatchSize) {
    const chunk = flat.slice(i, i + textBatchSize);
    const out = await model.encodeTexts(chunk);
    if (out.length !== chunk.length * D) {
      throw new Error(`encodeTexts returned ${out.length} values for ${chunk.length} prompts; expected ${chunk.length} x embedDim ${D}.`);
    }
    emb.set(out, i * D);
  }
  return ensembleClassEmbeddings(emb, prompts.map((p) => p.length), D);
}

function checkDataset(ds: EvalDataset): void {
  const C = ds.classes.length;
  if (C < 2) throw new Error(`${ds.name}: zero-shot classification needs at least 2 classes, got ${C}.`);
  if (new Set(ds.classes).size !== C) throw new Error(`${ds.name}: duplicate class names in [${ds.classes.join(', ')}].`);
  if (ds.promptNames.length !== C) {
    throw new Error(`${ds.name}: ${ds.promptNames.length} prompt names for ${C} classes; the class list and its prompts do not match.`);
  }
}

function checkLabel(ds: EvalDataset, item: EvalItem): void {
  const C = ds.classes.length;
  const labels = typeof item.label === 'number' ? [item.label] : item.label;
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= C) {
      throw new Error(`${ds.name}: item ${item.id} has label ${l}, outside the ${C} classes; the class list does not match the data.`);
    }
  }
}

class SkipCounter implements SkipLog {
  count = 0;
  examples: { id: string; reason: string }[] = [];
  add(id: string, reason: string) {
    this.count++;
    if (this.examples.length < 20) this.examples.push({ id, reason });
  }
}

export async function evaluate(model: ZeroShotModel, ds: EvalDataset, opts: EvaluateOptions = {}): Promise<EvalResult> {
  const t0 = performance.now();
  checkDataset(ds);
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}.`);
  const S = model.imageSize;
  const D = model.embedDim;
  if (!(S > 0 && D > 0)) throw new Error(`model.imageSize (${S}) and model.embedDim (${D}) must be positive.`);
  const C = ds.classes.length;
  const k = opts.topK ?? headlineK(ds.task);
  const prompts = buildPrompts(ds.templates, ds.promptNames);
  const classEmb = await encodeClasses(model, prompts, opts.textBatchSize);
  const scorer = new CosineScorer(classEmb, C, D, opts.engine);
  const acc = new AccuracyAccumulator(ds.classes, k);
  const skipped = new SkipCounter();
  const predictions: NonNullable<EvalResult['predictions']> = [];
  const per = 3 * S * S;
  const pixels = new Float32Array(batchSize * per);
  let batch: EvalItem[] = [];
  let done = 0;

  const flush = async () => {
    const n = batch.length;
    if (!n) return;
    const emb = await model.encodeImages(pixels.subarray(0, n * per), n, S);
    if (emb.length !== n * D) throw new Error(`encodeImages returned ${emb.length} values for ${n} images; expected ${n} x embedDim ${D}.`);
    l2NormalizeRows(emb, n, D);
    const scores = await scorer.score(emb, n);
    for (let i = 0; i < n; i++) {
      const row = scores.subarray(i * C, (i + 1) * C);
      acc.add(row, batch[i].label);
      if (opts.keepPredictions) predictions.push({ id: batch[i].id, label: batch[i].label, top: topKIndices(row, Math.min(5, C)) });
    }
    done += n;
    batch = [];
    opts.onProgress?.(done, ds.size ?? (Array.isArray(ds.items) ? ds.items.length : undefined), skipped.count);
  };

  try {
    for await (const item of ds.items as AsyncIterable<EvalItem>) {
      checkLabel(ds, item);
      try {
        const img = await item.load();
        if (!img || !(img.width > 0 && img.height > 0) || img.data.length < img.width * img.height * 4) throw new Error('empty or truncated image');
        toCHW(resizeBilinear(img, S, S), pixels, batch.length * per);
      } catch (e) {
        skipped.add(item.id, (e as Error).message ?? String(e));
        continue;
      }
      batch.push(item);
      if (batch.length === batchSize) await flush();
    }
    await flush();
  } finally {
    scorer.dispose();
  }

  const a = acc.result();
  if (a.n === 0) {
    const why = skipped.count ? ` All ${skipped.count} failed to load, e.g. ${skipped.examples.slice(0, 3).map((s) => `${s.id}: ${s.reason}`).join('; ')}` : '';
    throw new Error(`${ds.name}: no image could be evaluated.${why}`);
  }
  return {
    dataset: ds.name,
    kind: ds.kind,
    task: ds.task,
    root: ds.root,
    model: model.name,
    classes: ds.classes,
    prompts,
    n: a.n,
    top1: a.top1,
    top3: a.top3,
    top5: a.top5,
    headlineK: a.headlineK,
    headline: a.headline,
    chance: a.chance,
    perClass: a.perClass,
    confusion: a.confusion,
    skipped: { count: skipped.count, examples: skipped.examples },
    annotationSkips: ds.annotationSkips ? { count: ds.annotationSkips.count, examples: [...ds.annotationSkips.examples] } : { count: 0, examples: [] },
    notes: [...(ds.notes ?? [])],
    seconds: (performance.now() - t0) / 1000,
    ...(opts.keepPredictions ? { predictions } : {}),
  };
}
