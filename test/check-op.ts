// One check for a differentiable op: the GPU forward against a float64 reference fed the same
// f32-rounded inputs, and the GPU backward (of sum(w * y) for random weights w) against finite
// differences of that reference. Shapes are the caller's: pick awkward ones (1, 7, 33, 257, primes,
// broadcasting corners, rank 0).

import { expect } from 'vitest';
import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { assertClose, numericGrad, randArray, read, toF32 } from './helpers.js';
import * as R from './reference.js';

export interface OpCase {
  name: string;
  shapes: number[][];
  /** Value range per input (default [-1, 1]). */
  ranges?: [number, number][];
  gpu: (e: Engine, ...xs: Tensor[]) => Tensor;
  ref: (...xs: R.Nd[]) => R.Nd;
  rtol?: number;
  /** Skip the gradient check (non-differentiable op). */
  noGrad?: boolean;
}

/** Checks `c` on `e`; `nextSeed` gives the seed of each random array (inputs, then weights). */
export async function checkOp(e: Engine, c: OpCase, nextSeed: () => number): Promise<void> {
  // Reference inputs are the f32-rounded values, so only the arithmetic differs.
  const xs = c.shapes.map((s, i) => {
    const [lo, hi] = c.ranges?.[i] ?? [-1, 1];
    return Float64Array.from(toF32(randArray(s.reduce((a, b) => a * b, 1), nextSeed(), lo, hi)));
  });
  const expected = c.ref(...xs.map((x, i) => R.nd(x, c.shapes[i])));
  const w = Float64Array.from(toF32(randArray(expected.data.length, nextSeed(), 0.5, 1.5)));
  const grads = await e.scope(async () => {
    const ts = xs.map((x, i) => e.tensor(toF32(x), c.shapes[i], { requiresGrad: !c.noGrad }));
    const y = c.gpu(e, ...ts);
    expect(y.shape).toEqual(expected.shape);
    assertClose(await read(y), expected.data, { rtol: c.rtol ?? 1e-5, atol: 1e-6, what: `${c.name} forward` });
    if (c.noGrad) return [];
    const loss = y.mul(e.tensor(toF32(w), expected.shape)).sum();
    loss.backward();
    const out = [];
    for (const t of ts) {
      out.push(await read(t.grad!));
      t.grad!.dispose();
    }
    return out;
  });
  if (c.noGrad) return;
  xs.forEach((x, i) => {
    const f = (v: Float64Array) => R.sumAll(R.zip(c.ref(...xs.map((xx, j) => R.nd(j === i ? v : xx, c.shapes[j]))), R.nd(w, expected.shape), (a, b) => a * b));
    const num = numericGrad(f, Float64Array.from(x));
    assertClose(grads[i], num, { rtol: 1e-4, atol: 1e-4, what: `${c.name} grad of input ${i}` });
  });
}
