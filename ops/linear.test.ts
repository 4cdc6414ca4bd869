import { describe, expect, it } from 'vitest';
import { numericGrad, read, relFrobenius, randArray, toF32, useEngine } from '../test/helpers.js';
import { act64, f16Value, toF16 } from '../kernels/gemm-reference.js';
import type { Activation } from './nn.js';

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
        const e = E();
        const xs = randArray(rows * inF, 11, -2, 2);
        const Ws = randArray(outF * inF, 12);
        const bs = withBias ? randArray(outF, 13) : undefined;
        const R = randArray(rows * outF, 14); // dL/dy: L = sum(R * y)
        const x = e.tensor(toF32(xs), [B, T, inF], { requiresGrad: true });
        const W = e.tensor(toF32(Ws), [outF, inF], { requiresGrad: true });
        const b = bs ? e.tensor(toF32(bs), [outF], { requiresGrad: true }) : undefined;
        const y = e.nn.linear(x, W, b, act);
        expect(y.shape).toEqual([B, T, outF]);
        const xf = toF32(xs);
        const Wf = toF32(Ws);
        const bf = bs && toF32(bs);
        expect(relFrobenius(await read(y), linearRef(xf, Wf, bf, rows, inF, outF, act))).toBeLessThan(1e-5);

        y.backward(e.tensor(toF32(R), [B, T, outF]));
        const loss = (xx: Float64Array, WW: Float64Array, bb?: Float64Array) => {
          const yy = linearRef(xx, WW, bb, rows, inF, outF, act);
          let s = 0;
          for (let i = 0; i < yy.length; i++) s += R[i] * yy[i];
          return s;
        };
        const x64 = Float64Array.from(xf);
        const W64 = Float64Array.from(Wf);
        const b64 = bf && Float64Array.from(bf);
        const gx = numericGrad((v) => loss(v, W64, b64), x64);
        const gW = numericGrad((v) => loss(x64, v, b64), W64);
        expect(relFrobenius(await read(x.grad!), gx)).toBeLessThan(1e-5);
        expect(relFrobenius(await read(W.grad!), gW)).toBeLessThan(1e-5);
        if (b64) {
          const gb = numericGrad((v) => loss(x64, W64, v), b64);
          expect(relFrobenius(await read(b!.grad!), gb)).toBeLessThan(1e-5);
        }
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
    const e = E();
    const a = randArray(6 * 5, 21);
    const bm = randArray(5 * 3, 22);
    const A = e.tensor(toF32(a), [2, 3, 5], { requiresGrad: true });
    const Bt = e.tensor(toF32(bm), [5, 3], { requiresGrad: true });
    const y = A.matmul(Bt);
    y.sum().backward();
    const got = await read(y);
    // dB = A^T 1, dA = 1 B^T.
    const dB = new Float64Array(15);
    const dA = new Float64Array(30);
    for (let r = 0; r < 6; r++) for (let k = 0; k < 5; k++) for (let n = 0; n < 3; n++) {
      dB[k * 3 + n] += a[r * 5 + k];
      dA[r * 5 + k] += bm[k * 3 + n];
    }
    const want = new Float64Array(18);
    for (let r = 0; r < 6; r++) for (let n = 0; n < 3; n++) for (let k = 0; k < 5; k++) want[r * 3 + n] += toF32(a)[r * 5 + k] * toF32(bm)[k * 3 + n];
    expect(relFrobenius(got, want)).toBeLessThan(1e-5);
    expect(relFrobenius(await read(Bt.grad!), dB)).toBeLessThan(1e-5);
    expect(relFrobenius(await read(A.grad!), dA)).toBeLessThan(1e-5);
  });
});
