import { afterEach, describe, expect, it } from 'vitest';
import { ROW_WG } from './row-reduce.js';
import { pinVariants } from './variants.js';
import { assertClose, numericGrad, randArray, toF32, useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { xentRef } from './reference.js';

let seed = 7000;
const nextSeed = () => seed++;

const f32 = (a: ArrayLike<number>) => Float64Array.from(toF32(a));

describe('softmaxCrossEntropy', () => {
  const E = useEngine();
  afterEach(() => pinVariants(E(), { rowLanes: undefined }));

  it('the float64 gradient matches finite differences (with exclusion and scale)', () => {
    const [R, C, s] = [4, 6, 2.5];
    const x = randArray(R * C, 1);
    const target = [1, 0, 5, 3];
    const ex = [2, -1, 0, 4];
    const ref = xentRef(x, R, C, target, ex, s);
    assertClose(ref.grad, numericGrad((a) => xentRef(a, R, C, target, ex, s).loss, x), { rtol: 1e-6, atol: 1e-9, what: 'grad' });
  });

  const cases: { R: number; C: number; scale: number; exclude: boolean; lo?: number; hi?: number }[] = [
    { R: 1, C: 1, scale: 1, exclude: false },
    { R: 7, C: 17, scale: 1, exclude: false },
    { R: 33, C: 129, scale: 14.3, exclude: true },
    { R: 7, C: 512, scale: 100, exclude: true },
    { R: 3, C: 768, scale: 1, exclude: false, lo: -30, hi: 30 },
  ];
  for (const lanes of [1, ROW_WG] as const)
  for (const c of cases) {
    it(`${lanes === 1 ? 'row per invocation' : 'row per workgroup'}: loss and gradient: rows ${c.R}, classes ${c.C}, scale ${c.scale}${c.exclude ? ', excluding a column' : ''}`, async () => {
      const e = E();
      pinVariants(e, { rowLanes: lanes });
      const { R, C } = c;
      const x = f32(randArray(R * C, R * 31 + C, c.lo ?? -1, c.hi ?? 1));
      const target = Array.from({ length: R }, (_, r) => (r * 7 + 3) % C);
      const ex = Array.from({ length: R }, (_, r) => (c.exclude ? (target[r] + 1 + (r % (C - 1))) % C : -1));
      const ref = xentRef(x, R, C, target, ex, c.scale);
      await checkOp(
        e,
        {
          name: `softmaxCrossEntropy ${R}x${C}`,
          shapes: [[R, C], [R], [R]],
          values: [x, target, ex],
          ints: [1, 2],
          weights: [0.75],
          gpu: (_, xt, tt, et) => e.nn.softmaxCrossEntropy(xt, tt, { logitScale: c.scale, exclude: c.exclude ? et : undefined }),
          ref: (xr) => Ref.nd([xentRef(xr.data, R, C, target, ex, c.scale).loss], []),
          refGrad: (w, xr) => [xentRef(xr.data, R, C, target, ex, c.scale).grad.map((v) => w.data[0] * v)],
          forward: { rtol: 0, atol: 2e-6 * Math.max(1, Math.abs(ref.loss)) },
          backward: { rtol: 2e-5, atol: 1e-7 * c.scale },
        },
        nextSeed,
      );
    });
  }

  it('stays finite at logits +-1e4 with temperature 0.01', async () => {
    const [R, C] = [5, 9];
    const x = f32(Array.from({ length: R * C }, (_, i) => ((i * 7919) % 3 === 0 ? 1e4 : (i * 31) % 2 ? -1e4 : 0.5 * (i % 4))));
    const target = [0, 1, 2, 3, 4];
    const ex = [8, -1, 0, 1, 2];
    const { y, grads } = await checkOp(
      E(),
      {
        name: 'softmaxCrossEntropy at +-1e4',
        shapes: [[R, C], [R], [R]],
        values: [x, target, ex],
        ints: [1, 2],
        weights: [1],
        gpu: (e, xt, tt, et) => e.nn.softmaxCrossEntropy(xt, tt, { logitScale: 100, exclude: et }),
        ref: (xr) => Ref.nd([xentRef(xr.data, R, C, target, ex, 100).loss], []),
        refGrad: (w, xr) => [xentRef(xr.data, R, C, target, ex, 100).grad.map((v) => w.data[0] * v)],
        // got / ref within 5e-6 of 1.
        forward: { rtol: 5e-6, atol: 0 },
        backward: { rtol: 1e-5, atol: 1e-5 },
      },
      nextSeed,
    );
    expect(Number.isFinite(y[0])).toBe(true);
    expect(grads[0]!.every(Number.isFinite)).toBe(true);
  });

  it('serves NT-Xent (self excluded, positive at i +- B) and both directions of InfoNCE', async () => {
    const B = 6;
    const n = 2 * B;
    const sim = f32(randArray(n * n, 77));
    const target = Array.from({ length: n }, (_, r) => (r + B) % n);
    const self = Array.from({ length: n }, (_, r) => r);
    await checkOp(
      E(),
      {
        name: 'NT-Xent',
        shapes: [[n, n], [n], [n]],
        values: [sim, target, self],
        ints: [1, 2],
        gpu: (e, st, tt, selfT) => e.nn.softmaxCrossEntropy(st, tt, { exclude: selfT, logitScale: 1 / 0.07 }),
        ref: (sr) => Ref.nd([xentRef(sr.data, n, n, target, self, 1 / 0.07).loss], []),
        forward: { rtol: 0, atol: 1e-5 },
        noGrad: true,
      },
      nextSeed,
    );

    // CLIP: (CE(L) + CE(L^T)) / 2 with the diagonal as targets; gradient through the transpose.
    const L = f32(randArray(B * B, 78, -3, 3));
    const diag = Array.from({ length: B }, (_, i) => i);
    const none = new Array(B).fill(-1);
    const both = (l: ArrayLike<number>) => {
      const LT = new Float64Array(B * B);
      for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) LT[j * B + i] = l[i * B + j];
      return [xentRef(l, B, B, diag, none, 1), xentRef(LT, B, B, diag, none, 1)];
    };
    await checkOp(
      E(),
      {
        name: 'InfoNCE both ways',
        shapes: [[B, B], [B]],
        values: [L, diag],
        ints: [1],
        weights: [1],
        gpu: (e, Lt, tgt) => e.nn.softmaxCrossEntropy(Lt, tgt).add(e.nn.softmaxCrossEntropy(e.ops.transpose(Lt), tgt)).mul(0.5),
        ref: (Lr) => {
          const [a, b] = both(Lr.data);
          return Ref.nd([(a.loss + b.loss) / 2], []);
        },
        refGrad: (w, Lr) => {
          const [a, b] = both(Lr.data);
          const want = new Float64Array(B * B);
          for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) want[i * B + j] = (w.data[0] * (a.grad[i * B + j] + b.grad[j * B + i])) / 2;
          return [want];
        },
        forward: { rtol: 0, atol: 1e-5 },
        backward: { rtol: 1e-5, atol: 1e-7 },
      },
      nextSeed,
    );
  });

  it('marks invalid targets with NaN and rejects bad shapes with a clear message', async () => {
    const e = E();
    const x = e.tensor(toF32(randArray(6, 3)), [2, 3]);
    const loss = e.nn.softmaxCrossEntropy(x, e.tensor(Int32Array.from([1, 3]), [2]));
    expect(Number.isNaN(await loss.item())).toBe(true);
    const self = e.nn.softmaxCrossEntropy(x, e.tensor(Int32Array.from([1, 2]), [2]), { exclude: e.tensor(Int32Array.from([1, -1]), [2]) });
    expect(Number.isNaN(await self.item())).toBe(true);
    expect(() => e.nn.softmaxCrossEntropy(x, e.tensor([1, 2], [2]))).toThrow(/target must be i32 \[2\]/);
    expect(() => e.nn.softmaxCrossEntropy(x, e.tensor(Int32Array.from([1, 2, 0]), [3]))).toThrow(/target must be i32 \[2\]/);
  });

  it('under noGrad writes no gradient buffer', async () => {
    const e = E();
    const x = e.tensor(toF32(randArray(12, 9)), [3, 4], { requiresGrad: true });
    const before = e.memory().liveBytes;
    const loss = e.noGrad(() => e.nn.softmaxCrossEntropy(x, e.tensor(Int32Array.from([0, 1, 2]), [3])));
    expect(loss.requiresGrad).toBe(false);
    // Only the scalar loss and the target remain alive.
    expect(e.memory().liveBytes - before).toBeLessThanOrEqual(2 * 256);
  });
});
