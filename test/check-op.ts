// One check for a differentiable op, run on the tape as model code runs it: the GPU forward against
// a float64 reference fed the same f32-rounded inputs, and the GPU backward of sum(w * y) (weights w,
// random or given) against finite differences of that reference, or against an analytic float64
// gradient (`refGrad`) where finite differences would take too long; a test that gives `refGrad`
// checks it against finite differences on small shapes. Shapes are the caller's: pick awkward ones
// (1, 7, 33, 257, primes, broadcasting corners, rank 0).

import { expect } from 'vitest';
import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { assertClose, numericGrad, randArray, read, relFrobenius, toF32 } from './helpers.js';
import * as R from './reference.js';

/** Elementwise max |a - b| / (atol + rtol |b|) <= 1, a relative Frobenius error below a bound, or bit equality. */
export type Tolerance = { rtol: number; atol: number } | { frobenius: number } | 'exact';

export interface OpCase {
  name: string;
  shapes: number[][];
  /** Value range per input (default [-1, 1]) for inputs without `values`. */
  ranges?: [number, number][];
  /** Fixed values per input (f32 inputs are rounded to f32); the others are random. */
  values?: (ArrayLike<number> | undefined)[];
  /** Inputs that are data, never differentiated: f32 masks, or with `ints` i32 ids and targets. */
  data?: readonly number[];
  /** Inputs passed as i32 (ids, targets); they are data. */
  ints?: readonly number[];
  gpu: (e: Engine, ...xs: Tensor[]) => Tensor;
  ref: (...xs: R.Nd[]) => R.Nd;
  /** Analytic float64 gradients of sum(w * ref(xs)), one per input (undefined for data inputs). */
  refGrad?: (w: R.Nd, ...xs: R.Nd[]) => (ArrayLike<number> | undefined)[];
  /** The weights w of the loss sum(w * y), i.e. the gradient y receives: random in [0.5, 1.5] unless given (rounded to f32). */
  weights?: ArrayLike<number>;
  /** Forward rtol with the default atol 1e-6 (when `forward` is not given). */
  rtol?: number;
  forward?: Tolerance;
  /** One tolerance for every input's gradient, or one per input (default rtol 1e-4, atol 1e-4). */
  backward?: Tolerance | (Tolerance | undefined)[];
  /** Finite-difference step (default 1e-6). */
  h?: number;
  /** Skip the gradient check (non-differentiable op). */
  noGrad?: boolean;
}

/** What a check saw: inputs and weights (float64, as the reference got them), the GPU output and
 *  gradients (undefined for data inputs), and the reference output and gradients. */
export interface OpResult {
  xs: Float64Array[];
  w: Float64Array;
  y: Float32Array;
  expected: R.Nd;
  grads: (Float32Array | undefined)[];
  expectedGrads: (ArrayLike<number> | undefined)[];
}

function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  if (tol === 'exact') expect(Array.from(actual), what).toEqual(Array.from(expected));
  else if ('frobenius' in tol) expect(relFrobenius(actual, expected), what).toBeLessThan(tol.frobenius);
  else assertClose(actual, expected, { rtol: tol.rtol, atol: tol.atol, what });
}

/** Checks `c` on `e`; `nextSeed` gives the seed of each random array (random inputs, then weights). */
export async function checkOp(e: Engine, c: OpCase, nextSeed: () => number): Promise<OpResult> {
  const ints = new Set(c.ints ?? []);
  const data = new Set([...(c.data ?? []), ...ints]);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  // Reference inputs are the f32-rounded values, so only the arithmetic differs.
  const xs = c.shapes.map((s, i) => {
    const given = c.values?.[i];
    if (given && ints.has(i)) return Float64Array.from(given);
    const [lo, hi] = c.ranges?.[i] ?? [-1, 1];
    return Float64Array.from(toF32(given ?? randArray(size(s), nextSeed(), lo, hi)));
  });
  const nds = () => xs.map((x, i) => R.nd(x, c.shapes[i]));
  const expected = c.ref(...nds());
  const w = Float64Array.from(toF32(c.weights ?? randArray(expected.data.length, nextSeed(), 0.5, 1.5)));
  const needsGrad = (i: number) => !c.noGrad && !data.has(i);
  const { y, grads } = await e.scope(async () => {
    const ts = xs.map((x, i) => e.tensor(ints.has(i) ? Int32Array.from(x) : toF32(x), c.shapes[i], { requiresGrad: needsGrad(i) }));
    const out = c.gpu(e, ...ts);
    expect(out.shape).toEqual(expected.shape);
    const yv = await read(out);
    compare(yv, expected.data, c.forward ?? { rtol: c.rtol ?? 1e-5, atol: 1e-6 }, `${c.name} forward`);
    const gs: (Float32Array | undefined)[] = [];
    if (!c.noGrad) {
      out.mul(e.tensor(toF32(w), expected.shape)).sum().backward();
      for (const [i, t] of ts.entries()) {
        if (!needsGrad(i)) {
          gs.push(undefined);
          continue;
        }
        gs.push(await read(t.grad!));
        t.grad!.dispose();
      }
    }
    return { y: yv, grads: gs };
  });
  const result: OpResult = { xs, w, y, expected, grads, expectedGrads: [] };
  if (c.noGrad) return result;
  const analytic = c.refGrad?.(R.nd(w, expected.shape), ...nds());
  xs.forEach((x, i) => {
    if (!needsGrad(i)) {
      result.expectedGrads.push(undefined);
      return;
    }
    // sum(w * ref(xs)) with input i replaced by v, left to right.
    const f = (v: Float64Array) => {
      const yv = c.ref(...xs.map((xx, j) => R.nd(j === i ? v : xx, c.shapes[j]))).data;
      let sum = 0;
      for (let k = 0; k < yv.length; k++) sum += yv[k] * w[k];
      return sum;
    };
    const want = analytic ? analytic[i]! : numericGrad(f, Float64Array.from(x), c.h);
    result.expectedGrads.push(want);
    const tol = Array.isArray(c.backward) ? c.backward[i] : c.backward;
    compare(grads[i]!, want, tol ?? { rtol: 1e-4, atol: 1e-4 }, `${c.name} grad of input ${i}`);
  });
  return result;
}
