// The linear layer (fused GEMM + bias + activation) through checkOp (test/check-op.ts), its f16
// forward, and its shape errors; the matmul op on the GEMM.
import { describe, expect, it } from 'vitest';
import { relFrobenius, randArray, useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as R from '../test/reference.js';
import { act64, f16Value, toF16 } from '../kernels/gemm-reference.js';
import type { Activation } from './nn.js';

let seed = 2000;
const nextSeed = () => seed++;

/** float64 y = act(x W^T + b) for x [rows, inF], W [outF, inF]. */
function linearRef(x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number> | undefined, rows: number, inF: number, outF: number, act: Activation): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * W[o * inF + i];
      y[r * outF + o] = act64(act, s);
    }
  return y;
}

describe('linear (fused GEMM + bias + activation, with backward)', () => {
  const E = useEngine();
  const [B, T, inF, outF] = [2, 3, 5, 7];
  const rows = B * T;
  for (const act of ['none', 'relu', 'gelu'] as Activation[]) {
    for (const withBias of [true, false]) {
      it(`${act}${withBias ? ' + bias' : ''}: forward vs float64, gradients vs finite differences`, async () => {
        const xs = randArray(rows * inF, 11, -2, 2);
        const Ws = randArray(outF * inF, 12);
        const bs = withBias ? randArray(outF, 13) : undefined;
        await checkOp(
          E(),
          {
            name: `linear ${act}${withBias ? ' + bias' : ''}`,
            shapes: withBias ? [[B, T, inF], [outF, inF], [outF]] : [[B, T, inF], [outF, inF]],
            values: [xs, Ws, bs],
            weights: randArray(rows * outF, 14), // dL/dy: L = sum(w * y)
            gpu: (e, x, W, b) => e.nn.linear(x, W, b, act),
            ref: (x, W, b) => R.nd(linearRef(x.data, W.data, b?.data, rows, inF, outF, act), [B, T, outF]),
            forward: { frobenius: 1e-5 },
            backward: { frobenius: 1e-5 },
          },
          nextSeed,
        );
      });
    }
  }

  it('f16 tensors run the f16 GEMM forward (bias + gelu), and refuse to train', async (ctx) => {
    const e = E();
    if (!e.hasF16) {
      console.log(`linear f16 test skipped: adapter ${e.adapter.vendor} ${e.adapter.device} lacks 'shader-f16'`);
      return ctx.skip();
    }
    const [rows16, in16, out16] = [10, 33, 7];
    const xs = toF16(randArray(rows16 * in16, 31, -2, 2));
    const Ws = toF16(randArray(out16 * in16, 32));
    const bs = toF16(randArray(out16, 33));
    const y = e.nn.linear(e.tensor(xs.bits, [rows16, in16]), e.tensor(Ws.bits, [out16, in16]), e.tensor(bs.bits, [out16]), 'gelu');
    expect(y.dtype).toBe('f16');
    const got = Array.from((await y.toArray()) as Uint16Array, f16Value);
    // f16 output rounding (<= 2^-11 relative per element) on f32 accumulation.
    expect(relFrobenius(got, linearRef(xs.values, Ws.values, bs.values, rows16, in16, out16, 'gelu'))).toBeLessThan(1e-3);
    const W = e.tensor(Ws.bits, [out16, in16], { requiresGrad: true });
    expect(() => e.nn.linear(e.tensor(xs.bits, [rows16, in16]), W)).toThrow(/f16 is forward-only/);
    expect(() => e.nn.linear(e.zeros([2, 3]), e.zeros([4, 3], 'f16'))).toThrow(/must all be f32 or all f16/);
  });

  it('names both shapes when the weight does not fit', () => {
    const e = E();
    expect(() => e.nn.linear(e.zeros([4, 6]), e.zeros([3, 5]))).toThrow(/weight \[3, ?5\] does not fit input \[4, ?6\]/);
    expect(() => e.nn.linear(e.zeros([4, 5]), e.zeros([3, 5]), e.zeros([4]))).toThrow(/bias \[4\] does not fit weight/);
  });

  it('matmul forward and backward run on the GEMM (transposed operands, no copies)', async () => {
    // y = A B, loss = sum(y): dB = A^T 1, dA = 1 B^T.
    await checkOp(
      E(),
      {
        name: 'matmul [2,3,5]@[5,3]',
        shapes: [[2, 3, 5], [5, 3]],
        values: [randArray(6 * 5, 21), randArray(5 * 3, 22)],
        weights: new Float64Array(18).fill(1),
        gpu: (e, A, Bt) => A.matmul(Bt),
        ref: (A, Bt) => R.matmul(A, Bt),
        refGrad: (w, A, Bt) => {
          const dB = new Float64Array(15);
          const dA = new Float64Array(30);
          for (let r = 0; r < 6; r++) for (let k = 0; k < 5; k++) for (let n = 0; n < 3; n++) {
            dB[k * 3 + n] += A.data[r * 5 + k] * w.data[r * 3 + n];
            dA[r * 5 + k] += Bt.data[k * 3 + n] * w.data[r * 3 + n];
          }
          return [dA, dB];
        },
        forward: { frobenius: 1e-5 },
        backward: { frobenius: 1e-5 },
      },
      nextSeed,
    );
  });
});
