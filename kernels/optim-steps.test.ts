// One optimizer step against a float64 reference computed by hand, with and without clipping, and
// the global gradient norm over buffers of awkward sizes.
import { describe, expect, it } from 'vitest';
import { assertClose, randArray, read, toF32, useEngine } from '../test/helpers.js';
import { adamwUpdate, gradNormSquared, sgdMomentumUpdate } from './optim-steps.js';

function norm(g: Float64Array) {
  return Math.sqrt(g.reduce((s, v) => s + v * v, 0));
}

describe('optimizer kernels', () => {
  const E = useEngine();

  for (const n of [1, 7, 257, 70001]) {
    it(`global gradient norm of ${n} values`, async () => {
      const e = E();
      const g = Float64Array.from(toF32(randArray(n, n, -2, 2)));
      const sq = gradNormSquared(e, e.tensor(toF32(g), [n]));
      assertClose(await read(sq), [norm(g) ** 2], { rtol: 1e-5, what: 'sum of squares' });
    });
  }

  for (const clip of [0, 0.5]) {
    it(`SGD momentum, two steps${clip ? ', clipped' : ''}`, async () => {
      const e = E();
      const n = 33;
      let p = Float64Array.from(toF32(randArray(n, 1)));
      const gs = [Float64Array.from(toF32(randArray(n, 2))), Float64Array.from(toF32(randArray(n, 3)))];
      const lr = 0.1, mom = 0.9, wd = 0.01;
      const P = e.tensor(toF32(p), [n]);
      const buf = e.zeros([n]);
      let b = new Float64Array(n);
      for (const g of gs) {
        const G = e.tensor(toF32(g), [n]);
        const nrm = norm(g);
        const sq = gradNormSquared(e, G);
        const N = sq.sqrt();
        sgdMomentumUpdate(e, { params: P, grads: G, buf, norm: N, clipNorm: clip, lr, weightDecay: wd, momentum: mom });
        const scale = clip > 0 ? Math.min(1, clip / (nrm + 1e-6)) : 1;
        b = b.map((bi, i) => mom * bi + g[i] * scale + wd * p[i]);
        p = p.map((pi, i) => pi - lr * b[i]);
      }
      assertClose(await read(P), p, { rtol: 1e-5, atol: 1e-6, what: 'params' });
      assertClose(await read(buf), b, { rtol: 1e-5, atol: 1e-6, what: 'momentum' });
    });
  }

  it('AdamW, three steps with bias correction and decoupled weight decay', async () => {
    const e = E();
    const n = 17;
    let p = Float64Array.from(toF32(randArray(n, 4)));
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05, clip = 1.0;
    const P = e.tensor(toF32(p), [n]);
    const M = e.zeros([n]);
    const V = e.zeros([n]);
    let m = new Float64Array(n);
    let v = new Float64Array(n);
    for (let t = 1; t <= 3; t++) {
      const g = Float64Array.from(toF32(randArray(n, 10 + t, -3, 3)));
      const G = e.tensor(toF32(g), [n]);
      adamwUpdate(e, { params: P, grads: G, m: M, v: V, norm: gradNormSquared(e, G).sqrt(), clipNorm: clip, lr, weightDecay: wd, beta1: b1, beta2: b2, eps, step: t });
      const s = Math.min(1, clip / (norm(g) + 1e-6));
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i] * s);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * (g[i] * s) ** 2);
      p = p.map((pi, i) => pi * (1 - lr * wd) - (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps));
    }
    assertClose(await read(P), p, { rtol: 1e-5, atol: 1e-6, what: 'params' });
    assertClose(await read(V), v, { rtol: 1e-4, atol: 1e-9, what: 'second moment' });
  });

  it('rejects buffers of different layouts and step 0', () => {
    const e = E();
    const a = e.zeros([5]);
    const b = e.zeros([6]);
    expect(() => sgdMomentumUpdate(e, { params: a, grads: b, buf: a, norm: e.zeros([1]), clipNorm: 0, lr: 1, weightDecay: 0, momentum: 0 })).toThrow(/same layout/);
    expect(() => adamwUpdate(e, { params: a, grads: a, m: a, v: a, norm: e.zeros([1]), clipNorm: 0, lr: 1, weightDecay: 0, beta1: 0.9, beta2: 0.9, eps: 1e-8, step: 0 })).toThrow(/step must start at 1/);
  });
});
