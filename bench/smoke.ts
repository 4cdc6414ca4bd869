// The correctness smoke of `focusclip bench all`: every kernel family, and every layout of it, run
// once on this machine's adapter and compared with the plain CPU references (float64, or exact
// where the kernel is exact: gathers, copies, the dropout mask). Each layout is forced per engine
// (kernels/variants.ts) or per call (GemmSpec.variant, the attention `impl`), so the discrete-GPU
// kernels (`tiled` GEMM, row-per-workgroup reductions) are checked on a CPU adapter too, and the
// subgroup kernels on a GPU. Small odd shapes: this checks results, it does not time kernels (the
// milliseconds include compiling them). The tolerances are the kernel tests', widened where WGSL
// lets exp, log and tanh differ by more ULP than lavapipe's do: a failure is a wrong kernel, not
// another last bit.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import * as Ref from '../kernels/reference.js';
import { f16Value, gelu64, gemmRef, toF16 } from '../kernels/gemm-reference.js';
import { candidateVariants, fixedSubgroupSize, gemm, type GemmSpec } from '../kernels/gemm.js';
import { variantName, type Activation, type GemmVariant } from '../kernels/gemm-wgsl.js';
import { matmulNaive } from '../kernels/matmul-naive.js';
import { attentionBackward, attentionBackwardRoute, attentionForward, type AttentionVariant } from '../kernels/attention.js';
import { softmaxVariant } from '../kernels/softmax.js';
import { ROW_WG, rowLanes } from '../kernels/row-reduce.js';
import { pinVariants, type KernelVariants, type RowLanes, type SoftmaxVariant, type AttentionBackwardRoute } from '../kernels/variants.js';
import { dropoutKeep } from '../kernels/dropout.js';
import { rasterizeHeatmaps } from '../kernels/heatmap.js';
import { adamwStep, gradNorm, sgdStep } from '../kernels/optim.js';
import { heatmapRef, HEATMAP_MODES } from '../data/heatmap-ref.js';
import { NUM_JOINTS, type Person } from '../data/mpii.js';
import { packKeypoints } from '../data/pack-keypoints.js';

/** The references the smoke compares with; a test swaps one for a wrong one to see a check fail. */
export const REFERENCES = { ...Ref, gemmRef, gelu64, heatmapRef, dropoutKeep };
export type References = typeof REFERENCES;

/** How close a result must be: elementwise |got - ref| <= atol + rtol |ref|, relative Frobenius
 *  error ||got - ref|| / ||ref|| <= frobenius, or bit-exact. */
export type Tolerance = { atol: number; rtol: number } | { frobenius: number } | { exact: true };

interface Comparison {
  what: string;
  got: ArrayLike<number>;
  want: ArrayLike<number>;
  tol: Tolerance;
}

interface Check {
  family: string;
  variant: string;
  shape: string;
  /** Why the check cannot run on this adapter (a missing feature), or undefined. */
  skip?: (e: Engine) => string | undefined;
  run: (e: Engine, refs: References) => Promise<Comparison[]>;
}

export interface OutputError {
  what: string;
  maxAbsErr: number;
  /** max |got - ref| / max(|ref|, 1e-3 max |ref|): relative, without blowing up at zeros of ref. */
  maxRelErr: number;
  /** Relative Frobenius error, where that is the tolerance's measure. */
  relFrobenius?: number;
  tolerance: string;
  /** The measured error over the tolerance (pass <= 1). */
  ratio: number;
  pass: boolean;
}

export interface SmokeResult {
  family: string;
  variant: string;
  shape: string;
  pass: boolean;
  /** The worst output's errors (over all outputs of the check). */
  maxAbsErr: number;
  maxRelErr: number;
  /** The tolerance of the worst output. */
  tolerance: string;
  /** Wall time of the check, compiling its kernels included. */
  ms: number;
  outputs: OutputError[];
  skipped?: string;
  error?: string;
}

export type SmokeSize = 'tiny' | 'small';

export interface SmokeOptions {
  /** 'small' (default): odd sizes like 37x53x29; 'tiny': the smallest shapes that still take every path. */
  size?: SmokeSize;
  /** Only these families (default all). */
  families?: string[];
  refs?: References;
  /** Called after each check (progress lines). */
  onResult?: (r: SmokeResult) => void;
}

// ------------------------------------------------------------------------------ helpers

const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));

/** f32-exact values in [lo, hi), reproducible from the seed. */
function rand(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const rng = new Rng(seed);
  return f32(Array.from({ length: n }, () => rng.uniform(lo, hi)));
}

const F = (a: ArrayLike<number>) => Float32Array.from(a);
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

async function read(t: Tensor): Promise<Float64Array> {
  const v = await t.toArray();
  return t.dtype === 'f16' ? Float64Array.from(v as Uint16Array, f16Value) : Float64Array.from(v);
}

/** Two significant digits, exponent form below 1e-3: 1e-5, 2.5e-7, 0.077. */
const num = (x: number) => {
  const p = Number(x.toPrecision(2));
  return p !== 0 && Math.abs(p) < 1e-3 ? p.toExponential() : String(p);
};

function describeTol(t: Tolerance): string {
  if ('exact' in t) return 'exact';
  if ('frobenius' in t) return `rel. Frobenius <= ${num(t.frobenius)}`;
  return t.rtol ? `|d| <= ${num(t.atol)} + ${num(t.rtol)}|ref|` : `|d| <= ${num(t.atol)}`;
}

/** The errors of one output against its reference and tolerance. */
export function compare(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): OutputError {
  const tolerance = describeTol(tol);
  if (got.length !== want.length) return { what, maxAbsErr: Infinity, maxRelErr: Infinity, tolerance, ratio: Infinity, pass: false };
  let maxAbs = 0;
  let maxRef = 0;
  let num = 0;
  let den = 0;
  let worstElem = 0;
  let exact = true;
  for (let i = 0; i < want.length; i++) maxRef = Math.max(maxRef, Math.abs(want[i]));
  const floor = Math.max(1e-3 * maxRef, 1e-30);
  let maxRel = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const d = Math.abs(g - w);
    const same = Object.is(g, w) || g === w;
    if (!same) exact = false;
    // A non-finite result where the reference is finite fails every tolerance.
    const err = same ? 0 : Number.isFinite(d) ? d : Infinity;
    maxAbs = Math.max(maxAbs, err);
    maxRel = Math.max(maxRel, err / Math.max(Math.abs(w), floor));
    num += err * err;
    den += w * w;
    if ('atol' in tol) worstElem = Math.max(worstElem, err / (tol.atol + tol.rtol * Math.abs(w)));
  }
  const relFro = Math.sqrt(num / Math.max(den, 1e-300));
  const ratio = 'exact' in tol ? (exact ? 0 : Infinity) : 'frobenius' in tol ? relFro / tol.frobenius : worstElem;
  return {
    what,
    maxAbsErr: maxAbs,
    maxRelErr: maxRel,
    ...('frobenius' in tol ? { relFrobenius: relFro } : {}),
    tolerance,
    ratio,
    pass: ratio <= 1,
  };
}

