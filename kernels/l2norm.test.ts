import { afterEach, describe, expect, it } from 'vitest';
import { ROW_WG } from './row-reduce.js';
import { pinVariants } from './variants.js';
import { assertClose, numericGrad, randArray, toF32, useEngine } from '../test/helpers.js';
import { checkOp, type OpCase } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { l2GradRef, l2Ref } from './reference.js';

let seed = 5000;
const nextSeed = () => seed++;

/** l2normalize of x [R, D] with the seed gradient g, against the float64 rule and its analytic gradient. */
const l2Case = (R: number, D: number, eps: number, x: Float64Array, g: Float64Array, backward: OpCase['backward']): OpCase => ({
  name: `l2normalize ${R}x${D}`,
  shapes: [[R, D]],
  values: [x],
  weights: g,
  gpu: (e, xt) => (eps === 1e-12 ? e.nn.l2normalize(xt) : e.nn.l2normalize(xt, eps)),
  ref: (xr) => Ref.nd(l2Ref(xr.data, R, D, eps), [R, D]),
  refGrad: (w, xr) => [l2GradRef(xr.data, w.data, R, D, eps)],
  forward: { rtol: 1e-5, atol: 1e-7 },
  backward,
});

const f32 = (a: ArrayLike<number>) => Float64Array.from(toF32(a));

describe('l2normalize', () => {
  const E = useEngine();
  afterEach(() => pinVariants(E(), { rowLanes: undefined }));

  it('the float64 gradient matches finite differences', () => {
    const [R, D] = [3, 5];
    const x = randArray(R * D, 1);
    const g = randArray(R * D, 2);
    const fd = numericGrad((a) => l2Ref(a, R, D, 1e-12).reduce((s, v, i) => s + v * g[i], 0), x);
    assertClose(l2GradRef(x, g, R, D, 1e-12), fd, { rtol: 1e-6, atol: 1e-9 });
  });

  for (const lanes of [1, ROW_WG] as const)
  for (const [R, D, mag] of [
    [1, 1, 1],
    [7, 17, 1],
    [33, 129, 1e-20],
    [5, 768, 1e20],
    [2, 512, 1],
  ] as const) {
    it(`${lanes === 1 ? 'row per invocation' : 'row per workgroup'}: forward and backward, rows ${R}, width ${D}, magnitude ${mag}`, async () => {
      const e = E();
      pinVariants(e, { rowLanes: lanes });
      const x = f32(randArray(R * D, R + D, -mag, mag));
      const g = f32(randArray(R * D, 3));
      const want = l2GradRef(x, g, R, D, 1e-12);
      const scale = Math.max(...want.map(Math.abs));
      const { grads } = await checkOp(e, l2Case(R, D, 1e-12, x, g, { rtol: 1e-4, atol: 1e-6 * Math.max(scale, 1e-30) }), nextSeed);
      expect(grads[0]!.every(Number.isFinite)).toBe(true);
    });
  }

  it('a row below eps is divided by eps (the clamp), forward and backward', async () => {
    const eps = 1e-3;
    const x = f32([1e-4, -2e-4, 3, 4]);
    const g = f32([0.5, -1, 2, 1]);
    await checkOp(E(), l2Case(2, 2, eps, x, g, { rtol: 1e-5, atol: 1e-6 }), nextSeed);
  });
});
