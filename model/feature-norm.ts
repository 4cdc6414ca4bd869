// Batch normalisation of the pooled features before each projection (BatchNorm1d without affine
// parameters, as in SimCLR's projection heads). Trained from scratch on our captions, whose words
// are mostly shared template, every pooled caption starts at nearly one point (pairwise cosine
// 0.98) and the contrastive loss first collapses all embeddings there; normalising each feature
// over the batch removes that common component, so the loss sees the differences from step 0
// (scripts/study measurements in README.md). Training uses the batch's statistics; inference uses
// statistics measured over a fixed calibration set of training samples after training ("precise
// BN"), so optimisation never writes them and resume stays exact.

import type { Engine } from '../ops/engine.js';
import type { ParamSpec } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import type { ModelConfig } from './config.js';

export const FEATURE_NORM_EPS = 1e-5;

/** The statistics buffers (PyTorch BatchNorm1d names) of a config with featureNorm 'batch'. */
export function featureNormSpecs(cfg: ModelConfig): ParamSpec[] {
  if (cfg.featureNorm !== 'batch') return [];
  const out: ParamSpec[] = [];
  for (const [tower, width] of [['visual', cfg.vision.width], ['text', cfg.text.width]] as const) {
    out.push({ name: `${tower}_norm.running_mean`, shape: [width] }, { name: `${tower}_norm.running_var`, shape: [width] });
  }
  return out;
}

/**
 * x [groups * B, D] normalised per feature over each group of B rows (groups > 1: FocusCLIP's raw
 * and focused views, which PyTorch would normalise in separate calls), with the batch's biased
 * variance; or with fixed statistics when given (inference).
 */
export function batchNormalize(e: Engine, x: Tensor, o: { groups?: number; stats?: { mean: Tensor; var: Tensor } } = {}): Tensor {
  const { ops } = e;
  if (x.rank !== 2) throw new Error(`batchNormalize: features must be [batch, dim], got ${x.describe()}.`);
  const [N, D] = x.shape;
  if (o.stats) return ops.div(ops.sub(x, o.stats.mean), ops.sqrt(ops.add(o.stats.var, FEATURE_NORM_EPS)));
  const G = o.groups ?? 1;
  if (N % G || N / G < 2) throw new Error(`batchNormalize: ${N} rows do not split into ${G} groups of at least 2 (batch statistics need a batch).`);
  const g = ops.reshape(x, [G, N / G, D]);
  const c = ops.sub(g, ops.mean(g, 1, true));
  const v = ops.mean(ops.mul(c, c), 1, true);
  return ops.reshape(ops.div(c, ops.sqrt(ops.add(v, FEATURE_NORM_EPS))), [N, D]);
}

/** Per-feature mean and biased variance accumulated in float64 over batches of host features. */
export class FeatureMoments {
  private n = 0;
  private s: Float64Array;
  private s2: Float64Array;
  constructor(readonly dim: number) {
    this.s = new Float64Array(dim);
    this.s2 = new Float64Array(dim);
  }
  add(rows: Float32Array): void {
    if (rows.length % this.dim) throw new Error(`FeatureMoments: ${rows.length} values are not rows of ${this.dim}.`);
    for (let i = 0; i < rows.length; i++) {
      const k = i % this.dim;
      this.s[k] += rows[i];
      this.s2[k] += rows[i] * rows[i];
    }
    this.n += rows.length / this.dim;
  }
  result(): { mean: Float32Array; var: Float32Array } {
    if (this.n < 2) throw new Error(`FeatureMoments: need at least 2 samples, got ${this.n}.`);
    const mean = new Float32Array(this.dim);
    const v = new Float32Array(this.dim);
    for (let k = 0; k < this.dim; k++) {
      const m = this.s[k] / this.n;
      mean[k] = m;
      v[k] = Math.max(0, this.s2[k] / this.n - m * m);
    }
    return { mean, var: v };
  }
}