/** Pin layouts for one check and hand them back to the adapter afterwards. */
async function pinned<T>(e: Engine, v: KernelVariants, fn: () => Promise<T>): Promise<T> {
  pinVariants(e, v);
  try {
    if (v.rowLanes !== undefined && rowLanes(e) !== v.rowLanes) throw new Error(`pinned ${v.rowLanes} lanes per row, the engine takes ${rowLanes(e)}`);
    return await fn();
  } finally {
    pinVariants(e, Object.fromEntries(Object.keys(v).map((k) => [k, undefined])) as KernelVariants);
  }
}

const noSubgroups = (e: Engine) => (fixedSubgroupSize(e) ? undefined : 'the adapter has no fixed subgroup size');
const noF16 = (e: Engine) => (e.hasF16 ? undefined : "the adapter lacks 'shader-f16'");

// ------------------------------------------------------------------------------ GEMM

interface GemmCase extends GemmSpec {
  withBias?: boolean;
  accumulate?: boolean;
  withPreact?: boolean;
  seed: number;
}

function gemmCheck(label: string, c: GemmCase, dtype: 'f32' | 'f16', variantOf: (e: Engine) => GemmVariant | undefined): Check {
  const op = `${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}`;
  const epi = [c.withBias && 'bias', c.act && c.act !== 'none' && c.act, c.alpha !== undefined && c.alpha !== 1 && `alpha ${c.alpha}`, c.accumulate && 'accumulate', c.withPreact && 'preact'].filter(Boolean);
  return {
    family: dtype === 'f16' ? 'gemm f16' : 'gemm',
    variant: label,
    shape: `${c.batch && c.batch > 1 ? `${c.batch}x ` : ''}${c.M}x${c.N}x${c.K} ${op}${epi.length ? ` +${epi.join('+')}` : ''}${c.strideA === 0 || c.strideB === 0 ? ' (broadcast operand)' : ''}`,
    skip: dtype === 'f16' ? noF16 : undefined,
    async run(e, refs) {
      const batch = c.batch ?? 1;
      const sA = c.strideA ?? c.M * c.K;
      const sB = c.strideB ?? c.K * c.N;
      const conv = (a: Float64Array) => (dtype === 'f16' ? toF16(a) : { bits: F(a), values: a });
      const a = conv(rand(Math.max(1, (batch - 1) * sA + c.M * c.K), c.seed));
      const b = conv(rand(Math.max(1, (batch - 1) * sB + c.K * c.N), c.seed + 1));
      const bias = c.withBias ? conv(rand(c.N, c.seed + 2)) : undefined;
      const c0 = c.accumulate ? conv(rand(batch * c.M * c.N, c.seed + 3)) : undefined;
      const variant = variantOf(e);
      return e.scope(async () => {
        const A = e.tensor(a.bits, [a.bits.length]);
        const B = e.tensor(b.bits, [b.bits.length]);
        const C = c0 ? e.tensor(c0.bits, [c0.bits.length]) : e.empty([batch * c.M * c.N], dtype);
        const preact = c.withPreact ? e.empty([batch * c.M * c.N], dtype) : undefined;
        gemm(e, A, B, C, { ...c, bias: bias && e.tensor(bias.bits, [c.N]), preact, variant });
        const want = refs.gemmRef(a.values, b.values, { ...c, bias: bias?.values, accumulateInto: c0?.values });
        // f16: inputs are f16 values, so only the output rounding (2^-11 relative) and f32 sums remain.
        const tol: Tolerance = { frobenius: dtype === 'f16' ? 1e-3 : 1e-5 };
        const out: Comparison[] = [{ what: 'C', got: await read(C), want, tol }];
        if (preact) out.push({ what: 'preact', got: await read(preact), want: refs.gemmRef(a.values, b.values, { ...c, act: 'none', bias: bias?.values }), tol });
        return out;
      });
    },
  };
}

const OPS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Every GEMM kernel this adapter can run: the tuner's candidates (which include the `tiled`
 *  workgroup-memory kernels wherever they fit the limits), tile panels and split-K. */
export function gemmVariants(e: Engine, dtype: 'f32' | 'f16'): GemmVariant[] {
  const seen = new Map<string, GemmVariant>();
  const add = (v: GemmVariant) => seen.has(variantName(v)) || seen.set(variantName(v), v);
  // Long K and a wide B bring in the tile panels; the f16 N % 8 == 0 shape the two-column-group tile.
  for (const s of [{ M: 37, N: 53, K: 29 }, { M: 64, N: 64, K: 1024 }]) for (const v of candidateVariants(e, s, dtype)) add({ ...v, splitK: 1 });
  const sg = fixedSubgroupSize(e);
  if (sg === 8) add({ kind: 'sg', sg, a: 2, b: 1, pack: true, splitK: 1 });
  // Split-K: partial sums and the reduce pass, once per kernel kind.
  const kinds = new Set<string>();
  for (const v of [...seen.values()]) {
    if (kinds.has(v.kind)) continue;
    kinds.add(v.kind);
    add({ ...v, splitK: 3 });
  }
  return [...seen.values()];
}

