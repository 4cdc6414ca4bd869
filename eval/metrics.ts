// Zero-shot scoring and accuracy: L2-normalised embeddings, cosine scores (GPU matmul when an
// engine is given, CPU otherwise), top-k hits, per-class accuracy, confusion matrix and chance
// level. No Node built-ins: runs in the browser too.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { EvalResult, Task } from './types.js';

/** The paper's k per task: top-3 for action and emotion, top-1 for age and race. */
export function headlineK(task: Task): number {
  return task === 'activity' || task === 'emotion' ? 3 : 1;
}

/** Divide each row of x [n, d] by its L2 norm, in place. A zero row stays zero instead of NaN
 *  (a dead embedding then scores 0 against every class rather than poisoning the sums). */
export function l2NormalizeRows(x: Float32Array, n: number, d: number): Float32Array {
  if (x.length < n * d) throw new Error(`l2NormalizeRows: ${x.length} values cannot hold ${n} rows of ${d}.`);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    if (!Number.isFinite(s)) throw new Error(`embedding row ${i} has non-finite values (NaN or Inf): the model produced bad outputs.`);
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) x[i * d + j] *= inv;
  }
  return x;
}

/** Prompt ensembling: normalise every prompt embedding, average the prompts of each class, and
 *  renormalise. `counts[c]` prompts of class c are consecutive rows of `emb` [sum(counts), d]. */
export function ensembleClassEmbeddings(emb: Float32Array, counts: readonly number[], d: number): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  if (emb.length !== total * d) throw new Error(`ensembleClassEmbeddings: got ${emb.length} values, expected ${total} prompts x ${d} dims.`);
  const norm = l2NormalizeRows(Float32Array.from(emb), total, d);
  const out = new Float32Array(counts.length * d);
  let row = 0;
  counts.forEach((k, c) => {
    if (k < 1) throw new Error(`class ${c} has no prompt: each class needs at least one template.`);
    for (let r = 0; r < k; r++, row++) for (let j = 0; j < d; j++) out[c * d + j] += norm[row * d + j];
  });
  return l2NormalizeRows(out, counts.length, d);
}

/** Cosine scores of image rows against class rows. Both inputs must already be L2-normalised; the
 *  class matrix is uploaded once and each batch is one GPU matmul (or a CPU loop without engine). */
export class CosineScorer {
  private classT?: Tensor;
  private classesT: Float32Array;

  constructor(
    classEmb: Float32Array,
    readonly numClasses: number,
    readonly dim: number,
    private engine?: Engine,
  ) {
    if (classEmb.length !== numClasses * dim) throw new Error(`CosineScorer: class embeddings have ${classEmb.length} values, expected ${numClasses} x ${dim}.`);
    // Stored transposed [d, C] so the GPU product is a plain [n, d] @ [d, C].
    this.classesT = new Float32Array(dim * numClasses);
    for (let c = 0; c < numClasses; c++) for (let j = 0; j < dim; j++) this.classesT[j * numClasses + c] = classEmb[c * dim + j];
    if (engine) this.classT = engine.keep(engine.tensor(this.classesT, [dim, numClasses]));
  }

  /** img [n, d] (normalised) -> scores [n, C]. */
  async score(img: Float32Array, n: number): Promise<Float32Array> {
    const { dim, numClasses: C } = this;
    if (img.length < n * dim) throw new Error(`CosineScorer.score: ${img.length} values cannot hold ${n} image embeddings of ${dim} (the model's embedDim).`);
    if (n === 0) return new Float32Array(0);
    const e = this.engine;
    if (e && this.classT) {
      const classT = this.classT;
      return e.noGrad(() =>
        e.scope(async () => {
          const a = e.tensor(img.subarray(0, n * dim), [n, dim]);
          const s = e.ops.matmul(a, classT);
          return (await s.toArray()) as Float32Array;
        }),
      );
    }
    return cosineScoresCpu(img, this.classesT, n, dim, C);
  }

  dispose(): void {
    this.classT?.dispose();
    this.classT = undefined;
  }
}

/** CPU reference: img [n, d] @ classesT [d, C]. */
export function cosineScoresCpu(img: ArrayLike<number>, classesT: ArrayLike<number>, n: number, d: number, C: number): Float32Array {
  const out = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = img[i * d + j];
      if (v === 0) continue;
      for (let c = 0; c < C; c++) out[i * C + c] += v * classesT[j * C + c];
    }
  }
  return out;
}

