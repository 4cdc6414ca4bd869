// Contrastive losses, all on the fused softmax-cross-entropy kernel (engine.nn.softmaxCrossEntropy).
//
// NT-Xent (FOCUSCLIP.md section 3, SimCLR's loss): X = [A; B] (2B rows) L2-normalised, logits =
// X X^T / temperature; row k's positive is k+B (and k+B's is k); every other row is a negative,
// same-modality rows included (2B-2 of them); the self-similarity column is excluded; mean over the
// 2B rows. InfoNCE (CLIP): cross-modal logits only, scaled by exp(logit_scale), symmetric mean.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';

/** The index tensors a loss needs for a batch size, made once and kept (no per-step upload). */
export class LossIndices {
  private cache = new Map<string, Tensor>();
  constructor(private e: Engine) {}

  private get(key: string, make: () => Int32Array): Tensor {
    let t = this.cache.get(key);
    if (!t) {
      const data = make();
      t = this.e.keep(this.e.tensor(data, [data.length], { dtype: 'i32' }));
      this.cache.set(key, t);
    }
    return t;
  }
  /** Row k's positive in [A; B]: k + B for k < B, k - B after. */
  ntxentTargets(B: number): Tensor {
    return this.get(`ntx${B}`, () => Int32Array.from({ length: 2 * B }, (_, k) => (k < B ? k + B : k - B)));
  }
  arange(n: number): Tensor {
    return this.get(`ar${n}`, () => Int32Array.from({ length: n }, (_, k) => k));
  }
  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}

function checkPair(what: string, a: Tensor, b: Tensor): void {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`${what}: embeddings must both be [batch, dim], got ${a.describe()} and ${b.describe()}.`);
  }
  if (a.shape[0] < 2) throw new Error(`${what}: needs a batch of at least 2 pairs (negatives come from the batch), got ${a.shape[0]}.`);
}

export function ntXent(e: Engine, idx: LossIndices, a: Tensor, b: Tensor, temperature: number): Tensor {
  checkPair('NT-Xent', a, b);
  const B = a.shape[0];
  const x = e.nn.l2normalize(e.ops.concat([a, b], 0));
  const sims = e.ops.matmul(x, e.ops.transpose(x));
  return e.nn.softmaxCrossEntropy(sims, idx.ntxentTargets(B), { exclude: idx.arange(2 * B), logitScale: 1 / temperature });
}

/** CLIP's symmetric InfoNCE; logitScale is the log of the multiplier (a [] or [1] parameter). */
export function infoNce(e: Engine, idx: LossIndices, img: Tensor, txt: Tensor, logitScale: Tensor): Tensor {
  checkPair('InfoNCE', img, txt);
  const B = img.shape[0];
  const i = e.nn.l2normalize(img);
  const t = e.nn.l2normalize(txt);
  const logits = e.ops.mul(e.ops.matmul(i, e.ops.transpose(t)), e.ops.exp(logitScale));
  const target = idx.arange(B);
  const li = e.nn.softmaxCrossEntropy(logits, target);
  const lt = e.nn.softmaxCrossEntropy(e.ops.transpose(logits), target);
  return e.ops.mul(e.ops.add(li, lt), 0.5);
}