function gemmChecks(e: Engine, size: SmokeSize): Check[] {
  const [M, N, K] = size === 'tiny' ? [7, 13, 5] : [37, 53, 29];
  const checks: Check[] = [];
  // The default kernel in all four transpose modes.
  OPS.forEach(([transA, transB], i) => {
    checks.push(gemmCheck('default', { M, N, K, transA, transB, seed: 10 + i }, 'f32', () => undefined));
  });
  // Every kernel, each with a bias and an activation (GELU once per kernel kind: its inlined erf is
  // slow to compile on CPU adapters), the transpose modes taking turns.
  const gelu = new Set<string>();
  gemmVariants(e, 'f32').forEach((v, i) => {
    const [transA, transB] = OPS[i % 4];
    const act: Activation = gelu.has(v.kind) ? 'relu' : 'gelu';
    gelu.add(v.kind);
    // Split-K over a K long enough to have 3 chunks of whole 4-step blocks.
    const k = v.splitK > 1 ? 4 * K + 3 : K;
    checks.push(gemmCheck(variantName(v), { M, N, K: k, transA, transB, withBias: true, act, alpha: 0.5, seed: 20 + i }, 'f32', () => v));
  });
  // vec4 paths (N % 4 == 0), accumulate and the saved pre-activation; strided and broadcast batches.
  checks.push(gemmCheck('default', { M: 19, N: 36, K: 23, transB: true, withBias: true, act: 'relu', accumulate: true, withPreact: true, alpha: -1.5, seed: 40 }, 'f32', () => undefined));
  checks.push(gemmCheck('default', { M: 11, N: 8, K: 17, batch: 3, strideB: 0, transA: true, seed: 41 }, 'f32', () => undefined));
  // f16 (f32 accumulation): the default kernel in all modes and every kernel once.
  if (e.hasF16) {
    OPS.forEach(([transA, transB], i) => checks.push(gemmCheck('default', { M, N, K, transA, transB, seed: 50 + i }, 'f16', () => undefined)));
    gemmVariants(e, 'f16').forEach((v, i) => {
      // The two-column-group tile reads B as packed u32 words: untransposed B, N % 8 == 0.
      const wide = v.kind === 'sg' && v.b === 2;
      const [transA, transB] = wide ? [i % 2 === 1, false] : OPS[i % 4];
      const k = v.splitK > 1 ? 4 * K + 3 : K;
      checks.push(gemmCheck(variantName(v), { M, N: wide ? 72 : N, K: k, transA, transB, withBias: true, act: 'relu', alpha: 0.5, seed: 60 + i }, 'f16', () => v));
    });
  } else {
    checks.push(gemmCheck('default', { M, N, K, seed: 50 }, 'f16', () => undefined));
  }
  // The naive matmul (the benchmarks' baseline).
  checks.push({
    family: 'matmul naive',
    variant: 'naive',
    shape: `${M}x${N}x${K} TN`,
    async run(e, refs) {
      const a = rand(M * K, 70);
      const b = rand(K * N, 71);
      return e.scope(async () => {
        const C = e.empty([M * N]);
        matmulNaive(e, e.tensor(F(a), [a.length]), e.tensor(F(b), [b.length]), C, { M, N, K, transA: true });
        return [{ what: 'C', got: await read(C), want: refs.gemmRef(a, b, { M, N, K, transA: true }), tol: { frobenius: 1e-5 } }];
      });
    },
  });
  return checks;
}

// ------------------------------------------------------------------------------ linear (bias GEMM, GELU pass, activation gradient)

function linearCheck(size: SmokeSize): Check {
  const [R, I, O] = size === 'tiny' ? [5, 7, 6] : [23, 37, 19];
  return {
    family: 'linear',
    variant: 'bias GEMM + GELU',
    shape: `x ${fmt([R, I])}, W ${fmt([O, I])}`,
    async run(e, refs) {
      const x = rand(R * I, 80, -2, 2);
      const w = rand(O * I, 81);
      const b = rand(O, 82);
      const g = rand(R * O, 83);
      const z = refs.gemmRef(x, w, { M: R, N: O, K: I, transB: true, bias: b });
      const y = z.map(refs.gelu64);
      const dz = z.map((v, i) => g[i] * refs.geluGradRef(v));
      return e.scope(async () => {
        const xt = e.tensor(F(x), [R, I], { requiresGrad: true });
        const wt = e.tensor(F(w), [O, I], { requiresGrad: true });
        const bt = e.tensor(F(b), [O], { requiresGrad: true });
        const out = e.nn.linear(xt, wt, bt, 'gelu');
        const got = await read(out);
        out.backward(e.tensor(F(g), [R, O]));
        const db = new Float64Array(O);
        dz.forEach((v, i) => (db[i % O] += v));
        const tol: Tolerance = { frobenius: 2e-5 };
        return [
          { what: 'y', got, want: y, tol: { frobenius: 1e-5 } },
          { what: 'dx', got: await read(xt.grad!), want: refs.gemmRef(dz, w, { M: R, N: I, K: O }), tol },
          { what: 'dW', got: await read(wt.grad!), want: refs.gemmRef(dz, x, { M: O, N: I, K: R, transA: true }), tol },
          { what: 'db', got: await read(bt.grad!), want: db, tol },
        ];
      });
    },
  };
}

// ------------------------------------------------------------------------------ attention

function attentionCheck(impl: AttentionVariant, route: AttentionBackwardRoute, dims: Ref.AttentionDims, masked: boolean): Check {
  const { B, H, S, D } = dims;
  return {
    family: 'attention',
    variant: `${impl} forward, ${route} backward`,
    shape: `${fmt([B, H, S, D])}${masked ? ' key mask' : ''}`,
    skip: impl === 'subgroup' ? (e) => noSubgroups(e) ?? (D % 4 ? 'headDim % 4 != 0' : undefined) : undefined,
    async run(e, refs) {
      const n = B * H * S * D;
      const [q, k, v] = [1, 2, 3].map((s) => rand(n, 100 * s + S, -2, 2));
      const g = rand(n, 7 + S);
      const mask = masked ? refs.prefixMask(B, S) : undefined;
      const scale = 1 / Math.sqrt(D);
      const want = refs.attentionRef(q, k, v, mask, dims, scale, g);
      return pinned(e, { attentionBackward: impl === 'subgroup' ? route : undefined }, () =>
        e.scope(async () => {
          const shape = [B, H, S, D];
          const [qt, kt, vt, gt] = [q, k, v, g].map((a) => e.tensor(F(a), shape));
          const maskT = mask ? e.tensor(F(mask), [B, S]) : undefined;
          const taken = attentionBackwardRoute(e, { B, H, S, D, impl });
          if (taken !== route) throw new Error(`attention: asked for the ${route} backward, the engine takes ${taken}`);
          const { out, saved } = attentionForward(e, qt, kt, vt, { keyMask: maskT, scale, impl });
          const grads = attentionBackward(e, qt, kt, vt, out, gt, saved, maskT);
          // The kernel tests hold lavapipe to 2e-6 / 2e-5; WGSL lets exp differ by 3 + 2|x| ULP.
          return [
            { what: 'out', got: await read(out), want: want.out, tol: { frobenius: 1e-5 } },
            { what: 'dq', got: await read(grads.dq), want: want.dq, tol: { frobenius: 5e-5 } },
            { what: 'dk', got: await read(grads.dk), want: want.dk, tol: { frobenius: 5e-5 } },
            { what: 'dv', got: await read(grads.dv), want: want.dv, tol: { frobenius: 5e-5 } },
          ];
        }),
      );
    },
  };
}

function attentionChecks(size: SmokeSize): Check[] {
  const S = size === 'tiny' ? 9 : 37;
  return [
    attentionCheck('portable', 'recompute', { B: 2, H: 2, S, D: 12 }, true),
    attentionCheck('portable', 'recompute', { B: 1, H: 3, S, D: 10 }, false),
    attentionCheck('subgroup', 'scores', { B: 2, H: 2, S, D: 16 }, true),
    attentionCheck('subgroup', 'recompute', { B: 2, H: 2, S, D: 16 }, true),
    attentionCheck('subgroup', 'scores', { B: 1, H: 3, S, D: 16 }, false),
  ];
}

