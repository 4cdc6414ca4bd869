import { describe, expect, it } from 'vitest';
import { read, relFrobenius, randArray, toF32, useEngine } from '../test/helpers.js';
import { candidateVariants, defaultVariant, gemm, isCpuAdapter, type GemmSpec } from './gemm.js';
import { erf64, f16Value, gemmRef, toF16 } from './gemm-reference.js';
import { variantName, type GemmVariant } from './gemm-wgsl.js';
import { kPadded, packedSize, packPanels } from './gemm-pack.js';
import type { Engine } from '../ops/engine.js';

const TOL = 1e-5;

/** Run one GEMM on the GPU and return its relative Frobenius error against the float64 reference. */
async function check(e: Engine, s: GemmSpec & { seed?: number; withBias?: boolean; accumulate?: boolean }): Promise<number> {
  const batch = s.batch ?? 1;
  const sA = s.strideA ?? s.M * s.K;
  const sB = s.strideB ?? s.K * s.N;
  const seed = s.seed ?? 1;
  const a = randArray(Math.max(1, (batch - 1) * sA + s.M * s.K), seed);
  const b = randArray(Math.max(1, (batch - 1) * sB + s.K * s.N), seed + 1);
  const bias = s.withBias ? randArray(s.N, seed + 2) : undefined;
  const c0 = s.accumulate ? randArray(batch * s.M * s.N, seed + 3) : undefined;
  return e.scope(async () => {
    const A = e.tensor(toF32(a), [a.length]);
    const B = e.tensor(toF32(b), [b.length]);
    const C = c0 ? e.tensor(toF32(c0), [c0.length]) : e.empty([batch * s.M * s.N]);
    const preact = s.preact ? e.empty([batch * s.M * s.N]) : undefined;
    gemm(e, A, B, C, { ...s, bias: bias ? e.tensor(toF32(bias), [s.N]) : undefined, preact });
    const want = gemmRef(toF32(a), toF32(b), { ...s, bias: bias && toF32(bias), accumulateInto: c0 && toF32(c0) });
    const err = relFrobenius(await read(C), want);
    if (preact) {
      const z = gemmRef(toF32(a), toF32(b), { ...s, act: 'none', bias: bias && toF32(bias) });
      expect(relFrobenius(await read(preact), z)).toBeLessThan(TOL);
    }
    return err;
  });
}

