import { describe, expect, it } from 'vitest';
import { assertClose, randArray, read, toF32, useEngine } from '../test/helpers.js';
import { adamwStep, applyClip, gradNorm, sgdStep } from './optim.js';
import { adamwRef, sgdRef } from './reference.js';

const f32 = (a: ArrayLike<number>) => Float64Array.from(toF32(a));

describe('optimizers', () => {
  const E = useEngine();

  it('SGD with momentum and weight decay: two steps against a float64 hand computation (chunked)', async () => {
    const e = E();
    const n = 1000;
    const p0 = f32(randArray(n, 1));
    const g1 = f32(randArray(n, 2));
    const g2 = f32(randArray(n, 3));
    const [lr, mu, wd] = [0.1, 0.9, 0.01];
    const params = e.tensor(toF32(p0), [n]);
    const grads = e.tensor(toF32(g1), [n]);
    const buf = e.zeros([n]);
    // 128-element chunks: 8 launches per step, the last one partial.
    sgdStep(e, { params, grads, momentum: buf }, { lr, momentum: mu, weightDecay: wd, maxChunkElements: 128 });
    e.write(grads, toF32(g2));
    sgdStep(e, { params, grads, momentum: buf }, { lr, momentum: mu, weightDecay: wd, maxChunkElements: 128 });
    // step 1: d = g + wd p; buf = d; p -= lr buf. step 2: buf = mu buf + d.
    const { params: want, momentum: wantBuf } = sgdRef(p0, [g1, g2], { lr, momentum: mu, weightDecay: wd });
    assertClose(await read(params), want, { rtol: 1e-6, atol: 1e-7, what: 'params' });
    assertClose(await read(buf), wantBuf, { rtol: 1e-6, atol: 1e-7, what: 'momentum' });
  });

  it('updates whole arenas through their `all` view (padding between tensors included)', async () => {
    const e = E();
    const specs = [
      { name: 'w', shape: [5, 3] },
      { name: 'b', shape: [7] },
    ];
    const P = e.arena('params', specs);
    const G = e.arena('grads', specs);
    const M = e.arena('momentum', specs);
    const w0 = f32(randArray(15, 20));
    const gw = f32(randArray(15, 21));
    const gb = f32(randArray(7, 22));
    e.write(P.tensors.get('w')!, toF32(w0));
    e.write(G.tensors.get('w')!, toF32(gw));
    e.write(G.tensors.get('b')!, toF32(gb));
    const clip = gradNorm(e, G.all, 0.5);
    sgdStep(e, { params: P.all, grads: G.all, momentum: M.all }, { lr: 0.1, momentum: 0.9, clip });
    const norm = Math.sqrt([...gw, ...gb].reduce((a, x) => a + x * x, 0));
    const coef = Math.min(1, 0.5 / (norm + 1e-6));
    assertClose(await read(P.tensors.get('w')!), w0.map((w, i) => w - 0.1 * coef * gw[i]), { rtol: 1e-6, atol: 1e-7, what: 'w' });
    assertClose(await read(P.tensors.get('b')!), gb.map((g) => -0.1 * coef * g), { rtol: 1e-6, atol: 1e-7, what: 'b' });
  });

  it('SGD without momentum and with Nesterov', async () => {
    const e = E();
    const n = 33;
    const p0 = f32(randArray(n, 4));
    const g = f32(randArray(n, 5));
    const a = e.tensor(toF32(p0), [n]);
    sgdStep(e, { params: a, grads: e.tensor(toF32(g), [n]) }, { lr: 0.5 });
    assertClose(await read(a), p0.map((p, i) => p - 0.5 * g[i]), { rtol: 1e-6, atol: 1e-7 });
    const b = e.tensor(toF32(p0), [n]);
    sgdStep(e, { params: b, grads: e.tensor(toF32(g), [n]), momentum: e.zeros([n]) }, { lr: 0.5, momentum: 0.9, nesterov: true });
    // First step: buf = g, d = g + 0.9 g.
    assertClose(await read(b), p0.map((p, i) => p - 0.5 * 1.9 * g[i]), { rtol: 1e-6, atol: 1e-7 });
    expect(() => sgdStep(e, { params: a, grads: e.zeros([n]) }, { lr: 0.1, momentum: 0.9 })).toThrow(/momentum buffer/);
    expect(() => sgdStep(e, { params: a, grads: e.zeros([n + 1]) }, { lr: 0.1 })).toThrow(/grads .*\[34\] must match the parameters/);
  });

  it('AdamW: three steps against a float64 hand computation (chunked)', async () => {
    const e = E();
    const n = 777;
    const p0 = f32(randArray(n, 6));
    const gs = [7, 8, 9].map((s) => f32(randArray(n, s, -2, 2)));
    const [lr, b1, b2, eps, wd] = [1e-2, 0.9, 0.999, 1e-8, 0.05];
    const params = e.tensor(toF32(p0), [n]);
    const grads = e.empty([n]);
    const m = e.zeros([n]);
    const v = e.zeros([n]);
    for (let t = 1; t <= 3; t++) {
      e.write(grads, toF32(gs[t - 1]));
      adamwStep(e, { params, grads, m, v }, { lr, step: t, beta1: b1, beta2: b2, eps, weightDecay: wd, maxChunkElements: 256 });
    }
    const { params: want, m: mm, v: vv } = adamwRef(p0, gs, { lr, beta1: b1, beta2: b2, eps, weightDecay: wd });
    assertClose(await read(params), want, { rtol: 1e-5, atol: 1e-6, what: 'params' });
    assertClose(await read(m), mm, { rtol: 1e-5, atol: 1e-7, what: 'm' });
    assertClose(await read(v), vv, { rtol: 1e-5, atol: 1e-8, what: 'v' });
  });

  it('global gradient norm over several buffers (chunked), clipping coefficient, and clipped updates', async () => {
    const e = E();
    const a = f32(randArray(1000, 10));
    const b = f32(randArray(7, 11, -3, 3));
    const norm = Math.sqrt([...a, ...b].reduce((s, x) => s + x * x, 0));
    const ta = e.tensor(toF32(a), [1000]);
    const tb = e.tensor(toF32(b), [7]);
    const res = await read(gradNorm(e, [ta, tb], 1.0, { maxChunkElements: 192 }));
    expect(Math.abs(res[0] / norm - 1)).toBeLessThan(1e-6);
    expect(Math.abs(res[1] - 1 / (norm + 1e-6))).toBeLessThan(1e-7);
    // Below the threshold the coefficient is exactly 1; without a threshold too.
    expect((await read(gradNorm(e, tb, 1e6)))[1]).toBe(1);
    expect((await read(gradNorm(e, tb)))[1]).toBe(1);

    // A clipped SGD step equals a step on gradients scaled by maxNorm / norm.
    const clip = gradNorm(e, [ta], 1.0);
    const params = e.zeros([1000]);
    sgdStep(e, { params, grads: ta }, { lr: 1, clip });
    const na = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
    assertClose(await read(params), a.map((g) => -g / (na + 1e-6)), { rtol: 1e-5, atol: 1e-8, what: 'clipped step' });
    applyClip(e, ta, clip);
    const after = await read(gradNorm(e, ta));
    expect(after[0]).toBeCloseTo(1, 5);
  });
});