// ------------------------------------------------------------------------------ row-wise kernels

const LANES: [string, RowLanes][] = [
  ['row per invocation', 1],
  ['row per workgroup', ROW_WG],
];

function softmaxChecks(size: SmokeSize): Check[] {
  const shapes: [number, number][] = size === 'tiny' ? [[3, 7], [2, 16]] : [[13, 37], [9, 64]];
  const layouts: [string, SoftmaxVariant, RowLanes | undefined][] = [...LANES.map(([n, l]) => [n, 'rows', l] as [string, SoftmaxVariant, RowLanes]), ['row per subgroup', 'subgroup', undefined]];
  const checks: Check[] = [];
  for (const [name, impl, lanes] of layouts)
    for (const [R, C] of shapes)
      checks.push({
        family: 'softmax',
        variant: name,
        shape: fmt([R, C]),
        skip: impl === 'subgroup' ? noSubgroups : undefined,
        run: (e, refs) =>
          pinned(e, { softmax: impl, rowLanes: lanes }, async () => {
            if (softmaxVariant(e, C) !== impl) throw new Error(`softmax: pinned ${impl}, the engine takes ${softmaxVariant(e, C)}`);
            const x = rand(R * C, R + C, -3, 3);
            const g = rand(R * C, 5);
            const y = refs.softmaxRef(x, R, C);
            return e.scope(async () => {
              const xt = e.tensor(F(x), [R, C], { requiresGrad: true });
              const yt = e.nn.softmax(xt);
              const got = await read(yt);
              yt.backward(e.tensor(F(g), [R, C]));
              return [
                { what: 'y', got, want: y, tol: { atol: 1e-7, rtol: 1e-5 } },
                { what: 'dx', got: await read(xt.grad!), want: refs.softmaxGradRef(y, g, R, C), tol: { atol: 1e-6, rtol: 1e-4 } },
              ];
            });
          }),
      });
  return checks;
}

function xentChecks(size: SmokeSize): Check[] {
  const [R, C] = size === 'tiny' ? [4, 6] : [13, 37];
  const s = 2.5;
  return LANES.map(([name, lanes]) => ({
    family: 'softmax cross-entropy',
    variant: name,
    shape: `${fmt([R, C])} scale ${s}, one column excluded`,
    run: (e, refs) =>
      pinned(e, { rowLanes: lanes }, async () => {
        const x = rand(R * C, R * 31 + C);
        const target = Array.from({ length: R }, (_, r) => (r * 7 + 3) % C);
        const ex = Array.from({ length: R }, (_, r) => (target[r] + 1 + (r % (C - 1))) % C);
        const want = refs.xentRef(x, R, C, target, ex, s);
        return e.scope(async () => {
          const xt = e.tensor(F(x), [R, C], { requiresGrad: true });
          const loss = e.nn.softmaxCrossEntropy(xt, e.tensor(Int32Array.from(target), [R]), { logitScale: s, exclude: e.tensor(Int32Array.from(ex), [R]) });
          const got = await read(loss);
          loss.backward(e.tensor([0.75], []));
          return [
            { what: 'loss', got, want: [want.loss], tol: { atol: 2e-6, rtol: 2e-6 } },
            { what: 'dlogits', got: await read(xt.grad!), want: want.grad.map((v) => 0.75 * v), tol: { atol: 1e-7 * s, rtol: 2e-5 } },
          ];
        });
      }),
  }));
}

function layerNormChecks(size: SmokeSize): Check[] {
  const [R, D, eps] = size === 'tiny' ? [3, 17, 1e-6] : [13, 37, 1e-5];
  return LANES.map(([name, lanes]) => ({
    family: 'layernorm',
    variant: name,
    shape: `${fmt([R, D])} eps ${eps}`,
    run: (e, refs) =>
      pinned(e, { rowLanes: lanes }, async () => {
        // An offset mean and a spread of scales per row: the variance pass must not cancel.
        const x = f32(rand(R * D, 10 + D).map((v, i) => 3 + v * (1 + (i % 5))));
        const w = rand(D, 11, 0.5, 1.5);
        const b = rand(D, 12);
        const g = rand(R * D, 13);
        const want = refs.layerNormGradRef(x, w, g, R, D, eps);
        return e.scope(async () => {
          const xt = e.tensor(F(x), [R, D], { requiresGrad: true });
          const wt = e.tensor(F(w), [D], { requiresGrad: true });
          const bt = e.tensor(F(b), [D], { requiresGrad: true });
          const y = e.nn.layerNorm(xt, wt, bt, eps);
          const got = await read(y);
          y.backward(e.tensor(F(g), [R, D]));
          return [
            { what: 'y', got, want: refs.layerNormRef(x, w, b, R, D, eps), tol: { atol: 2e-6, rtol: 1e-5 } },
            { what: 'dx', got: await read(xt.grad!), want: want.dx, tol: { atol: 1e-5, rtol: 1e-4 } },
            { what: 'dweight', got: await read(wt.grad!), want: want.dw, tol: { atol: 1e-5 * Math.sqrt(R), rtol: 1e-5 } },
            { what: 'dbias', got: await read(bt.grad!), want: want.db, tol: { atol: 1e-5 * Math.sqrt(R), rtol: 1e-5 } },
          ];
        });
      }),
  }));
}

function l2Checks(size: SmokeSize): Check[] {
  const [R, D] = size === 'tiny' ? [3, 5] : [13, 37];
  return LANES.map(([name, lanes]) => ({
    family: 'l2norm',
    variant: name,
    shape: fmt([R, D]),
    run: (e, refs) =>
      pinned(e, { rowLanes: lanes }, async () => {
        const x = rand(R * D, R + D);
        const g = rand(R * D, 3);
        const want = refs.l2GradRef(x, g, R, D, 1e-12);
        const scale = Math.max(...want.map(Math.abs));
        return e.scope(async () => {
          const xt = e.tensor(F(x), [R, D], { requiresGrad: true });
          const y = e.nn.l2normalize(xt);
          const got = await read(y);
          y.backward(e.tensor(F(g), [R, D]));
          return [
            { what: 'y', got, want: refs.l2Ref(x, R, D, 1e-12), tol: { atol: 1e-7, rtol: 1e-5 } },
            { what: 'dx', got: await read(xt.grad!), want, tol: { atol: 1e-6 * scale, rtol: 1e-4 } },
          ];
        });
      }),
  }));
}

// ------------------------------------------------------------------------------ elementwise