describe('gemm', () => {
  const E = useEngine();
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 13, 5],
    [33, 37, 67],
    [9, 16, 131],
  ];
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    it(`${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} matches the float64 reference on awkward shapes (default kernel)`, async () => {
      const e = E();
      for (const [M, N, K] of shapes) {
        const err = await check(e, { M, N, K, transA: tA, transB: tB, seed: M + N + K });
        expect(err, `M=${M} N=${N} K=${K}`).toBeLessThan(TOL);
        expect(err).toBeGreaterThanOrEqual(0);
      }
    });
  }

  it('every candidate kernel is correct (bias + activation, NN and TN, K not a multiple of the tile)', async () => {
    const e = E();
    const seen = new Set<string>();
    // One transpose mode per kernel keeps the compile count (seconds each on lavapipe) down; the
    // transpose tests above cover all four modes for the default kernel. GELU inlines erf into
    // every stored row, which makes tall tiles slow to compile: one kernel per family gets GELU,
    // the others ReLU (the epilogue generator is shared).
    const kinds = new Set<string>();
    for (const v of candidateVariants(e, { M: 37, N: 41, K: 67 })) {
      if (seen.has(variantName(v))) continue;
      seen.add(variantName(v));
      const transA = seen.size % 2 === 0;
      const act = kinds.has(v.kind) ? 'relu' : 'gelu';
      kinds.add(v.kind);
      const err = await check(e, { M: 37, N: 41, K: 67, transA, transB: !transA, withBias: true, act, variant: v, alpha: 0.5 });
      expect(err, `${variantName(v)} transA=${transA}`).toBeLessThan(TOL);
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('vec4 paths (N % 4 == 0) with relu, bias and accumulate', async () => {
    const e = E();
    for (const transB of [false, true]) {
      const err = await check(e, { M: 19, N: 36, K: 23, transB, withBias: true, act: 'relu', accumulate: true, alpha: -1.5 });
      expect(err).toBeLessThan(TOL);
    }
  });

  it('strided batches, including a broadcast operand (stride 0)', async () => {
    const e = E();
    expect(await check(e, { M: 11, N: 6, K: 17, batch: 3 })).toBeLessThan(TOL);
    expect(await check(e, { M: 11, N: 8, K: 17, batch: 4, strideB: 0, transA: true })).toBeLessThan(TOL);
    expect(await check(e, { M: 5, N: 9, K: 3, batch: 2, strideA: 0, transB: true, accumulate: true })).toBeLessThan(TOL);
  });

  it('long K on a CPU adapter is split by default (TLB), never past the binding limit, and stays exact', async (ctx) => {
    const e = E();
    const paperDW: GemmSpec = { M: 768, N: 3072, K: 6304, transA: true };
    if (!isCpuAdapter(e)) {
      ctx.skip(); // GPUs only split for occupancy
      return;
    }
    const tile8 = defaultVariant(e, { M: 8, N: 8, K: 8 });
    if (tile8.kind === 'sg' && tile8.sg === 8) {
      // Rows of >= 2048 elements read one per k-step: tile panels instead of chunks.
      expect(defaultVariant(e, paperDW)).toMatchObject({ pack: true, splitK: 1 });
      expect(defaultVariant(e, { M: 768, N: 768, K: 6304, transA: true }).splitK).toBe(7); // ~900 k-steps per chunk
    } else expect(defaultVariant(e, paperDW).splitK).toBe(7);
    expect(defaultVariant(e, { M: 768, N: 3072, K: 768 }).splitK).toBe(1);
    // A long-K product through the default choice (split), odd sizes, TN and NN, vs float64.
    expect(await check(e, { M: 13, N: 9, K: 4099, transA: true, withBias: true })).toBeLessThan(TOL);
    expect(await check(e, { M: 7, N: 12, K: 5001, accumulate: true })).toBeLessThan(TOL);
    // Seen as a device whose bindings hold only 2 chunks of partials: a forced 6-way split is cut to 2.
    const limits: Record<string, number> = {};
    for (const k in e.limits) limits[k] = (e.limits as unknown as Record<string, number>)[k]; // WebIDL getters: copy, not spread
    // Partials of 2 chunks of a 40x40 output fit; A, B and C (6400 bytes at most) fit too.
    limits.maxStorageBufferBindingSize = 2 * 4 * 40 * 40;
    const small = Object.create(e, { limits: { value: limits } }) as Engine;
    const scratch: number[][] = [];
    small.empty = ((shape: number[], dtype?: 'f32') => (shape.length === 3 && scratch.push(shape), e.empty.call(small, shape, dtype))) as Engine['empty'];
    const v: GemmVariant = { ...defaultVariant(e, { M: 8, N: 8, K: 8 }), splitK: 6 };
    expect(await check(small, { M: 40, N: 40, K: 24, variant: v, withBias: true })).toBeLessThan(TOL);
    expect(scratch).toEqual([[2, 40, 40]]);
  });

  it('tile panels (pack): every transpose mode, ragged tiles, batches incl. broadcast, epilogues, split-K, and the default at a long wide shape', async (ctx) => {
    const e = E();
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    if (base.kind !== 'sg' || base.sg !== 8) return ctx.skip(); // panels are read by the 8-lane sg kernel only
    for (const a of [1, 2, 3]) {
      const v: GemmVariant = { ...base, a, pack: true, splitK: 1 };
      for (const [tA, tB] of [
        [false, false],
        [false, true],
        [true, false],
        [true, true],
      ]) {
        // M, N, K prime: ragged row and column panels, K padded to 4 with zeros.
        const err = await check(e, { M: 29, N: 37, K: 43, transA: tA, transB: tB, variant: v, withBias: a === 1, act: a === 1 ? 'relu' : 'none', seed: a });
        expect(err, `a=${a} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`).toBeLessThan(TOL);
      }
    }
    const v: GemmVariant = { ...base, a: 2, pack: true, splitK: 1 };
    expect(await check(e, { M: 11, N: 36, K: 17, batch: 3, strideA: 200, variant: v, accumulate: true, alpha: -0.5 })).toBeLessThan(TOL);
    expect(await check(e, { M: 9, N: 8, K: 21, batch: 2, strideB: 0, transA: true, variant: v })).toBeLessThan(TOL);
    expect(await check(e, { M: 17, N: 10, K: 301, transA: true, variant: { ...v, splitK: 3 }, withBias: true, act: 'gelu', preact: e.empty([1]) })).toBeLessThan(TOL);
    // The default route: K >= 2048 with B rows of >= 2048 elements picks panels; exact vs float64.
    const wide: GemmSpec = { M: 7, N: 2053, K: 2051 };
    if (isCpuAdapter(e)) expect(defaultVariant(e, wide)).toMatchObject({ pack: true });
    expect(await check(e, { ...wide, withBias: true })).toBeLessThan(TOL);
  }, 120_000);

  it('the panel copy lays op(X) out as [batch][panel][K padded to 4][T] with zeros past the edges', async () => {
    const e = E();
    for (const kMajor of [false, true]) {
      const spec = { rows: 10, K: 7, T: 8, batch: 2, stride: 75, kMajor };
      const x = randArray(spec.stride + spec.rows * spec.K, 9);
      const got = await e.scope(async () => {
        const P = e.empty([packedSize(spec)]);
        packPanels(e, e.tensor(toF32(x), [x.length]), P, spec);
        return read(P);
      });
      const kp = kPadded(spec.K);
      expect(got.length).toBe(2 * 2 * kp * 8);
      let i = 0;
      for (let b = 0; b < 2; b++)
        for (let panel = 0; panel < 2; panel++)
          for (let k = 0; k < kp; k++)
            for (let r = 0; r < 8; r++, i++) {
              const row = panel * 8 + r;
              const want = row < spec.rows && k < spec.K ? Math.fround(x[b * spec.stride + (kMajor ? k * spec.rows + row : row * spec.K + k)]) : 0;
              expect(got[i], `b=${b} row=${row} k=${k} kMajor=${kMajor}`).toBe(want);
            }
    }
  });

  it('split-K partials + reduce with bias, gelu, preact and accumulate', async () => {
    const e = E();
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    const v: GemmVariant = { ...base, splitK: 5 };
    expect(await check(e, { M: 13, N: 10, K: 301, transA: true, variant: v, withBias: true, act: 'gelu', preact: e.empty([1]) })).toBeLessThan(TOL);
    expect(await check(e, { M: 6, N: 12, K: 97, batch: 2, variant: v, accumulate: true, alpha: 2 })).toBeLessThan(TOL);
  });

  it('vec4 A loads (NN, K % 4 == 0): plain, batched and split-K', async () => {
    const e = E();
    expect(await check(e, { M: 21, N: 10, K: 68, withBias: true, act: 'relu' })).toBeLessThan(TOL);
    expect(await check(e, { M: 9, N: 12, K: 4, batch: 3, strideA: 40, transB: true })).toBeLessThan(TOL);
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    expect(await check(e, { M: 13, N: 20, K: 300, variant: { ...base, splitK: 7 }, accumulate: true })).toBeLessThan(TOL);
  });

  it('vec4 B loads along K (NT and TT, K % 4 == 0): ragged N, bias + activation, batches, split-K, 1 and 2 row blocks', async () => {
    const e = E();
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    for (const a of [1, 2]) {
      const v: GemmVariant = base.kind === 'sg' ? { ...base, a } : base;
      // GELU's inlined erf per stored row makes tall tiles slow to compile: once is enough.
      const act = a === 1 ? 'gelu' : 'relu';
      expect(await check(e, { M: 30, N: 13, K: 68, transB: true, variant: v, withBias: true, act }), `a=${a}`).toBeLessThan(TOL);
      expect(await check(e, { M: 12, N: 7, K: 8, batch: 2, transA: true, transB: true, variant: v, strideB: 60 }), `a=${a}`).toBeLessThan(TOL);
      expect(await check(e, { M: 9, N: 35, K: 296, transB: true, variant: { ...v, splitK: 3 }, accumulate: true }), `a=${a}`).toBeLessThan(TOL);
    }
  });

  it('vec4 A loads along M (TN, M % 4 == 0): ragged K, row quads past M, batches, split-K, 1 and 2 row blocks', async () => {
    const e = E();
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    for (const a of [1, 2]) {
      const v: GemmVariant = base.kind === 'sg' ? { ...base, a } : base;
      expect(await check(e, { M: 20, N: 13, K: 37, transA: true, variant: v, withBias: true }), `a=${a}`).toBeLessThan(TOL);
      expect(await check(e, { M: 4, N: 33, K: 9, batch: 3, transA: true, transB: true, variant: v, strideA: 40 }), `a=${a}`).toBeLessThan(TOL);
      expect(await check(e, { M: 28, N: 16, K: 301, transA: true, variant: { ...v, splitK: 3 }, accumulate: true }), `a=${a}`).toBeLessThan(TOL);
    }
  });

  it('K = 0 gives the epilogue of zero', async () => {
    const e = E();
    const C = e.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [6]);
    const bias = e.tensor(new Float32Array([-1, 0.5, 2]), [3]);
    gemm(e, e.zeros([1]), e.zeros([1]), C, { M: 2, N: 3, K: 0, bias, act: 'relu', accumulate: true });
    expect(Array.from(await read(C))).toEqual([1, 2.5, 5, 4, 5.5, 8]);
  });

  it('the erf approximation behind GELU is within 1.5e-7 and GELU within 1e-6 (x in [-8, 8])', async () => {
    const e = E();
    const n = 4001;
    const xs = new Float32Array(n).map((_, i) => -8 + (16 * i) / (n - 1));
    // gelu(x) for each x as a K=1 GEMM: A = x (column), B = 1.
    const C = e.empty([n]);
    gemm(e, e.tensor(xs, [n]), e.tensor(new Float32Array([1]), [1]), C, { M: n, N: 1, K: 1, act: 'gelu' });
    const got = await read(C);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      worst = Math.max(worst, Math.abs(got[i] - 0.5 * x * (1 + erf64(x / Math.SQRT2))));
    }
    expect(worst).toBeLessThan(1e-6);
    expect(Math.abs(erf64(0.5) - 0.5204998778130465)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(3) - 0.9999779095030014)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(-1.2) + 0.9103139782296353)).toBeLessThan(1e-15);
  });

  it('rejects operands that are too small, naming the shapes', async () => {
    const e = E();
    const A = e.zeros([10]);
    expect(() => gemm(e, A, e.zeros([12]), e.empty([20]), { M: 4, N: 5, K: 3 })).toThrow(/A .* has 10 elements but the spec needs 12 .*M=4, N=5, K=3/);
    expect(() => gemm(e, e.zeros([12]), e.zeros([15]), e.empty([19]), { M: 4, N: 5, K: 3 })).toThrow(/C .*needs 20/);
  });
});

