import { describe, expect, it } from 'vitest';
import { useEngine, randArray, toF32, assertClose } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as R from '../test/reference.js';
import { batchNormalize, FeatureMoments } from './feature-norm.js';
import { createModel } from './focusclip.js';
import { makeModelConfig } from './config.js';

let seed = 13000;

/** Float64 batch normalisation of x [G*B, D] per group of B rows, and a weighted sum of it (a scalar to differentiate). */
function refNorm(x: Float64Array, G: number, B: number, D: number, eps = 1e-5): Float64Array {
  const out = new Float64Array(x.length);
  for (let g = 0; g < G; g++) {
    for (let d = 0; d < D; d++) {
      let m = 0, v = 0;
      for (let b = 0; b < B; b++) m += x[(g * B + b) * D + d];
      m /= B;
      for (let b = 0; b < B; b++) v += (x[(g * B + b) * D + d] - m) ** 2;
      v /= B;
      for (let b = 0; b < B; b++) out[(g * B + b) * D + d] = (x[(g * B + b) * D + d] - m) / Math.sqrt(v + eps);
    }
  }
  return out;
}

describe('feature normalisation', () => {
  const E = useEngine();

  it('normalises each group of rows per feature, forward against float64 and backward against finite differences', async () => {
    const [G, B, D] = [2, 7, 5];
    await checkOp(
      E(),
      {
        name: 'batchNormalize 2 groups of 7x5',
        shapes: [[G * B, D]],
        values: [randArray(G * B * D, 3, -2, 3)],
        weights: randArray(G * B * D, 4),
        gpu: (e, x) => batchNormalize(e, x, { groups: G }),
        ref: (x) => R.nd(refNorm(x.data, G, B, D), [G * B, D]),
        forward: { rtol: 1e-5, atol: 1e-5 },
        backward: { atol: 2e-4, rtol: 2e-3 },
        h: 1e-5,
      },
      () => seed++,
    );
  });

  it('uses fixed statistics at inference and rejects a batch it cannot normalise', async () => {
    const e = E();
    const x = e.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const stats = { mean: e.tensor([1, 2], [2]), var: e.tensor([4, 1], [2]) };
    const y = e.scope(() => batchNormalize(e, x, { stats }));
    const s = (v: number) => Math.sqrt(v + 1e-5);
    assertClose(await y.toArray(), [0, 0, 2 / s(4), 2 / s(1), 4 / s(4), 4 / s(1)], { atol: 1e-6 });
    expect(() => batchNormalize(e, x, { groups: 2 })).toThrow('3 rows do not split into 2 groups of at least 2');
    expect(() => batchNormalize(e, e.tensor([1, 2], [2]))).toThrow('features must be [batch, dim]');
    for (const t of [x, y, stats.mean, stats.var]) t.dispose();
  });

  it('accumulates moments over batches in float64', () => {
    const m = new FeatureMoments(2);
    m.add(Float32Array.from([1, 10, 3, 10]));
    m.add(Float32Array.from([5, 13]));
    const r = m.result();
    assertClose(r.mean, [3, 11], { atol: 1e-6 });
    assertClose(r.var, [8 / 3, 2], { atol: 1e-5 });
    expect(() => new FeatureMoments(3).add(new Float32Array(4))).toThrow('4 values are not rows of 3');
  });

  it('calibrates the inference statistics of a model from its features, and inference then uses them', async () => {
    const e = E();
    const cfg = makeModelConfig('tiny', {
      kind: 'clip', loss: 'ntxent', featureNorm: 'batch',
      vision: { imageSize: 16, patchSize: 8, width: 16, depth: 1, heads: 2, mlpDim: 32 },
      text: { vocabSize: 40, contextLength: 6, width: 16, depth: 1, heads: 2, ffnDim: 32 },
      embedDim: 8,
    });
    const m = createModel(e, cfg, { seed: 1 });
    expect([...m.buffers.keys()].sort()).toEqual(['text_norm.running_mean', 'text_norm.running_var', 'visual_norm.running_mean', 'visual_norm.running_var']);
    const n = 9;
    const px = toF32(randArray(n * 3 * 16 * 16, 5, 0, 1));
    const ids = Int32Array.from({ length: n * 6 }, (_, i) => 5 + ((i * 7) % 30));
    const mask = new Float32Array(n * 6).fill(1);
    const batch = () => ({ pixels: e.tensor(px, [n, 3, 16, 16]), ids: e.tensor(ids, [n, 6], { dtype: 'i32' }), mask: e.tensor(mask, [n, 6]) });
    const b = batch();
    await m.calibrateFeatureStats([b]);
    // With the statistics of this very batch, inference equals the batch-statistics path.
    const zInf = e.scope(() => e.noGrad(() => m.encodeImage(b.pixels)));
    const zBatch = e.scope(() => e.noGrad(() => m.encodeImage(b.pixels, { batchStats: true })));
    assertClose(await zInf.toArray(), await zBatch.toArray(), { atol: 1e-4 });
    const tInf = e.scope(() => e.noGrad(() => m.encodeText(b.ids, b.mask)));
    const tBatch = e.scope(() => e.noGrad(() => m.encodeText(b.ids, b.mask, { batchStats: true })));
    assertClose(await tInf.toArray(), await tBatch.toArray(), { atol: 1e-4 });
    m.resetFeatureStats();
    // Identity statistics give other embeddings: inference really reads the stored statistics.
    const zId = e.scope(() => e.noGrad(() => m.encodeImage(b.pixels)));
    const [a, c] = [await zId.toArray(), await zInf.toArray()];
    expect(Math.max(...a.map((v, i) => Math.abs(v - c[i])))).toBeGreaterThan(1e-2);
    for (const t of [...Object.values(b), zInf, zBatch, tInf, tBatch, zId]) t.dispose();
    m.dispose();
  });
});