/** Position of class t in a descending ranking of `row` (0 = best). Ties go to the lower class
 *  index, the same rule argmax uses, so top-1 and the confusion matrix agree. */
export function rankOf(row: ArrayLike<number>, t: number): number {
  const s = row[t];
  let r = 0;
  for (let j = 0; j < row.length; j++) if (row[j] > s || (row[j] === s && j < t)) r++;
  return r;
}

/** The k best classes of a score row, best first (ties: lower index first). */
export function topKIndices(row: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let j = 0; j < row.length; j++) {
    let pos = best.length;
    while (pos > 0 && row[best[pos - 1]] < row[j]) pos--;
    if (pos < k) {
      best.splice(pos, 0, j);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** Expected top-k accuracy of a uniformly random ranking of C classes when `m` of them are correct:
 *  1 - C(C-m, k) / C(C, k). */
export function chanceTopK(C: number, k: number, m = 1): number {
  if (k >= C) return 1;
  let miss = 1;
  for (let i = 0; i < k; i++) miss *= (C - m - i) / (C - i);
  return 1 - Math.max(0, miss);
}

/** The accuracy part of an EvalResult (documented there). */
export type Accuracy = Pick<EvalResult, 'n' | 'top1' | 'top3' | 'top5' | 'headlineK' | 'headline' | 'chance' | 'perClass' | 'confusion'>;

/** Streams score rows in and accumulates every metric the report needs. */
export class AccuracyAccumulator {
  private n = 0;
  private hits = { 1: 0, 3: 0, 5: 0, k: 0 };
  private chance = { 1: 0, 3: 0, 5: 0, k: 0 };
  private classN: number[];
  private classTop1: number[];
  private classTopK: number[];
  readonly confusion: number[][];

  constructor(
    readonly classes: readonly string[],
    readonly k: number,
  ) {
    const C = classes.length;
    this.classN = new Array(C).fill(0);
    this.classTop1 = new Array(C).fill(0);
    this.classTopK = new Array(C).fill(0);
    this.confusion = Array.from({ length: C }, () => new Array(C).fill(0));
  }

  /** One item: its score row over all classes and its label(s). Returns the item's rank (best label). */
  add(row: ArrayLike<number>, label: number | readonly number[]): number {
    const C = this.classes.length;
    if (row.length !== C) throw new Error(`score row has ${row.length} entries for ${C} classes.`);
    const labels = typeof label === 'number' ? [label] : [...new Set(label)];
    if (!labels.length) throw new Error('an item has an empty label set.');
    for (const l of labels) {
      if (!Number.isInteger(l) || l < 0 || l >= C) throw new Error(`label ${l} is outside the ${C} classes [${this.classes.slice(0, 5).join(', ')}${C > 5 ? ', ...' : ''}].`);
    }
    const rank = Math.min(...labels.map((l) => rankOf(row, l)));
    this.n++;
    for (const kk of [1, 3, 5] as const) {
      if (rank < kk) this.hits[kk]++;
      this.chance[kk] += chanceTopK(C, kk, labels.length);
    }
    if (rank < this.k) this.hits.k++;
    this.chance.k += chanceTopK(C, this.k, labels.length);
    for (const l of labels) {
      this.classN[l]++;
      if (rankOf(row, l) < 1) this.classTop1[l]++;
      if (rankOf(row, l) < this.k) this.classTopK[l]++;
    }
    // Multi-label items: the true row is the predicted class when it is one of the labels (a hit
    // on the diagonal), otherwise the first label; each item is counted once.
    const pred = topKIndices(row, 1)[0];
    const trueRow = labels.includes(pred) ? pred : labels[0];
    this.confusion[trueRow][pred]++;
    return rank;
  }

  result(): Accuracy {
    const n = this.n;
    const f = (x: number) => (n ? x / n : 0);
    return {
      n,
      top1: f(this.hits[1]),
      top3: f(this.hits[3]),
      top5: f(this.hits[5]),
      headlineK: this.k,
      headline: f(this.hits.k),
      chance: { top1: f(this.chance[1]), top3: f(this.chance[3]), top5: f(this.chance[5]), headline: f(this.chance.k) },
      perClass: this.classes.map((name, c) => ({
        name,
        n: this.classN[c],
        top1: this.classN[c] ? this.classTop1[c] / this.classN[c] : 0,
        topK: this.classN[c] ? this.classTopK[c] / this.classN[c] : 0,
      })),
      confusion: this.confusion.map((r) => [...r]),
    };
  }
}