function geluCheck(size: SmokeSize): Check {
  const n = size === 'tiny' ? 33 : 1031;
  return {
    family: 'gelu',
    variant: 'erf form',
    shape: `[${n + 6}] in [-6, 6] and tails`,
    async run(e, refs) {
      const xs = f32([...rand(n, 1, -6, 6), -20, -10, -5.5, 0, 7, 30]);
      const gs = rand(xs.length, 3);
      return e.scope(async () => {
        const x = e.tensor(F(xs), [xs.length], { requiresGrad: true });
        const y = e.nn.gelu(x);
        const got = await read(y);
        y.backward(e.tensor(F(gs), [xs.length]));
        return [
          // erfc with relative error 1.2e-7 times exp(-z^2 / 2), which WGSL lets differ by 3 + 2|x|
          // ULP (4.6e-6 at z = 6; lavapipe's is exact to 1e-7, and the kernel tests hold it to 2e-6).
          { what: 'y', got, want: xs.map(refs.geluRef), tol: { atol: 3e-8, rtol: 1e-5 } },
          { what: 'dx', got: await read(x.grad!), want: xs.map((v, i) => gs[i] * refs.geluGradRef(v)), tol: { atol: 3e-7, rtol: 1e-5 } },
        ];
      });
    },
  };
}

/** Sum a gradient over the axes a broadcast input was expanded along, back to its shape. */
function unbroadcast(refs: References, g: Ref.Nd, shape: readonly number[]): Ref.Nd {
  let out = g;
  const lead = out.shape.length - shape.length;
  for (let d = 0; d < out.shape.length; d++) {
    const want = d < lead ? 1 : shape[d - lead];
    if (want === 1 && out.shape[d] !== 1) out = refs.reduce(out, d, 'sum', true);
  }
  return refs.nd(out.data, [...shape]);
}

function elementwiseChecks(size: SmokeSize): Check[] {
  const [A, B, C] = size === 'tiny' ? [2, 3, 4] : [3, 5, 7];
  return [
    {
      family: 'elementwise',
      variant: 'broadcast a * b + c',
      shape: `${fmt([A, B, C])} * ${fmt([B, 1])} + ${fmt([C])}`,
      async run(e, refs) {
        const sa = [A, B, C];
        const sb = [B, 1];
        const sc = [C];
        const a = refs.nd(rand(A * B * C, 1), sa);
        const b = refs.nd(rand(B, 2), sb);
        const c = refs.nd(rand(C, 3), sc);
        const w = refs.nd(rand(A * B * C, 4), sa);
        const y = refs.zip(refs.zip(a, b, (p, q) => p * q), c, (p, q) => p + q);
        return e.scope(async () => {
          const [at, bt, ct] = [a, b, c].map((x) => e.tensor(F(x.data), x.shape, { requiresGrad: true }));
          const yt = at.mul(bt).add(ct);
          const got = await read(yt);
          yt.backward(e.tensor(F(w.data), sa));
          const tol: Tolerance = { atol: 1e-6, rtol: 1e-6 };
          return [
            { what: 'y', got, want: y.data, tol },
            { what: 'da', got: await read(at.grad!), want: refs.zip(w, b, (p, q) => p * q).data, tol },
            { what: 'db (summed over the broadcast)', got: await read(bt.grad!), want: unbroadcast(refs, refs.zip(w, a, (p, q) => p * q), sb).data, tol },
            { what: 'dc (summed over the broadcast)', got: await read(ct.grad!), want: unbroadcast(refs, w, sc).data, tol },
          ];
        });
      },
    },
    {
      family: 'elementwise',
      variant: 'unary exp, log, sqrt, tanh, relu; div',
      shape: fmt([A * B * C]),
      async run(e, refs) {
        const n = A * B * C;
        const x = rand(n, 5, 0.1, 2);
        const z = rand(n, 6, -2, 2);
        return e.scope(async () => {
          const xt = e.tensor(F(x), [n]);
          const zt = e.tensor(F(z), [n]);
          // WGSL's exp, log and tanh may differ from the correctly rounded value by several ULP.
          const tol: Tolerance = { atol: 1e-6, rtol: 1e-5 };
          const un = (what: string, t: Tensor, f: (v: number) => number, src: Float64Array) => read(t).then((got) => ({ what, got, want: src.map(f), tol }));
          return Promise.all([
            un('exp', xt.exp(), Math.exp, x),
            un('log', xt.log(), Math.log, x),
            un('sqrt', xt.sqrt(), Math.sqrt, x),
            un('tanh', zt.tanh(), Math.tanh, z),
            un('relu', zt.relu(), (v) => Math.max(v, 0), z),
            read(e.ops.div(zt, xt)).then((got) => ({ what: 'z / x', got, want: refs.zip(refs.nd(z, [n]), refs.nd(x, [n]), (p, q) => p / q).data, tol })),
          ]);
        });
      },
    },
  ];
}

function reduceChecks(size: SmokeSize): Check[] {
  // Shapes that take each path of kernels/reduce.ts: a thread per output, a workgroup per output
  // (few outputs, a long axis) and column chunks (a long axis over >= 32 contiguous columns).
  const cases: { name: string; shape: number[]; axis: number; op: 'sum' | 'mean' | 'max' }[] =
    size === 'tiny'
      ? [
          { name: 'sum, thread per output', shape: [3, 5, 4], axis: 1, op: 'sum' },
          { name: 'mean, workgroup per output', shape: [2, 520], axis: 1, op: 'mean' },
          { name: 'sum, column chunks', shape: [2, 130, 33], axis: 1, op: 'sum' },
          { name: 'max (first maximum gets the gradient)', shape: [3, 7], axis: 1, op: 'max' },
        ]
      : [
          { name: 'sum, thread per output', shape: [5, 13, 7], axis: 1, op: 'sum' },
          { name: 'mean, workgroup per output', shape: [4, 600], axis: 1, op: 'mean' },
          { name: 'sum, column chunks', shape: [3, 150, 40], axis: 1, op: 'sum' },
          { name: 'max (first maximum gets the gradient)', shape: [6, 37, 3], axis: 1, op: 'max' },
        ];
  return cases.map((c) => ({
    family: 'reduce',
    variant: c.name,
    shape: `${fmt(c.shape)} axis ${c.axis}`,
    async run(e, refs) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = refs.nd(rand(n, n + c.axis), c.shape);
      const y = refs.reduce(x, c.axis, c.op, true);
      const g = refs.nd(rand(y.data.length, 9), y.shape);
      // Gradient: spread over the axis (scaled for the mean), or to the first maximal element.
      let dx: Ref.Nd;
      if (c.op === 'max') {
        dx = refs.nd(new Float64Array(n), c.shape);
        const [outer, len, inner] = [c.shape.slice(0, c.axis).reduce((a, b) => a * b, 1), c.shape[c.axis], c.shape.slice(c.axis + 1).reduce((a, b) => a * b, 1)];
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            let best = 0;
            for (let j = 1; j < len; j++) if (x.data[(o * len + j) * inner + i] > x.data[(o * len + best) * inner + i]) best = j;
            dx.data[(o * len + best) * inner + i] = g.data[o * inner + i];
          }
      } else dx = refs.zip(refs.nd(new Float64Array(n), c.shape), g, (_, q) => (c.op === 'mean' ? q / c.shape[c.axis] : q));
      return e.scope(async () => {
        const xt = e.tensor(F(x.data), c.shape, { requiresGrad: true });
        const yt = c.op === 'sum' ? xt.sum(c.axis, true) : c.op === 'mean' ? xt.mean(c.axis, true) : xt.max(c.axis, true);
        const got = await read(yt);
        yt.backward(e.tensor(F(g.data), y.shape));
        const tol: Tolerance = c.op === 'max' ? { exact: true } : { atol: 1e-6, rtol: 1e-5 };
        return [
          { what: c.op, got, want: y.data, tol },
          { what: 'dx', got: await read(xt.grad!), want: dx.data, tol: c.op === 'max' ? { exact: true } : { atol: 1e-7, rtol: 1e-6 } },
        ];
      });
    },
  }));
}

