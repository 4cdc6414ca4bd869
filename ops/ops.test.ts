// Every op of ops/ops.ts through checkOp (test/check-op.ts): forward against the float64
// reference (test/reference.ts) and backward against finite differences of it, on awkward sizes.
import { describe, expect, it } from 'vitest';
import type { Engine } from './engine.js';
import { useEngine } from '../test/helpers.js';
import { checkOp, type OpCase } from '../test/check-op.js';
import * as R from '../test/reference.js';

let seed = 1;
const nextSeed = () => seed++;
const check = (e: Engine, c: OpCase) => checkOp(e, c, nextSeed);

const pos: [number, number] = [0.2, 3];

const cases: OpCase[] = [
  // binary with broadcasting corners: leading dims, size-1 dims on both sides, rank-0
  { name: 'add [7,1,33]+[5,1]', shapes: [[7, 1, 33], [5, 1]], gpu: (e, a, b) => a.add(b), ref: (a, b) => R.zip(a, b, (x, y) => x + y) },
  { name: 'add [257]+[]', shapes: [[257], []], gpu: (e, a, b) => a.add(b), ref: (a, b) => R.zip(a, b, (x, y) => x + y) },
  { name: 'add [1]+[3,1,2]', shapes: [[1], [3, 1, 2]], gpu: (e, a, b) => a.add(b), ref: (a, b) => R.zip(a, b, (x, y) => x + y) },
  { name: 'sub [7,33]-[33]', shapes: [[7, 33], [33]], gpu: (e, a, b) => a.sub(b), ref: (a, b) => R.zip(a, b, (x, y) => x - y) },
  { name: 'sub [1,7]-[5,1]', shapes: [[1, 7], [5, 1]], gpu: (e, a, b) => a.sub(b), ref: (a, b) => R.zip(a, b, (x, y) => x - y) },
  { name: 'mul [33,7]*[33,1]', shapes: [[33, 7], [33, 1]], gpu: (e, a, b) => a.mul(b), ref: (a, b) => R.zip(a, b, (x, y) => x * y) },
  { name: 'mul same shape [257]', shapes: [[257], [257]], gpu: (e, a, b) => a.mul(b), ref: (a, b) => R.zip(a, b, (x, y) => x * y) },
  { name: 'div [7,5]/[5]', shapes: [[7, 5], [5]], ranges: [[-1, 1], pos], gpu: (e, a, b) => a.div(b), ref: (a, b) => R.zip(a, b, (x, y) => x / y) },
  { name: 'add scalar', shapes: [[7, 3]], gpu: (e, a) => a.add(2.5), ref: (a) => R.map(a, (x) => x + 2.5) },
  { name: 'sub scalar', shapes: [[33]], gpu: (e, a) => a.sub(-1.25), ref: (a) => R.map(a, (x) => x + 1.25) },
  { name: 'mul scalar', shapes: [[1, 7]], gpu: (e, a) => a.mul(-3), ref: (a) => R.map(a, (x) => -3 * x) },
  { name: 'div scalar', shapes: [[5, 1]], gpu: (e, a) => a.div(0.75), ref: (a) => R.map(a, (x) => x / 0.75) },
  // unary
  { name: 'neg', shapes: [[7, 33]], gpu: (e, a) => a.neg(), ref: (a) => R.map(a, (x) => -x) },
  { name: 'exp', shapes: [[257]], ranges: [[-3, 3]], gpu: (e, a) => a.exp(), ref: (a) => R.map(a, Math.exp), rtol: 2e-5 },
  { name: 'log', shapes: [[33, 7]], ranges: [pos], gpu: (e, a) => a.log(), ref: (a) => R.map(a, Math.log), rtol: 2e-5 },
  { name: 'sqrt', shapes: [[7]], ranges: [pos], gpu: (e, a) => a.sqrt(), ref: (a) => R.map(a, Math.sqrt) },
  { name: 'relu', shapes: [[33, 9]], gpu: (e, a) => a.relu(), ref: (a) => R.map(a, (x) => Math.max(x, 0)) },
  { name: 'tanh', shapes: [[257]], ranges: [[-3, 3]], gpu: (e, a) => a.tanh(), ref: (a) => R.map(a, Math.tanh), rtol: 2e-5 },
  // reductions: every axis, keepDims, full, and long axes (the workgroup-per-output variant)
  { name: 'sum axis 0', shapes: [[7, 5, 3]], gpu: (e, a) => a.sum(0), ref: (a) => R.reduce(a, 0, 'sum') },
  { name: 'sum axis 1 keepDims', shapes: [[7, 5, 3]], gpu: (e, a) => a.sum(1, true), ref: (a) => R.reduce(a, 1, 'sum', true) },
  { name: 'sum axis -1', shapes: [[7, 5, 33]], gpu: (e, a) => a.sum(-1), ref: (a) => R.reduce(a, 2, 'sum') },
  { name: 'sum all', shapes: [[33, 7]], gpu: (e, a) => a.sum(), ref: (a) => R.nd([R.sumAll(a)], []) },
  { name: 'sum long axis', shapes: [[2, 521]], gpu: (e, a) => a.sum(1), ref: (a) => R.reduce(a, 1, 'sum'), rtol: 1e-4 },
  { name: 'mean axis 0', shapes: [[257, 3]], gpu: (e, a) => a.mean(0), ref: (a) => R.reduce(a, 0, 'mean'), rtol: 1e-4 },
  // Column sums of wide rows (bias gradients) take the chunked column kernel: vec4 columns, a ragged
  // last chunk of rows, and a scalar variant (inner % 4 != 0) under an outer axis. Forward only: their
  // backward is the broadcast tested above, and finite differences over 10k inputs take ~15 s.
  { name: 'sum axis 0 columns [301,36]', shapes: [[301, 36]], gpu: (e, a) => a.sum(0), ref: (a) => R.reduce(a, 0, 'sum'), rtol: 1e-4, noGrad: true },
  { name: 'mean axis 1 columns [2,131,33]', shapes: [[2, 131, 33]], gpu: (e, a) => a.mean(1), ref: (a) => R.reduce(a, 1, 'mean'), rtol: 1e-4, noGrad: true },
  { name: 'mean all', shapes: [[7, 1, 33]], gpu: (e, a) => a.mean(), ref: (a) => R.nd([R.sumAll(a) / a.data.length], []) },
  { name: 'max axis 1', shapes: [[7, 33]], gpu: (e, a) => a.max(1), ref: (a) => R.reduce(a, 1, 'max') },
  { name: 'max axis 0 keepDims', shapes: [[5, 7, 2]], gpu: (e, a) => a.max(0, true), ref: (a) => R.reduce(a, 0, 'max', true) },
  { name: 'max long axis', shapes: [[1, 700]], gpu: (e, a) => a.max(1), ref: (a) => R.reduce(a, 1, 'max') },
  // layout
  { name: 'reshape', shapes: [[7, 6]], gpu: (e, a) => a.reshape([3, -1, 7]).mul(a.reshape([3, 2, 7])), ref: (a) => R.zip(R.nd(a.data, [3, 2, 7]), R.nd(a.data, [3, 2, 7]), (x, y) => x * y) },
  { name: 'transpose 2d', shapes: [[7, 33]], gpu: (e, a) => a.transpose(), ref: (a) => R.permute(a, [1, 0]) },
  { name: 'transpose [2,0,1]', shapes: [[3, 5, 7]], gpu: (e, a) => a.transpose([2, 0, 1]), ref: (a) => R.permute(a, [2, 0, 1]) },
  { name: 'transpose 4d heads', shapes: [[2, 5, 3, 4]], gpu: (e, a) => a.transpose([0, 2, 1, 3]), ref: (a) => R.permute(a, [0, 2, 1, 3]) },
  // The ViT's QKV split (vec4 runs of hd = 12) and a permutation with size-1 dims (dropped) and a merged pair.
  { name: 'transpose qkv split [2,0,3,1,4]', shapes: [[2, 5, 3, 2, 12]], gpu: (e, a) => a.transpose([2, 0, 3, 1, 4]), ref: (a) => R.permute(a, [2, 0, 3, 1, 4]) },
  { name: 'transpose size-1 dims [3,0,1,2]', shapes: [[1, 7, 3, 5]], gpu: (e, a) => a.transpose([3, 0, 1, 2]), ref: (a) => R.permute(a, [3, 0, 1, 2]) },
  { name: 'slice middle axis', shapes: [[3, 17, 5]], gpu: (e, a) => a.slice(1, 4, 11), ref: (a) => R.slice(a, 1, 4, 11) },
  { name: 'slice last axis', shapes: [[7, 33]], gpu: (e, a) => a.slice(-1, 32, 33), ref: (a) => R.slice(a, 1, 32, 33) },
  { name: 'concat axis 1', shapes: [[3, 2, 5], [3, 7, 5], [3, 1, 5]], gpu: (e, a, b, c) => e.ops.concat([a, b, c], 1), ref: (a, b, c) => R.concat([a, b, c], 1) },
  { name: 'concat axis 0', shapes: [[1, 33], [7, 33]], gpu: (e, a, b) => e.ops.concat([a, b], 0), ref: (a, b) => R.concat([a, b], 0) },
  // Rows that are whole vec4s (inner % 4 == 0) move 4 floats per lane: the ViT's CLS concat and QKV slices.
  { name: 'slice vec4 rows [3,9,8]', shapes: [[3, 9, 8]], gpu: (e, a) => a.slice(1, 2, 7), ref: (a) => R.slice(a, 1, 2, 7) },
  { name: 'concat vec4 rows axis 1', shapes: [[2, 1, 12], [2, 5, 12]], gpu: (e, a, b) => e.ops.concat([a, b], 1), ref: (a, b) => R.concat([a, b], 1) },
  // matmul: odd sizes, 1s, batch, a weight shared over the batch
  { name: 'matmul [7,33]@[33,5]', shapes: [[7, 33], [33, 5]], gpu: (e, a, b) => a.matmul(b), ref: R.matmul },
  { name: 'matmul [1,1]@[1,1]', shapes: [[1, 1], [1, 1]], gpu: (e, a, b) => a.matmul(b), ref: R.matmul },
  { name: 'matmul batched [3,7,17]@[3,17,1]', shapes: [[3, 7, 17], [3, 17, 1]], gpu: (e, a, b) => a.matmul(b), ref: R.matmul },
  { name: 'matmul shared [2,5,9]@[9,4]', shapes: [[2, 5, 9], [9, 4]], gpu: (e, a, b) => a.matmul(b), ref: R.matmul },
  { name: 'matmul [33,129]@[129,3]', shapes: [[33, 129], [129, 3]], gpu: (e, a, b) => a.matmul(b), ref: R.matmul, rtol: 1e-4 },
  // composition: a tensor used twice accumulates both gradients
  {
    name: 'x*x + exp(x) (reuse)',
    shapes: [[7, 5]],
    gpu: (e, a) => a.mul(a).add(a.exp()),
    ref: (a) => R.map(a, (x) => x * x + Math.exp(x)),
    rtol: 2e-5,
  },
  {
    name: 'log-softmax composite',
    shapes: [[5, 7]],
    gpu: (e, a) => a.sub(a.exp().sum(1, true).log()),
    ref: (a) => {
      const lse = R.map(R.reduce(R.map(a, Math.exp), 1, 'sum', true), Math.log);
      return R.zip(a, lse, (x, l) => x - l);
    },
    rtol: 2e-5,
  },
];

describe('ops: forward vs float64, backward vs finite differences', () => {
  const E = useEngine();
  for (const c of cases) it(c.name, () => check(E(), c));

  it('leaves no live memory behind', async () => {
    const e = E();
    const before = e.memory().liveBytes;
    await check(e, cases[0]);
    await check(e, cases[cases.length - 1]);
    expect(e.memory().liveBytes).toBe(before);
  });
});
