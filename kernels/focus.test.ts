import { describe, it, expect } from 'vitest';
import { useEngine, randArray } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { focus } from '../ops/focus.js';
import { focusRef } from './reference.js';

let seed = 10000;
const nextSeed = () => seed++;

describe('focus op', () => {
  const E = useEngine();

  const cases: { shape: number[]; a: number; clampA: boolean }[] = [
    { shape: [1, 3, 1, 1], a: 0.5, clampA: false },
    { shape: [2, 3, 23, 37], a: 0.3, clampA: true },
    { shape: [3, 3, 7, 5], a: -0.2, clampA: false }, // unclamped a may leave [0, 1]
    { shape: [2, 1, 9, 4], a: 1.4, clampA: true }, // clamped to 1: output = image, no gradient to a
  ];

  for (const { shape, a, clampA } of cases) {
    it(`forward and gradients match finite differences of the float64 reference (${shape.join('x')}, a=${a}, clampA=${clampA})`, async () => {
      const [B, C, H, W] = shape;
      const n = B * C * H * W;
      // Inputs are rounded to f32: the reference sees the same values.
      const { grads, expectedGrads } = await checkOp(
        E(),
        {
          name: `focus ${shape.join('x')}`,
          shapes: [shape, [B, 1, H, W], [1]],
          values: [randArray(n, 1, 0, 1), randArray(B * H * W, 2, 0, 1), [a]],
          weights: randArray(n, 3), // dL/dout: L = sum(w * out)
          gpu: (e, img, heat, at) => focus(e, img, heat, at, { clampA }),
          ref: (img, heat, ar) => Ref.nd(focusRef(img.data, heat.data, ar.data[0], shape, clampA), shape),
          forward: { atol: 1e-6, rtol: 1e-6 },
          backward: { atol: 1e-5, rtol: 1e-4 },
          h: 1e-4,
        },
        nextSeed,
      );
      const gA = expectedGrads[2]![0];
      if (clampA && a > 1) expect(grads[2]![0]).toBe(0);
      else expect(Math.abs(gA)).toBeGreaterThan(1e-2); // a real gradient was checked
    });
  }

  it('sums da over a large batch (the tree-reduction path) and passes it at the clamp boundary', async () => {
    const shape = [2, 3, 224, 224];
    const [B, C, H, W] = shape;
    const { expectedGrads } = await checkOp(
      E(),
      {
        name: 'focus, da over 2x3x224x224',
        shapes: [shape, [B, 1, H, W], [1]],
        values: [randArray(B * C * H * W, 4, 0, 1), randArray(B * H * W, 5, 0, 1), [1]],
        data: [0, 1],
        weights: randArray(B * C * H * W, 6),
        gpu: (e, img, heat, at) => focus(e, img, heat, at, { clampA: true }),
        ref: (img, heat, ar) => Ref.nd(focusRef(img.data, heat.data, ar.data[0], shape, true), shape),
        // a = 1 exactly is inside the closed interval: the gradient passes.
        refGrad: (w, img, heat) => {
          let want = 0;
          for (let b = 0; b < B; b++)
            for (let c = 0; c < C; c++)
              for (let q = 0; q < H * W; q++) {
                const i = (b * C + c) * H * W + q;
                want += w.data[i] * img.data[i] * (1 - heat.data[b * H * W + q]);
              }
          return [undefined, undefined, [want]];
        },
        forward: { atol: 1e-6, rtol: 1e-6 },
        backward: { rtol: 1e-4, atol: 1e-3 },
      },
      nextSeed,
    );
    expect(Math.abs(expectedGrads[2]![0])).toBeGreaterThan(1);
  });

  it('records nothing under noGrad and only the gradients asked for', async () => {
    const e = E();
    const img = e.tensor(Float32Array.from(randArray(12, 7, 0, 1)), [1, 3, 2, 2]);
    const heat = e.tensor(Float32Array.from(randArray(4, 8, 0, 1)), [1, 1, 2, 2]);
    const a = e.tensor([0.5], [1], { requiresGrad: true });
    expect(e.noGrad(() => focus(e, img, heat, a)).requiresGrad).toBe(false);
    const out = focus(e, img, heat, a);
    expect(out.requiresGrad).toBe(true);
    out.sum().backward();
    expect(img.grad).toBeUndefined();
    expect(heat.grad).toBeUndefined();
    expect(a.grad!.shape).toEqual([1]);
  });

  it('rejects mismatched shapes with both shapes in the message', () => {
    const e = E();
    const a = e.tensor([0.5], [1]);
    expect(() => focus(e, e.zeros([2, 3, 4, 5]), e.zeros([2, 1, 5, 4]), a)).toThrow(/heatmap must be \[2, ?1, ?4, ?5\] to match image \[2, ?3, ?4, ?5\], got \[2, ?1, ?5, ?4\]/);
    expect(() => focus(e, e.zeros([3, 4, 5]), e.zeros([1, 4, 5]), a)).toThrow(/image must be \[batch, channels, height, width\]/);
    expect(() => focus(e, e.zeros([1, 3, 2, 2]), e.zeros([1, 1, 2, 2]), e.zeros([2]))).toThrow(/a must hold one value/);
  });
});