function layoutChecks(size: SmokeSize): Check[] {
  const perms: [number[], number[]][] =
    size === 'tiny'
      ? [
          [[2, 3, 2, 8], [0, 2, 1, 3]],
          [[3, 1, 5], [2, 1, 0]],
        ]
      : [
          [[3, 7, 2, 8], [0, 2, 1, 3]], // vec4 runs of 8 (the attention head split)
          [[3, 7, 2, 6], [0, 2, 1, 3]], // runs of 6: scalar
          [[5, 1, 9], [2, 1, 0]], // a true transpose after dropping the 1
          [[2, 3, 4, 5, 3], [4, 2, 0, 3, 1]], // rank 5, nothing merges
        ];
  const checks: Check[] = perms.map(([shape, perm]) => ({
    family: 'layout',
    variant: `permute ${fmt(perm)}`,
    shape: fmt(shape),
    async run(e, refs) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = rand(n, n);
      const want = refs.permute(refs.nd(x, shape), perm);
      const got = await e.scope(async () => read(e.ops.transpose(e.tensor(F(x), shape), perm)));
      return [{ what: 'y', got, want: want.data, tol: { exact: true } }];
    },
  }));
  const [A, B, C] = size === 'tiny' ? [2, 5, 3] : [3, 11, 7];
  checks.push({
    family: 'layout',
    variant: 'slice and concat',
    shape: `${fmt([A, B, C])} axis 1`,
    async run(e, refs) {
      const x = refs.nd(rand(A * B * C, 3), [A, B, C]);
      const z = refs.nd(rand(A * 2 * C, 4), [A, 2, C]);
      return e.scope(async () => {
        const xt = e.tensor(F(x.data), [A, B, C]);
        const zt = e.tensor(F(z.data), [A, 2, C]);
        return [
          { what: 'slice 1:4', got: await read(xt.slice(1, 1, 4)), want: refs.slice(x, 1, 1, 4).data, tol: { exact: true } },
          { what: 'concat', got: await read(e.ops.concat([zt, xt, zt], 1)), want: refs.concat([z, x, z], 1).data, tol: { exact: true } },
        ];
      });
    },
  });
  return checks;
}

// ------------------------------------------------------------------------------ embedding, dropout

function embeddingCheck(size: SmokeSize): Check {
  const [V, D, P] = size === 'tiny' ? [7, 5, 13] : [50, 37, 77];
  return {
    family: 'embedding',
    variant: 'gather, scatter-add',
    shape: `vocab ${V}, dim ${D}, ${P} positions with repeats and out-of-range ids`,
    async run(e, refs) {
      const rng = new Rng(V + D + P);
      // A few very frequent ids (like [PAD] and [CLS]), the rest spread, two out of range.
      const ids = Array.from({ length: P }, (_, i) => (i === 3 ? -1 : i === 5 ? V : i % 3 ? rng.int(Math.min(V, 4)) : rng.int(V)));
      const table = rand(V * D, 1);
      const g = rand(P * D, 2);
      return e.scope(async () => {
        const tt = e.tensor(F(table), [V, D], { requiresGrad: true });
        const out = e.nn.embedding(tt, e.tensor(Int32Array.from(ids), [P]));
        const got = await read(out);
        out.backward(e.tensor(F(g), [P, D]));
        // The kernel sums each row's positions in order: rounded to f32 the same way, it is exact.
        return [
          { what: 'gather', got, want: refs.gatherRef(table, V, D, ids), tol: { exact: true } },
          { what: 'scatter-add', got: await read(tt.grad!), want: refs.scatterRef(V, D, ids, g, true), tol: { exact: true } },
        ];
      });
    },
  };
}

function dropoutCheck(size: SmokeSize): Check {
  const n = size === 'tiny' ? 1025 : 4099;
  const p = 0.3;
  return {
    family: 'dropout',
    variant: `p ${p}`,
    shape: fmt([n]),
    async run(e, refs) {
      const xs = rand(n, 1, 0.5, 1.5);
      const gs = rand(n, 2, 0.5, 1.5);
      const scale = Math.fround(1 / (1 - p));
      const mask = Array.from({ length: n }, (_, i) => refs.dropoutKeep(1234, i, p));
      return e.scope(async () => {
        const x = e.tensor(F(xs), [n], { requiresGrad: true });
        const y = e.nn.dropout(x, p, 1234);
        const got = await read(y);
        y.backward(e.tensor(F(gs), [n]));
        const again = await read(e.nn.dropout(x, p, 1234));
        const other = await read(e.nn.dropout(x, p, 1235));
        const kept = got.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
        let same = 0;
        for (let i = 0; i < n; i++) same += (got[i] !== 0) === (other[i] !== 0) ? 1 : 0;
        // Binomial(n, 1 - p) keeps, and two seeds agree on a fraction p^2 + (1-p)^2: within 5 sd.
        const sdKeep = Math.sqrt(n * p * (1 - p)) / n;
        const agree = p * p + (1 - p) * (1 - p);
        return [
          { what: 'y (the host mirror of the mask)', got, want: xs.map((v, i) => (mask[i] ? Math.fround(v * scale) : 0)), tol: { exact: true } },
          { what: 'dx (same mask)', got: await read(x.grad!), want: gs.map((v, i) => (mask[i] ? Math.fround(v * scale) : 0)), tol: { exact: true } },
          { what: 'same seed again (deterministic)', got: again, want: got, tol: { exact: true } },
          { what: 'kept fraction', got: [kept / n], want: [1 - p], tol: { atol: 5 * sdKeep, rtol: 0 } },
          { what: 'two seeds agree (independent masks)', got: [same / n], want: [agree], tol: { atol: 5 * Math.sqrt(agree * (1 - agree) / n), rtol: 0 } },
        ];
      });
    },
  };
}

