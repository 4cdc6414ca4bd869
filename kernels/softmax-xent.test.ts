import { afterEach, describe, expect, it } from 'vitest';
import { ROW_WG } from './row-reduce.js';
import { pinVariants } from './variants.js';
import { assertClose, numericGrad, randArray, read, toF32, useEngine } from '../test/helpers.js';

/** float64 mean loss and its gradient; ex[r] = -1 for no exclusion. */
function xentRef(x: ArrayLike<number>, R: number, C: number, target: number[], ex: number[], s: number) {
  let loss = 0;
  const grad = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) if (j !== ex[r]) m = Math.max(m, s * x[r * C + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) if (j !== ex[r]) sum += Math.exp(s * x[r * C + j] - m);
    loss += m + Math.log(sum) - s * x[r * C + target[r]];
    for (let j = 0; j < C; j++) {
      const p = j === ex[r] ? 0 : Math.exp(s * x[r * C + j] - m) / sum;
      grad[r * C + j] = (s * (p - (j === target[r] ? 1 : 0))) / R;
    }
  }
  return { loss: loss / R, grad };
}

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
      const xt = e.tensor(toF32(x), [R, C], { requiresGrad: true });
      const loss = e.nn.softmaxCrossEntropy(xt, e.tensor(Int32Array.from(target), [R]), {
        logitScale: c.scale,
        exclude: c.exclude ? e.tensor(Int32Array.from(ex), [R]) : undefined,
      });
      expect(loss.shape).toEqual([]);
      const ref = xentRef(x, R, C, target, ex, c.scale);
      const got = await loss.item();
      expect(Math.abs(got - ref.loss)).toBeLessThan(2e-6 * Math.max(1, Math.abs(ref.loss)));
      loss.backward(e.tensor([0.75], []));
      const dx = await read(xt.grad!);
      assertClose(dx, ref.grad.map((v) => 0.75 * v), { rtol: 2e-5, atol: 1e-7 * c.scale, what: 'dlogits' });
    });
  }

  it('stays finite at logits +-1e4 with temperature 0.01', async () => {
    const e = E();
    const [R, C] = [5, 9];
    const x = f32(Array.from({ length: R * C }, (_, i) => ((i * 7919) % 3 === 0 ? 1e4 : (i * 31) % 2 ? -1e4 : 0.5 * (i % 4))));
    const target = [0, 1, 2, 3, 4];
    const ex = [8, -1, 0, 1, 2];
    const xt = e.tensor(toF32(x), [R, C], { requiresGrad: true });
    const loss = e.nn.softmaxCrossEntropy(xt, e.tensor(Int32Array.from(target), [R]), { logitScale: 100, exclude: e.tensor(Int32Array.from(ex), [R]) });
    const ref = xentRef(x, R, C, target, ex, 100);
    const got = await loss.item();
    expect(Number.isFinite(got)).toBe(true);
    expect(got / ref.loss).toBeCloseTo(1, 5);
    loss.backward();
    const dx = await read(xt.grad!);
    expect(dx.every(Number.isFinite)).toBe(true);
    assertClose(dx, ref.grad, { rtol: 1e-5, atol: 1e-5, what: 'dlogits' });
  });

  it('serves NT-Xent (self excluded, positive at i +- B) and both directions of InfoNCE', async () => {
    const e = E();
    const B = 6;
    const n = 2 * B;
    const sim = f32(randArray(n * n, 77));
    const target = Array.from({ length: n }, (_, r) => (r + B) % n);
    const self = Array.from({ length: n }, (_, r) => r);
    const got = await e.nn
      .softmaxCrossEntropy(e.tensor(toF32(sim), [n, n]), e.tensor(Int32Array.from(target), [n]), {
        exclude: e.tensor(Int32Array.from(self), [n]),
        logitScale: 1 / 0.07,
      })
      .item();
    expect(Math.abs(got - xentRef(sim, n, n, target, self, 1 / 0.07).loss)).toBeLessThan(1e-5);

    // CLIP: (CE(L) + CE(L^T)) / 2 with the diagonal as targets; gradient through the transpose.
    const L = f32(randArray(B * B, 78, -3, 3));
    const diag = Int32Array.from({ length: B }, (_, i) => i);
    const Lt = e.tensor(toF32(L), [B, B], { requiresGrad: true });
    const tgt = e.tensor(diag, [B]);
    const loss = e.nn.softmaxCrossEntropy(Lt, tgt).add(e.nn.softmaxCrossEntropy(e.ops.transpose(Lt), tgt)).mul(0.5);
    const LT = new Float64Array(B * B);
    for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) LT[j * B + i] = L[i * B + j];
    const none = new Array(B).fill(-1);
    const a = xentRef(L, B, B, Array.from(diag), none, 1);
    const b = xentRef(LT, B, B, Array.from(diag), none, 1);
    expect(Math.abs((await loss.item()) - (a.loss + b.loss) / 2)).toBeLessThan(1e-5);
    loss.backward();
    const want = new Float64Array(B * B);
    for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) want[i * B + j] = (a.grad[i * B + j] + b.grad[j * B + i]) / 2;
    assertClose(await read(Lt.grad!), want, { rtol: 1e-5, atol: 1e-7, what: 'dL' });
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
