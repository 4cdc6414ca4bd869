import { afterEach, describe, expect, it } from 'vitest';
import { assertClose, numericGrad, randArray, read, relFrobenius, toF32, useEngine } from '../test/helpers.js';
import type { Engine } from '../ops/engine.js';
import { attentionBackward, attentionBackwardRoute, attentionForward, chooseAttentionVariant, rowsPerLane } from './attention.js';
import { pinVariants } from './variants.js';
import type { Tensor } from '../engine/tensor.js';
import { checkOp, type OpResult } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { attentionRef, prefixMask, type AttentionDims as Dims } from './reference.js';

let seed = 9000;
const nextSeed = () => seed++;

/** e.nn.attention on q, k, v [B, H, S, D] (and the key mask [B, S]) through checkOp: forward and
 *  gradients against the float64 reference, with the seed gradient g. */
function checkAttention(e: Engine, dims: Dims, q: Float64Array, k: Float64Array, v: Float64Array, g: Float64Array, mask: Float64Array | undefined, scale?: number): Promise<OpResult> {
  const { B, H, S, D } = dims;
  const shape = [B, H, S, D];
  const s = scale ?? 1 / Math.sqrt(D);
  return checkOp(
    e,
    {
      name: `attention ${B}x${H}x${S}x${D}${mask ? ' masked' : ''}`,
      shapes: mask ? [shape, shape, shape, [B, S]] : [shape, shape, shape],
      values: [q, k, v, mask],
      data: [3],
      weights: g,
      gpu: (_, qt, kt, vt, mt) => e.nn.attention(qt, kt, vt, scale === undefined ? { keyMask: mt } : { keyMask: mt, scale }),
      ref: (qr, kr, vr) => Ref.nd(attentionRef(qr.data, kr.data, vr.data, mask, dims, s).out, shape),
      refGrad: (w, qr, kr, vr) => {
        const ref = attentionRef(qr.data, kr.data, vr.data, mask, dims, s, w.data);
        return [ref.dq, ref.dk, ref.dv];
      },
      forward: { frobenius: 2e-6 },
      backward: { frobenius: 2e-5 },
    },
    nextSeed,
  );
}

/** The plain composition of engine ops: matmul, softmax from max/exp/sum/div, matmul. */
function attentionComposed(e: Engine, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, scale: number): Tensor {
  const [B, , S] = q.shape;
  let s = e.ops.mul(e.ops.matmul(q, e.ops.transpose(k, [0, 1, 3, 2])), scale);
  if (mask) s = e.ops.add(s, e.ops.reshape(e.ops.mul(e.ops.sub(mask, 1), 1e9), [B, 1, 1, S]));
  const z = e.ops.exp(e.ops.sub(s, e.ops.max(s, 3, true)));
  const p = e.ops.div(z, e.ops.sum(z, 3, true));
  return e.ops.matmul(p, v);
}

const f32 = (a: ArrayLike<number>) => Float64Array.from(toF32(a));