// ------------------------------------------------------------------------------ focus, heatmap

function focusChecks(size: SmokeSize): Check[] {
  const shape = size === 'tiny' ? [1, 3, 3, 4] : [2, 3, 7, 9];
  return [
    { a: 0.3, clampA: false },
    { a: 1.4, clampA: true }, // clamped to 1: output = image, no gradient to a
  ].map(({ a, clampA }) => ({
    family: 'focus',
    variant: clampA ? 'a clamped to [0, 1]' : 'a unclamped',
    shape: `${fmt(shape)} a ${a}`,
    async run(e, refs) {
      const [B, , H, W] = shape;
      const n = shape.reduce((x, y) => x * y, 1);
      const img = rand(n, 1, 0, 1);
      const heat = rand(B * H * W, 2, 0, 1);
      const g = rand(n, 3);
      const a32 = Math.fround(a);
      const want = refs.focusGradRef(img, heat, a32, g, shape, clampA);
      return e.scope(async () => {
        const ti = e.tensor(F(img), shape, { requiresGrad: true });
        const th = e.tensor(F(heat), [B, 1, H, W], { requiresGrad: true });
        const ta = e.tensor([a], [1], { requiresGrad: true });
        const out = e.nn.focus(ti, th, ta, { clampA });
        const got = await read(out);
        out.backward(e.tensor(F(g), shape));
        return [
          { what: 'out', got, want: refs.focusRef(img, heat, a32, shape, clampA), tol: { atol: 1e-6, rtol: 1e-6 } },
          { what: 'dImage', got: await read(ti.grad!), want: want.dImage, tol: { atol: 1e-6, rtol: 1e-6 } },
          { what: 'dHeatmap', got: await read(th.grad!), want: want.dHeatmap, tol: { atol: 1e-6, rtol: 1e-5 } },
          { what: 'da', got: await read(ta.grad!), want: [want.da], tol: { atol: 1e-5, rtol: 1e-4 } },
        ];
      });
    },
  }));
}

/** A person scattered around (cx, cy) with spread s, some joints invisible, f32-exact coordinates. */
function scatteredPerson(rng: Rng, cx: number, cy: number, s: number): Person {
  const kpts: [number, number][] = [];
  const vis: number[] = [];
  for (let j = 0; j < NUM_JOINTS; j++) {
    kpts.push([Math.fround(cx + rng.uniform(-s, s)), Math.fround(cy + rng.uniform(-s, s))]);
    vis.push(rng.next() < 0.8 ? 1 : 0);
  }
  return { kpts, vis };
}

function heatmapChecks(size: SmokeSize): Check[] {
  const [w, h] = size === 'tiny' ? [9, 7] : [37, 23];
  return HEATMAP_MODES.map((mode) => ({
    family: 'heatmap',
    variant: mode,
    shape: `3 images of 0-3 people -> ${w}x${h}`,
    async run(e, refs) {
      const rng = new Rng(17 + mode.length);
      const sizes = [
        { width: 640, height: 480 },
        { width: 37, height: 23 },
        { width: 333, height: 999 },
      ];
      const samples = sizes.map((s, b) => Array.from({ length: [3, 1, 0][b] }, () => scatteredPerson(rng, rng.uniform(-0.2, 1.2) * s.width, rng.uniform(-0.2, 1.2) * s.height, rng.uniform(2, 0.4 * Math.max(s.width, s.height)))));
      const packed = packKeypoints(samples, sizes);
      const want = new Float64Array(samples.length * w * h);
      samples.forEach((people, b) => want.set(refs.heatmapRef(people, sizes[b].width, sizes[b].height, w, h, { mode }), b * w * h));
      const got = await e.scope(async () =>
        read(rasterizeHeatmaps(e, e.tensor(packed.keypoints, [samples.length, packed.maxPeople, NUM_JOINTS, 3]), e.tensor(packed.sizes, [samples.length, 2]), { width: w, height: h, mode })),
      );
      return [{ what: 'heatmaps', got, want, tol: { atol: 1e-5, rtol: 0 } }];
    },
  }));
}

// ------------------------------------------------------------------------------ optimizers

function optimizerChecks(size: SmokeSize): Check[] {
  const n = size === 'tiny' ? 33 : 1000;
  // Chunks of 128 elements: several launches per step, the last one partial.
  const chunk = { maxChunkElements: 128 };
  return [
    {
      family: 'optimizer',
      variant: 'SGD momentum + weight decay, 2 steps',
      shape: fmt([n]),
      async run(e, refs) {
        const p0 = rand(n, 1);
        const gs = [rand(n, 2), rand(n, 3)];
        const o = { lr: 0.1, momentum: 0.9, weightDecay: 0.01 };
        const want = refs.sgdRef(p0, gs, o);
        return e.scope(async () => {
          const params = e.tensor(F(p0), [n]);
          const buf = e.zeros([n]);
          for (const g of gs) sgdStep(e, { params, grads: e.tensor(F(g), [n]), momentum: buf }, { ...o, ...chunk });
          return [
            { what: 'params', got: await read(params), want: want.params, tol: { atol: 1e-6, rtol: 1e-5 } },
            { what: 'momentum', got: await read(buf), want: want.momentum, tol: { atol: 1e-6, rtol: 1e-5 } },
          ];
        });
      },
    },
    {
      family: 'optimizer',
      variant: 'SGD Nesterov, clipped by the global norm',
      shape: `${fmt([n])} + ${fmt([7])}`,
      async run(e, refs) {
        const p0 = rand(n, 4);
        const g = rand(n, 5);
        const g2 = rand(7, 6, -3, 3);
        const clip = refs.gradNormRef([g, g2], 0.5);
        const o = { lr: 0.5, momentum: 0.9, nesterov: true };
        const want = refs.sgdRef(p0, [g], { ...o, coef: clip.coef });
        return e.scope(async () => {
          const gt = e.tensor(F(g), [n]);
          const norm = gradNorm(e, [gt, e.tensor(F(g2), [7])], 0.5, { maxChunkElements: 192 });
          const params = e.tensor(F(p0), [n]);
          sgdStep(e, { params, grads: gt, momentum: e.zeros([n]) }, { ...o, clip: norm, ...chunk });
          return [
            { what: 'norm, clip coefficient', got: await read(norm), want: [clip.norm, clip.coef], tol: { atol: 1e-7, rtol: 1e-5 } },
            { what: 'params', got: await read(params), want: want.params, tol: { atol: 1e-6, rtol: 1e-5 } },
          ];
        });
      },
    },
    {
      family: 'optimizer',
      variant: 'AdamW, 3 steps',
      shape: fmt([n]),
      async run(e, refs) {
        const p0 = rand(n, 7);
        const gs = [8, 9, 10].map((s) => rand(n, s, -2, 2));
        const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 };
        const want = refs.adamwRef(p0, gs, o);
        return e.scope(async () => {
          const params = e.tensor(F(p0), [n]);
          const m = e.zeros([n]);
          const v = e.zeros([n]);
          gs.forEach((g, s) => adamwStep(e, { params, grads: e.tensor(F(g), [n]), m, v }, { ...o, step: s + 1, ...chunk }));
          return [
            { what: 'params', got: await read(params), want: want.params, tol: { atol: 1e-6, rtol: 1e-5 } },
            { what: 'm', got: await read(m), want: want.m, tol: { atol: 1e-7, rtol: 1e-5 } },
            { what: 'v', got: await read(v), want: want.v, tol: { atol: 1e-8, rtol: 1e-5 } },
          ];
        });
      },
    },
  ];
}

