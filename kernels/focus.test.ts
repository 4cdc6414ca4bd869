import { describe, it, expect } from 'vitest';
import { useEngine, read, assertClose, numericGrad, randArray } from '../test/helpers.js';
import { focus } from '../ops/focus.js';

/** float64 reference: I * (a' + (1 - a') H), a' = clamp(a, 0, 1) when clampA. */
function focusRef(img: Float64Array, heat: Float64Array, a: number, shape: number[], clampA: boolean): Float64Array {
  const [B, C, H, W] = shape;
  const plane = H * W;
  const av = clampA ? Math.min(1, Math.max(0, a)) : a;
  const out = new Float64Array(img.length);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let q = 0; q < plane; q++) {
        const i = (b * C + c) * plane + q;
        out[i] = img[i] * (av + (1 - av) * heat[b * plane + q]);
      }
  return out;
}

function dot(x: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * w[i];
  return s;
}

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
      const e = E();
      const [B, C, H, W] = shape;
      const n = B * C * H * W;
      const img = randArray(n, 1, 0, 1);
      const heat = randArray(B * H * W, 2, 0, 1);
      const w = randArray(n, 3); // dL/dout: L = sum(w * out)
      const tImg = e.tensor(Float32Array.from(img), shape, { requiresGrad: true });
      const tHeat = e.tensor(Float32Array.from(heat), [B, 1, H, W], { requiresGrad: true });
      const tA = e.tensor([a], [1], { requiresGrad: true });
      const out = focus(e, tImg, tHeat, tA, { clampA });
      // Inputs were rounded to f32: the reference sees the same values.
      const img32 = Float64Array.from(Float32Array.from(img));
      const heat32 = Float64Array.from(Float32Array.from(heat));
      const a32 = Math.fround(a);
      assertClose(await read(out), focusRef(img32, heat32, a32, shape, clampA), { atol: 1e-6, rtol: 1e-6, what: 'forward' });

      out.backward(e.tensor(Float32Array.from(w), shape));
      const gImg = numericGrad((x) => dot(focusRef(x, heat32, a32, shape, clampA), w), Float64Array.from(img32), 1e-4);
      const gHeat = numericGrad((x) => dot(focusRef(img32, x, a32, shape, clampA), w), Float64Array.from(heat32), 1e-4);
      const gA = numericGrad((x) => dot(focusRef(img32, heat32, x[0], shape, clampA), w), Float64Array.of(a32), 1e-4)[0];
      assertClose(await read(tImg.grad!), gImg, { atol: 1e-5, rtol: 1e-4, what: 'dImage' });
      assertClose(await read(tHeat.grad!), gHeat, { atol: 1e-5, rtol: 1e-4, what: 'dHeatmap' });
      assertClose(await read(tA.grad!), [gA], { atol: 1e-5, rtol: 1e-4, what: 'da' });
      if (clampA && a > 1) expect(await tA.grad!.item()).toBe(0);
      else expect(Math.abs(gA)).toBeGreaterThan(1e-2); // a real gradient was checked
    });
  }

  it('sums da over a large batch (the tree-reduction path) and passes it at the clamp boundary', async () => {
    const e = E();
    const shape = [2, 3, 224, 224];
    const [B, C, H, W] = shape;
    const img = Float32Array.from(randArray(B * C * H * W, 4, 0, 1));
    const heat = Float32Array.from(randArray(B * H * W, 5, 0, 1));
    const w = Float32Array.from(randArray(img.length, 6));
    const tA = e.tensor([1], [1], { requiresGrad: true });
    const out = focus(e, e.tensor(img, shape), e.tensor(heat, [B, 1, H, W]), tA, { clampA: true });
    out.backward(e.tensor(w, shape));
    let want = 0;
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let q = 0; q < H * W; q++) {
          const i = (b * C + c) * H * W + q;
          want += w[i] * img[i] * (1 - heat[b * H * W + q]);
        }
    // a = 1 exactly is inside the closed interval: the gradient passes.
    assertClose([await tA.grad!.item()], [want], { rtol: 1e-4, atol: 1e-3, what: 'da' });
    expect(Math.abs(want)).toBeGreaterThan(1);
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