describe('attention', () => {
  const E = useEngine();
  afterEach(() => pinVariants(E(), { attentionBackward: undefined }));

  it('the float64 gradients match finite differences (with a mask)', () => {
    const dims = { B: 2, H: 2, S: 5, D: 3 };
    const n = 2 * 2 * 5 * 3;
    const [q, k, v, g] = [1, 2, 3, 4].map((s) => randArray(n, s, -1.5, 1.5));
    const mask = prefixMask(2, 5);
    const ref = attentionRef(q, k, v, mask, dims, 0.7, g);
    const loss = (qq: Float64Array, kk: Float64Array, vv: Float64Array) => attentionRef(qq, kk, vv, mask, dims, 0.7).out.reduce((s, x, i) => s + x * g[i], 0);
    assertClose(ref.dq, numericGrad((a) => loss(a, k, v), q), { rtol: 1e-6, atol: 1e-9, what: 'dq' });
    assertClose(ref.dk, numericGrad((a) => loss(q, a, v), k), { rtol: 1e-6, atol: 1e-9, what: 'dk' });
    assertClose(ref.dv, numericGrad((a) => loss(q, k, a), v), { rtol: 1e-6, atol: 1e-9, what: 'dv' });
  });

  const cases: Dims[] = [
    { B: 2, H: 2, S: 1, D: 32 },
    { B: 2, H: 3, S: 17, D: 64 },
    { B: 2, H: 2, S: 65, D: 128 },
    { B: 2, H: 1, S: 197, D: 64 },
    { B: 2, H: 1, S: 512, D: 32 },
  ];
  /** Fused forward and backward against float64 and against the composed engine ops. */
  async function checkFused(e: Engine, dims: Dims, masked: boolean) {
    const { B, H, S, D } = dims;
    const n = B * H * S * D;
    const [q, k, v] = [1, 2, 3].map((s) => f32(randArray(n, s * 100 + S, -2, 2)));
    const g = f32(randArray(n, 7 + S));
    const mask = masked ? prefixMask(B, S) : undefined;
    const scale = 1 / Math.sqrt(D);
    const shape = [B, H, S, D];
    const fused = await checkAttention(e, dims, q, k, v, g, mask);
    const outV = fused.y;
    const [dq, dk, dv] = fused.grads as Float32Array[];
    if (masked) {
      // Padded keys get exactly zero gradient.
      for (let b = 0; b < B; b++)
        for (let j = 0; j < S; j++)
          if (!mask![b * S + j]) for (let d = 0; d < D; d++) expect(dk[(b * H * S + j) * D + d]).toBe(0);
    }

    const mk = () => ({
      qt: e.tensor(toF32(q), shape, { requiresGrad: true }),
      kt: e.tensor(toF32(k), shape, { requiresGrad: true }),
      vt: e.tensor(toF32(v), shape, { requiresGrad: true }),
    });
    const maskT = mask ? e.tensor(toF32(mask), [B, S]) : undefined;
    const gT = e.tensor(toF32(g), shape);

    const plain = mk();
    const outC = attentionComposed(e, plain.qt, plain.kt, plain.vt, maskT, scale);
    assertClose(outV, await read(outC), { rtol: 1e-4, atol: 2e-5, what: 'fused vs composed out' });
    outC.backward(gT);
    expect(relFrobenius(dq, await read(plain.qt.grad!))).toBeLessThan(5e-5);
    expect(relFrobenius(dk, await read(plain.kt.grad!))).toBeLessThan(5e-5);
    expect(relFrobenius(dv, await read(plain.vt.grad!))).toBeLessThan(5e-5);
  }

  // The first case of each headDim compiles its kernels: LLVM needs 10-60 s per kernel on
  // lavapipe (Mesa's shader cache makes later runs fast).
  for (const dims of cases) {
    for (const masked of [false, true]) {
      const { B, H, S, D } = dims;
      it(`B ${B}, H ${H}, seq ${S}, headDim ${D}${masked ? ', key padding mask' : ''}: float64 and the composed ops, forward and backward`, async () => {
        await checkFused(E(), dims, masked);
      }, 600_000);
    }
  }

  // The route that recomputes P and dS in a query pass (taken when the S x S score-gradient buffer
  // would be too large) on the same adapter.
  for (const [dims, masked] of [
    [{ B: 2, H: 1, S: 197, D: 64 }, true],
    [{ B: 2, H: 3, S: 17, D: 64 }, false],
  ] as const) {
    it(`recompute route: seq ${dims.S}, headDim ${dims.D}${masked ? ', key padding mask' : ''}`, async (ctx) => {
      const e = E();
      if (chooseAttentionVariant(e, dims.D) !== 'subgroup') ctx.skip();
      pinVariants(e, { attentionBackward: 'recompute' });
      expect(attentionBackwardRoute(e, { ...dims, impl: 'subgroup' })).toBe('recompute');
      await checkFused(e, dims, masked);
    }, 600_000);
  }

  for (const [dims, masked] of [
    [{ B: 2, H: 2, S: 17, D: 64 }, true],
    [{ B: 1, H: 3, S: 70, D: 20 }, false],
  ] as const) {
    it(`portable kernels (no subgroups): seq ${dims.S}, headDim ${dims.D}${masked ? ', masked' : ''}`, async () => {
      const e = E();
      const { B, H, S, D } = dims;
      const n = B * H * S * D;
      const [q, k, v] = [1, 2, 3].map((s) => f32(randArray(n, s * 10 + D, -2, 2)));
      const g = f32(randArray(n, 8));
      const mask = masked ? prefixMask(B, S) : undefined;
      const ref = attentionRef(q, k, v, mask, dims, 0.2, g);
      const shape = [B, H, S, D];
      const [qt, kt, vt, gt] = [q, k, v, g].map((a) => e.tensor(toF32(a), shape));
      const maskT = mask ? e.tensor(toF32(mask), [B, S]) : undefined;
      const { out, saved } = attentionForward(e, qt, kt, vt, { keyMask: maskT, scale: 0.2, impl: 'portable' });
      expect(relFrobenius(await read(out), ref.out)).toBeLessThan(2e-6);
      const { dq, dk, dv } = attentionBackward(e, qt, kt, vt, out, gt, saved, maskT);
      expect(relFrobenius(await read(dq), ref.dq)).toBeLessThan(2e-5);
      expect(relFrobenius(await read(dk), ref.dk)).toBeLessThan(2e-5);
      expect(relFrobenius(await read(dv), ref.dv)).toBeLessThan(2e-5);
    });
  }

  it('uses the subgroup kernels on this adapter when it can (so the tests above cover them)', () => {
    const e = E();
    const sg = e.features.has('subgroups') && (e.device as any).adapterInfo?.subgroupMinSize === (e.device as any).adapterInfo?.subgroupMaxSize;
    expect(chooseAttentionVariant(e, 64)).toBe(sg ? 'subgroup' : 'portable');
    expect(chooseAttentionVariant(e, 30)).toBe('portable');
    // The cases above store dS (small S*S buffers); only huge ones recompute.
    if (sg) {
      expect(attentionBackwardRoute(e, { B: 2, H: 1, S: 512, D: 64, impl: 'subgroup' })).toBe('scores');
      expect(attentionBackwardRoute(e, { B: 64, H: 12, S: 512, D: 64, impl: 'subgroup' })).toBe('recompute');
    }
  });

  it('short sequences take one row per lane (the cases above cover S <= 64 and S > 64)', () => {
    for (const which of ['fwd', 'bwd_q', 'bwd_kv', 'bwd_kv_ds', 'bwd_q_ds'] as const) {
      expect(rowsPerLane(which, 32, 17)).toBe(1);
      expect(rowsPerLane(which, 32, 64)).toBe(1);
    }
    expect([rowsPerLane('fwd', 32, 65), rowsPerLane('bwd_kv_ds', 64, 197), rowsPerLane('bwd_kv', 128, 197)]).toEqual([4, 4, 1]);
  });

  it('a query whose keys are all padding outputs zeros and no NaN; custom scale', async () => {
    const dims = { B: 2, H: 2, S: 9, D: 32 };
    const n = 2 * 2 * 9 * 32;
    const [q, k, v] = [1, 2, 3].map((s) => f32(randArray(n, s, -3, 3)));
    const g = f32(randArray(n, 4));
    const mask = new Float64Array(18);
    mask.fill(1, 0, 4); // batch 0 keeps 4 keys, batch 1 none
    const { y, grads } = await checkAttention(E(), dims, q, k, v, g, mask, 0.3);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(y.slice(n / 2).every((x) => x === 0)).toBe(true);
    for (const got of grads.slice(0, 3)) expect(got!.every(Number.isFinite)).toBe(true);
  });

  it('rejects mismatched shapes with both shapes in the message', () => {
    const e = E();
    const q = e.zeros([1, 2, 3, 4]);
    expect(() => e.nn.attention(q, e.zeros([1, 2, 5, 4]), q)).toThrow(/k \[1, 2, 5, 4\] must have the shape of q \[1, 2, 3, 4\]/);
    expect(() => e.nn.attention(q, q, q, { keyMask: e.zeros([1, 4]) })).toThrow(/keyMask must be f32 \[1, 3\]/);
  });
});