// f16 storage, f32 accumulation and epilogue, one rounding on the store. Inputs are f16 values, so
// the float64 reference sees exactly what the GPU sees; what remains is the output rounding
// (relative 2^-11 at most per element, ~2.8e-4 RMS) plus f32 summation error (~1e-6).
const TOL16 = 1e-3;

async function check16(e: Engine, s: GemmSpec & { seed?: number; withBias?: boolean; accumulate?: boolean; positive?: boolean }): Promise<number> {
  const batch = s.batch ?? 1;
  const sA = s.strideA ?? s.M * s.K;
  const sB = s.strideB ?? s.K * s.N;
  const seed = s.seed ?? 1;
  const lo = s.positive ? 0 : -1;
  const a = toF16(randArray(Math.max(1, (batch - 1) * sA + s.M * s.K), seed, lo));
  const b = toF16(randArray(Math.max(1, (batch - 1) * sB + s.K * s.N), seed + 1, lo));
  const bias = s.withBias ? toF16(randArray(s.N, seed + 2)) : undefined;
  const c0 = s.accumulate ? toF16(randArray(batch * s.M * s.N, seed + 3)) : undefined;
  const decode = async (t: import('../engine/tensor.js').Tensor) => Array.from((await t.toArray()) as Uint16Array, f16Value);
  return e.scope(async () => {
    const A = e.tensor(a.bits, [a.bits.length]);
    const B = e.tensor(b.bits, [b.bits.length]);
    const C = c0 ? e.tensor(c0.bits, [c0.bits.length]) : e.empty([batch * s.M * s.N], 'f16');
    const preact = s.preact ? e.empty([batch * s.M * s.N], 'f16') : undefined;
    gemm(e, A, B, C, { ...s, bias: bias && e.tensor(bias.bits, [s.N]), preact });
    const want = gemmRef(a.values, b.values, { ...s, bias: bias?.values, accumulateInto: c0?.values });
    if (preact) {
      const z = gemmRef(a.values, b.values, { ...s, act: 'none', bias: bias?.values });
      expect(relFrobenius(await decode(preact), z)).toBeLessThan(TOL16);
    }
    return relFrobenius(await decode(C), want);
  });
}

