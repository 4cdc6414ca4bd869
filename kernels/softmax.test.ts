import { afterEach, describe, expect, it } from 'vitest';
import { ROW_WG } from './row-reduce.js';
import { softmaxVariant } from './softmax.js';
import { pinVariants } from './variants.js';
import { fixedSubgroupSize } from './gemm.js';
import { assertClose, numericGrad, randArray, toF32, useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { softmaxGradRef, softmaxRef } from './reference.js';

let seed = 4000;
const nextSeed = () => seed++;

const f32 = (a: ArrayLike<number>) => Float64Array.from(toF32(a));

describe('softmax', () => {
  const E = useEngine();
  afterEach(() => {
    pinVariants(E(), { rowLanes: undefined, softmax: undefined });
  });

  it('the float64 gradient matches finite differences', () => {
    const [R, C] = [3, 7];
    const x = randArray(R * C, 1, -3, 3);
    const g = randArray(R * C, 2);
    const got = softmaxGradRef(softmaxRef(x, R, C), g, R, C);
    const fd = numericGrad((a) => softmaxRef(a, R, C).reduce((s, v, i) => s + v * g[i], 0), x);
    assertClose(got, fd, { rtol: 1e-6, atol: 1e-9 });
  });

  const layouts = [
    ['row per invocation', 'rows', 1],
    ['row per workgroup', 'rows', ROW_WG],
    ['row per subgroup', 'subgroup', undefined],
  ] as const;
  for (const [layout, impl, lanes] of layouts)
  for (const [R, C, spread] of [
    [1, 1, 1],
    [7, 17, 3],
    [33, 129, 10],
    [3, 768, 1],
    [2, 513, 1e4],
    [9, 512, 30],
    [11, 300, 5],
    [3, 1028, 5],
  ] as const) {
    it(`${layout}: forward and backward, rows ${R}, width ${C}, logits +-${spread}`, async (ctx) => {
      const e = E();
      if (impl === 'subgroup' && !fixedSubgroupSize(e)) ctx.skip();
      pinVariants(e, { rowLanes: lanes, softmax: impl });
      // Rows wider than 16 units (f32, or vec4 when C % 4 == 0) per lane fall back to 'rows'
      // (on lavapipe's 8-lane subgroups: widths 129, 513, 768 and 1028 here).
      const perLane = Math.ceil((C % 4 ? C : C / 4) / (fixedSubgroupSize(e) ?? 1));
      expect(softmaxVariant(e, C)).toBe(impl === 'subgroup' && perLane <= 16 ? 'subgroup' : 'rows');
      const x = f32(randArray(R * C, R + C, -spread, spread));
      const g = f32(randArray(R * C, 5));
      const { y } = await checkOp(
        e,
        {
          name: `softmax ${R}x${C}`,
          shapes: [[R, C]],
          values: [x],
          weights: g,
          gpu: (_, xt) => e.nn.softmax(xt),
          ref: (xr) => Ref.nd(softmaxRef(xr.data, R, C), [R, C]),
          refGrad: (w, xr) => [softmaxGradRef(softmaxRef(xr.data, R, C), w.data, R, C)],
          forward: { rtol: 1e-5, atol: 1e-7 },
          backward: { rtol: 1e-4, atol: 1e-6 },
        },
        nextSeed,
      );
      expect(y.every(Number.isFinite)).toBe(true);
    });
  }
});
