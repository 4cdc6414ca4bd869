// Fused ops of ops/nn.ts through checkOp (test/check-op.ts), on awkward sizes. Each kernel
// family's own test covers its layouts and numerical corners; this one checks the ops as recorded
// on the tape, gradient rule included, against the same float64 definition.
import { describe, it } from 'vitest';
import type { Engine } from './engine.js';
import { useEngine } from '../test/helpers.js';
import { checkOp, type OpCase } from '../test/check-op.js';
import * as R from '../test/reference.js';
import { erfc64 } from '../kernels/gemm-reference.js';

let seed = 1000;
const nextSeed = () => seed++;

const gelu = (x: number) => x * 0.5 * erfc64(-x / Math.SQRT2);

/** Row-wise over the last axis. */
function rows(a: R.Nd, f: (row: Float64Array) => Float64Array): R.Nd {
  const C = a.shape[a.shape.length - 1];
  const out = new Float64Array(a.data.length);
  for (let r = 0; r < a.data.length / C; r++) out.set(f(a.data.subarray(r * C, (r + 1) * C)), r * C);
  return R.nd(out, a.shape);
}

const softmaxRow = (x: Float64Array) => {
  const m = Math.max(...x);
  const ex = x.map((v) => Math.exp(v - m));
  const s = ex.reduce((p, v) => p + v, 0);
  return ex.map((v) => v / s);
};

const layerNormRow = (w: Float64Array, b: Float64Array, eps: number) => (x: Float64Array) => {
  const mean = x.reduce((p, v) => p + v, 0) / x.length;
  const varc = x.reduce((p, v) => p + (v - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(varc + eps)) * w[i] + b[i]);
};

const linearRef = (x: R.Nd, W: R.Nd, b: R.Nd, act: (v: number) => number) =>
  R.map(R.zip(R.matmul(x, R.permute(W, [1, 0])), b, (p, q) => p + q), act);

const cases: OpCase[] = [
  { name: 'gelu [7,33]', shapes: [[7, 33]], ranges: [[-4, 4]], gpu: (e, x) => e.nn.gelu(x), ref: (x) => R.map(x, gelu) },
  { name: 'gelu [1]', shapes: [[1]], gpu: (e, x) => e.nn.gelu(x), ref: (x) => R.map(x, gelu) },
  { name: 'softmax [7,33]', shapes: [[7, 33]], ranges: [[-3, 3]], gpu: (e, x) => e.nn.softmax(x), ref: (x) => rows(x, softmaxRow) },
  { name: 'softmax [3,1]', shapes: [[3, 1]], gpu: (e, x) => e.nn.softmax(x), ref: (x) => rows(x, softmaxRow) },
  { name: 'softmax [2,3,17]', shapes: [[2, 3, 17]], ranges: [[-3, 3]], gpu: (e, x) => e.nn.softmax(x), ref: (x) => rows(x, softmaxRow) },
  {
    name: 'layerNorm [7,33]',
    shapes: [[7, 33], [33], [33]],
    ranges: [[-2, 2], [0.5, 1.5], [-1, 1]],
    gpu: (e, x, w, b) => e.nn.layerNorm(x, w, b, 1e-5),
    ref: (x, w, b) => rows(x, layerNormRow(w.data, b.data, 1e-5)),
    rtol: 1e-4,
  },
  {
    name: 'linear + gelu [7,33] -> 5',
    shapes: [[7, 33], [5, 33], [5]],
    gpu: (e, x, W, b) => e.nn.linear(x, W, b, 'gelu'),
    ref: (x, W, b) => linearRef(x, W, b, gelu),
    rtol: 1e-4,
  },
  {
    name: 'linear + relu [2,3,9] -> 1',
    shapes: [[2, 3, 9], [1, 9], [1]],
    gpu: (e, x, W, b) => e.nn.linear(x, W, b, 'relu'),
    ref: (x, W, b) => linearRef(x, W, b, (v) => Math.max(v, 0)),
    rtol: 1e-4,
  },
];

describe('nn: forward vs float64, backward vs finite differences', () => {
  const E = useEngine();
  const check = (e: Engine, c: OpCase) => checkOp(e, c, nextSeed);
  for (const c of cases) it(c.name, () => check(E(), c));
});