describe('gemm f16', () => {
  const E = useEngine();
  /** Skips (saying why) on adapters without shader-f16. */
  const needF16 = (e: Engine, ctx: { skip: () => void }) => {
    if (!e.hasF16) {
      console.log(`gemm f16 test skipped: adapter ${e.adapter.vendor} ${e.adapter.device} lacks 'shader-f16'`);
      ctx.skip();
    }
  };

  it('all four transpose modes match the float64 reference on awkward shapes (default kernel)', async (ctx) => {
    const e = E();
    needF16(e, ctx);
    for (const [tA, tB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      for (const [M, N, K] of [
        [1, 1, 1],
        [7, 13, 5],
        [33, 37, 68],
        [9, 16, 131],
      ]) {
        const err = await check16(e, { M, N, K, transA: tA, transB: tB, seed: M + N + K });
        expect(err, `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} M=${M} N=${N} K=${K}`).toBeLessThan(TOL16);
      }
    }
  }, 120_000);

  it('accumulates in f32: a long positive sum (K = 2049) stays within the output rounding', async (ctx) => {
    const e = E();
    needF16(e, ctx);
    // Sums near 500 where f16 spacing is 0.25-0.5: an f16 accumulator would drift by ~1e-2 relative.
    const err = await check16(e, { M: 5, N: 12, K: 2049, positive: true, seed: 5 });
    expect(err).toBeLessThan(5e-4);
    expect(err).toBeGreaterThan(0); // the output really is rounded to f16
  });

  it('one kernel per family with bias + relu + alpha, vec4 paths with relu + accumulate + preact', async (ctx) => {
    const e = E();
    needF16(e, ctx);
    // One candidate per kernel family (the f32 test covers every tile; the f16 code is the same
    // generator's conversions), to keep the compile count down.
    const kinds = new Map<string, GemmVariant>();
    for (const v of candidateVariants(e, { M: 37, N: 41, K: 67 })) if (!kinds.has(v.kind)) kinds.set(v.kind, v);
    let n = 0;
    for (const v of kinds.values()) {
      const transA = n++ % 2 === 1;
      const err = await check16(e, { M: 37, N: 41, K: 67, transA, transB: !transA, withBias: true, act: 'relu', variant: v, alpha: 0.5 });
      expect(err, `${variantName(v)} transA=${transA}`).toBeLessThan(TOL16);
    }
    expect(kinds.size).toBeGreaterThanOrEqual(2);
    for (const transB of [false, true]) {
      const err = await check16(e, { M: 19, N: 36, K: 24, transB, withBias: true, act: 'relu', accumulate: true, alpha: -1.5, preact: e.empty([1], 'f16') });
      expect(err).toBeLessThan(TOL16);
    }
  }, 300_000);

  it('strided batches and split-K (f32 partials, f16 epilogue)', async (ctx) => {
    const e = E();
    needF16(e, ctx);
    expect(await check16(e, { M: 11, N: 8, K: 17, batch: 4, strideB: 0, transA: true })).toBeLessThan(TOL16);
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    const v: GemmVariant = { ...base, splitK: 5 };
    expect(await check16(e, { M: 13, N: 10, K: 301, transA: true, variant: v, withBias: true, act: 'gelu', preact: e.empty([1], 'f16') })).toBeLessThan(TOL16);
    expect(await check16(e, { M: 6, N: 12, K: 96, batch: 2, variant: v, accumulate: true, alpha: 2 })).toBeLessThan(TOL16);
  });

  it('packed B loads (8 halves per u32x4 load, N % 8 == 0, two column groups per lane)', async (ctx) => {
    const e = E();
    needF16(e, ctx);
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    if (base.kind !== 'sg') return ctx.skip(); // the packed path exists for the sg kernel only
    const v: GemmVariant = { ...base, a: 1, b: 2 };
    // N = 72: one full 64-column tile and a ragged one; K ragged; batch stride % 8 == 0.
    expect(await check16(e, { M: 19, N: 72, K: 37, variant: v, withBias: true, act: 'gelu' })).toBeLessThan(TOL16);
    expect(await check16(e, { M: 9, N: 8, K: 12, batch: 3, strideB: 104, transA: true, variant: v, accumulate: true })).toBeLessThan(TOL16);
    expect(await check16(e, { M: 12, N: 16, K: 200, variant: { ...v, splitK: 3 }, alpha: -0.5 })).toBeLessThan(TOL16);
  });

  it('tile panels (pack) in f16: transposes, ragged tiles, bias + relu, batches, split-K', async (ctx) => {
    const e = E();
    needF16(e, ctx);
    const base = defaultVariant(e, { M: 8, N: 8, K: 8 });
    if (base.kind !== 'sg' || base.sg !== 8) return ctx.skip();
    const v: GemmVariant = { ...base, a: 2, pack: true, splitK: 1 };
    expect(await check16(e, { M: 29, N: 37, K: 43, transA: true, variant: v, withBias: true, act: 'relu' })).toBeLessThan(TOL16);
    expect(await check16(e, { M: 19, N: 36, K: 20, transB: true, batch: 2, variant: v, accumulate: true })).toBeLessThan(TOL16);
    expect(await check16(e, { M: 13, N: 10, K: 301, variant: { ...v, splitK: 3 }, alpha: 2 })).toBeLessThan(TOL16);
  }, 120_000);

  it('rejects mixed dtypes and f16 on a device without shader-f16, naming the fix', async () => {
    const e = E();
    const A16 = e.empty([12], 'f16');
    expect(() => gemm(e, A16, e.zeros([15]), e.empty([20], 'f16'), { M: 4, N: 5, K: 3 })).toThrow(/B is tensor .* f32\[15\] but A is f16.*Cast first/);
    // The same engine seen as one whose device lacks the feature.
    const noF16 = Object.create(e, { features: { value: new Set<string>() } }) as Engine;
    expect(() => gemm(noF16, A16, e.empty([15], 'f16'), e.empty([20], 'f16'), { M: 4, N: 5, K: 3 })).toThrow(/lacks the 'shader-f16' feature.*Use f32/);
  });
});