// ------------------------------------------------------------------------------ the smoke

/** The families in the order they run. */
export const SMOKE_FAMILIES = ['gemm', 'linear', 'attention', 'softmax', 'softmax-xent', 'layernorm', 'gelu', 'l2norm', 'elementwise', 'reduce', 'layout', 'embedding', 'dropout', 'focus', 'heatmap', 'optimizer'] as const;

/** Every check for this engine's adapter, by family. */
export function smokeChecks(e: Engine, size: SmokeSize = 'small'): Record<(typeof SMOKE_FAMILIES)[number], Check[]> {
  return {
    gemm: gemmChecks(e, size),
    linear: [linearCheck(size)],
    attention: attentionChecks(size),
    softmax: softmaxChecks(size),
    'softmax-xent': xentChecks(size),
    layernorm: layerNormChecks(size),
    gelu: [geluCheck(size)],
    l2norm: l2Checks(size),
    elementwise: elementwiseChecks(size),
    reduce: reduceChecks(size),
    layout: layoutChecks(size),
    embedding: [embeddingCheck(size)],
    dropout: [dropoutCheck(size)],
    focus: focusChecks(size),
    heatmap: heatmapChecks(size),
    optimizer: optimizerChecks(size),
  };
}

/** Run the checks on `e`, one after another; a check that throws is a failed check. */
export async function runSmoke(e: Engine, opts: SmokeOptions = {}): Promise<SmokeResult[]> {
  const refs = opts.refs ?? REFERENCES;
  const all = smokeChecks(e, opts.size ?? 'small');
  const unknown = (opts.families ?? []).filter((f) => !(f in all));
  if (unknown.length) throw new Error(`bench all: unknown kernel famil${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}; families: ${SMOKE_FAMILIES.join(', ')}.`);
  const results: SmokeResult[] = [];
  for (const fam of SMOKE_FAMILIES) {
    if (opts.families && !opts.families.includes(fam)) continue;
    for (const c of all[fam]) {
      const base = { family: c.family, variant: c.variant, shape: c.shape };
      const why = c.skip?.(e);
      let r: SmokeResult;
      if (why) {
        r = { ...base, pass: true, maxAbsErr: 0, maxRelErr: 0, tolerance: '-', ms: 0, outputs: [], skipped: why };
      } else {
        const t0 = performance.now();
        try {
          const comps = await c.run(e, refs);
          await e.sync();
          const outputs = comps.map((x) => compare(x.what, x.got, x.want, x.tol));
          const worst = outputs.reduce((w, o) => (o.ratio > w.ratio || Number.isNaN(o.ratio) ? o : w), outputs[0]);
          r = { ...base, pass: outputs.every((o) => o.pass), maxAbsErr: Math.max(...outputs.map((o) => o.maxAbsErr)), maxRelErr: Math.max(...outputs.map((o) => o.maxRelErr)), tolerance: worst.tolerance, ms: performance.now() - t0, outputs };
        } catch (err) {
          r = { ...base, pass: false, maxAbsErr: NaN, maxRelErr: NaN, tolerance: '-', ms: performance.now() - t0, outputs: [], error: err instanceof Error ? err.message : String(err) };
          // A failed launch leaves the engine's error scope dirty: collect it so the next check starts clean.
          await e.sync().catch(() => undefined);
        }
      }
      results.push(r);
      opts.onResult?.(r);
    }
  }
  return results;
}

/** One line per failed check (what failed and by how much), then a table per family, failing
 *  families first: checks, failures, skips, the largest errors and the worst error over its tolerance. */
export function smokeTable(results: readonly SmokeResult[]): string[] {
  const ex = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : String(v));
  const lines = results
    .filter((r) => !r.pass)
    .map((r) => `FAIL  ${r.family} / ${r.variant} / ${r.shape}: ${r.error ?? r.outputs.filter((o) => !o.pass).map((o) => `${o.what} error ${Number.isFinite(o.ratio) ? o.ratio.toPrecision(3) : o.ratio}x the tolerance (${o.tolerance}; max abs ${ex(o.maxAbsErr)})`).join('; ')}`);
  const families = [...new Set(results.map((r) => r.family))].map((family) => {
    const rs = results.filter((r) => r.family === family);
    const ran = rs.filter((r) => !r.skipped);
    const outs = ran.flatMap((r) => r.outputs);
    const failed = rs.filter((r) => !r.pass).length;
    return {
      failed,
      cells: [
        failed ? 'FAIL' : ran.length ? 'pass' : 'skip',
        family,
        String(rs.length),
        String(failed),
        String(rs.length - ran.length),
        outs.length ? ex(Math.max(...outs.map((o) => o.maxAbsErr))) : '-',
        outs.length ? ex(Math.max(...outs.map((o) => o.maxRelErr))) : '-',
        outs.length ? Math.max(...outs.map((o) => o.ratio)).toPrecision(2) : '-',
        (ran.reduce((t, r) => t + r.ms, 0) / 1000).toFixed(1),
      ],
    };
  });
  families.sort((a, b) => Number(b.failed > 0) - Number(a.failed > 0));
  const head = ['', 'family', 'checks', 'failed', 'skipped', 'max abs', 'max rel', 'worst / tolerance', 's'];
  const width = head.map((h, i) => Math.max(h.length, ...families.map((f) => f.cells[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i])).join('  ').trimEnd();
  return [...lines, line(head), ...families.map((f) => line(f.cells))];
}
