import { afterEach, describe, expect, it } from 'vitest';
import { ROW_WG } from './row-reduce.js';
import { pinVariants } from './variants.js';
import { assertClose, numericGrad, randArray, read, toF32, useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { layerNormGradRef, layerNormRef } from './reference.js';

let seed = 6000;
const nextSeed = () => seed++;

const f32 = (a: ArrayLike<number>) => Float64Array.from(toF32(a));

describe('layerNorm', () => {
  const E = useEngine();
  afterEach(() => pinVariants(E(), { rowLanes: undefined }));

  it('the analytic float64 gradient matches finite differences', () => {
    const [R, D, eps] = [3, 17, 1e-6];
    const x = randArray(R * D, 1, -2, 2);
    const w = randArray(D, 2, 0.5, 1.5);
    const b = randArray(D, 3);
    const g = randArray(R * D, 4);
    const loss = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => layerNormRef(xx, ww, bb, R, D, eps).reduce((s, v, i) => s + v * g[i], 0);
    const ref = layerNormGradRef(x, w, g, R, D, eps);
    assertClose(ref.dx, numericGrad((a) => loss(a, w, b), x), { rtol: 1e-6, atol: 1e-8, what: 'dx' });
    assertClose(ref.dw, numericGrad((a) => loss(x, a, b), w), { rtol: 1e-6, atol: 1e-8, what: 'dw' });
    assertClose(ref.db, numericGrad((a) => loss(x, w, a), b), { rtol: 1e-6, atol: 1e-8, what: 'db' });
  });

  for (const lanes of [1, ROW_WG] as const)
  for (const [R, D, eps] of [
    [1, 1, 1e-6],
    [7, 17, 1e-6],
    [33, 129, 1e-12],
    [5, 768, 1e-12],
    [130, 33, 1e-5],
    [9, 64, 1e-5],
  ] as const) {
    it(`${lanes === 1 ? 'row per invocation' : 'row per workgroup'}: forward and backward, rows ${R}, width ${D}, eps ${eps}`, async () => {
      const e = E();
      pinVariants(e, { rowLanes: lanes });
      // An offset mean and a spread of scales per row: the variance pass must not cancel.
      const x = f32(randArray(R * D, 10 + D, -1, 1).map((v, i) => 3 + v * (1 + (i % 5))));
      const w = f32(randArray(D, 11, 0.5, 1.5));
      const b = f32(randArray(D, 12));
      const g = f32(randArray(R * D, 13));
      await checkOp(
        e,
        {
          name: `layerNorm ${R}x${D}`,
          shapes: [[R, D], [D], [D]],
          values: [x, w, b],
          weights: g,
          gpu: (_, xt, wt, bt) => e.nn.layerNorm(xt, wt, bt, eps),
          ref: (xr, wr, br) => Ref.nd(layerNormRef(xr.data, wr.data, br.data, R, D, eps), [R, D]),
          refGrad: (gr, xr, wr) => {
            const ref = layerNormGradRef(xr.data, wr.data, gr.data, R, D, eps);
            return [ref.dx, ref.dw, ref.db];
          },
          forward: { rtol: 1e-5, atol: 2e-6 },
          backward: [
            { rtol: 1e-4, atol: 1e-5 },
            { rtol: 1e-5, atol: 1e-5 * Math.sqrt(R) },
            { rtol: 1e-5, atol: 1e-5 * Math.sqrt(R) },
          ],
        },
        nextSeed,
      );
    });
  }

  it('handles [batch, seq, dim] inputs and rejects a mismatched weight', async () => {
    const e = E();
    const x = e.randn([2, 3, 8], { seed: 5 });
    const y = e.nn.layerNorm(x, e.full([8], 1), e.zeros([8]), 1e-6);
    expect(y.shape).toEqual([2, 3, 8]);
    const v = await read(y);
    // Each row: mean 0, variance ~1.
    for (let r = 0; r < 6; r++) {
      const row = Array.from(v.slice(r * 8, r * 8 + 8));
      const m = row.reduce((s, a) => s + a, 0) / 8;
      expect(Math.abs(m)).toBeLessThan(1e-6);
      expect(row.reduce((s, a) => s + (a - m) ** 2, 0) / 8).toBeCloseTo(1, 4);
    }
    expect(() => e.nn.layerNorm(x, e.zeros([7]), e.zeros([8]), 1e-6)).toThrow(/weight .*\[7\].* must be \[8\]/);
  });
});
