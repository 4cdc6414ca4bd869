// The tape walker's direct gradient slots: a parameter whose gradient slot is known to be zero gets
// its first gradient written straight into the slot by the rule (linear, layerNorm, embedding), and
// every other contribution is added as before. Checked against the same graph run through the
// temporary-and-add path, and against sums that must come out twice.
import { describe, expect, it } from 'vitest';
import { randArray, toF32, useEngine } from '../test/helpers.js';
import type { Engine } from './engine.js';
import type { Tensor } from '../engine/tensor.js';

function param(e: Engine, data: Float64Array, shape: number[]): Tensor {
  const t = e.tensor(toF32(data), shape, { requiresGrad: true });
  t.grad = e.keep(e.zeros(shape));
  return t;
}

async function grads(ps: Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ps.map(async (p) => (await p.grad!.toArray()) as Float32Array));
}

/** Accumulate dispatches recorded while fn runs (undefined without timestamp queries). */
async function accumulateLaunches(e: Engine, fn: () => void): Promise<number | undefined> {
  if (!e.hasTimestamps) {
    fn();
    return undefined;
  }
  e.startProfiling();
  fn();
  const k = await e.stopProfiling();
  return k.filter((x) => x.kernel.startsWith('accumulate')).reduce((s, x) => s + x.count, 0);
}

describe('autograd: gradients written straight into zeroed parameter slots', () => {
  const E = useEngine();
  const [rows, inF, outF, V] = [13, 9, 11, 7];

  /** A small graph with a linear + GELU, a LayerNorm, an embedding and W used twice. */
  function build(e: Engine) {
    const W1 = param(e, randArray(outF * inF, 1), [outF, inF]);
    const b1 = param(e, randArray(outF, 2), [outF]);
    const W2 = param(e, randArray(inF * outF, 3), [inF, outF]);
    const lnW = param(e, randArray(outF, 4, 0.5, 1.5), [outF]);
    const lnB = param(e, randArray(outF, 5), [outF]);
    const table = param(e, randArray(V * inF, 6), [V, inF]);
    const ids = e.tensor(Int32Array.from({ length: rows }, (_, i) => (i * 5) % V), [rows], { dtype: 'i32' });
    const loss = () =>
      e.scope(() => {
        const x = e.nn.embedding(table, ids);
        const h = e.nn.layerNorm(e.nn.linear(x, W1, b1, 'gelu'), lnW, lnB, 1e-5);
        // W1 again: its second use must be added to what the first wrote into the slot.
        const y = e.ops.add(e.nn.linear(h, W2, undefined, 'none'), e.nn.linear(e.nn.linear(x, W1, undefined, 'none'), W2, undefined, 'none'));
        const l = e.ops.sum(e.ops.mul(y, y));
        l.backward();
      });
    return { params: [W1, b1, W2, lnW, lnB, table], loss };
  }

  it('equal the temporary-and-add path, with fewer accumulate dispatches; a second backward adds', async () => {
    const e = E();
    const direct = build(e);
    for (const p of direct.params) p.grad!.knownZero = true;
    const nDirect = await accumulateLaunches(e, direct.loss);
    for (const p of direct.params) expect(p.grad!.knownZero).toBe(false);
    const viaAdd = build(e);
    const nAdd = await accumulateLaunches(e, viaAdd.loss);
    const [gd, ga] = [await grads(direct.params), await grads(viaAdd.params)];
    for (let i = 0; i < gd.length; i++) {
      expect(gd[i].some((v) => v !== 0)).toBe(true);
      // Adding to zero is exact, and the sums of several contributions run in the same order.
      expect(Array.from(gd[i])).toEqual(Array.from(ga[i]));
    }
    if (nDirect !== undefined && nAdd !== undefined) {
      // Six parameters; only W1 and W2 (used twice each) still need an add.
      expect(nAdd).toBeGreaterThanOrEqual(6);
      expect(nDirect).toBeLessThanOrEqual(nAdd - 4);
    }
    // Without zeroing, a second backward adds the same gradients again: twice the first.
    direct.loss();
    const twice = await grads(direct.params);
    for (let i = 0; i < twice.length; i++) {
      for (let j = 0; j < twice[i].length; j++) expect(twice[i][j]).toBeCloseTo(2 * gd[i][j], 4);
    }
  });

  it('a parameter that is two inputs of one op gets both gradients', async () => {
    // LayerNorm's rule writes its weight and bias gradients itself: with one tensor as both, a
    // direct write of each would leave only the second in the slot.
    const e = E();
    const [r, D] = [5, 8];
    const xd = randArray(r * D, 8, -2, 2);
    const wd = randArray(D, 9, 0.5, 1.5);
    const w = param(e, wd, [D]);
    w.grad!.knownZero = true;
    const x = e.tensor(toF32(xd), [r, D]);
    e.scope(() => {
      const y = e.nn.layerNorm(x, w, w, 1e-5);
      e.ops.sum(e.ops.mul(y, y)).backward();
    });
    // y = n * w + w with n the normalised row: dL/dw_c = sum_r 2 y_rc (n_rc + 1), in float64.
    const want = new Float64Array(D);
    for (let i = 0; i < r; i++) {
      let mean = 0;
      for (let c = 0; c < D; c++) mean += xd[i * D + c] / D;
      let v = 0;
      for (let c = 0; c < D; c++) v += (xd[i * D + c] - mean) ** 2 / D;
      for (let c = 0; c < D; c++) {
        const n = (xd[i * D + c] - mean) / Math.sqrt(v + 1e-5);
        want[c] += 2 * (n * wd[c] + wd[c]) * (n + 1);
      }
    }
    const g = (await w.grad!.toArray()) as Float32Array;
    for (let c = 0; c < D; c++) expect(g[c]).toBeCloseTo(want[c], 3);
  });
});
