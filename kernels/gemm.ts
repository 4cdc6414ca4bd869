// The GEMM family's launcher: C[b] = act(alpha * op(A[b]) op(B[b]) + bias) (C += ... when
// accumulating), op = identity or transpose per operand, strided batches (stride 0 broadcasts one
// matrix). Which kernel runs is decided per shape: a tuned choice from kernels/gemm-tune.ts when
// one exists, else a heuristic from the adapter (register-only 'lanes' kernels on CPU adapters,
// workgroup-memory 'tiled' kernels on GPUs). The WGSL lives in kernels/gemm-wgsl.ts.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import type { Kernel } from '../engine/kernel.js';
import type { MatmulSpec } from './matmul-naive.js';
import {
  flagsName,
  lanesSource,
  sgSource,
  splitReduceSource,
  tiledSource,
  variantName,
  workgroupTile,
  type Activation,
  type GemmFlags,
  type GemmVariant,
} from './gemm-wgsl.js';
import { cachedVariant } from './gemm-choices.js';
import { kPadded, packedSize, packPanels, type PackSpec } from './gemm-pack.js';

export type { Activation, GemmVariant } from './gemm-wgsl.js';

export interface GemmSpec extends MatmulSpec {
  /** [N], added to every row before the activation. */
  bias?: Tensor;
  act?: Activation;
  /** Receives the pre-activation values (same layout as C), for the activation's backward. */
  preact?: Tensor;
  /** Elements between consecutive C matrices; defaults to M * N. */
  strideC?: number;
  /** Force a kernel (benchmarks, tests, the tuner); otherwise tuned or heuristic. */
  variant?: GemmVariant;
}

/** The operand types the GEMM family runs on. */
export type GemmDType = 'f32' | 'f16';

/** The shape facts a kernel choice depends on (the tuner's cache key; f32 keys carry no dtype). */
export function shapeKey(s: GemmSpec, dtype: GemmDType = 'f32'): string {
  return `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} M${s.M} N${s.N} K${s.K} b${s.batch ?? 1}${dtype === 'f16' ? ' f16' : ''}`;
}

/** True on CPU implementations of WebGPU (lavapipe/llvmpipe, SwiftShader, WARP). */
export function isCpuAdapter(e: Runtime): boolean {
  const a = e.adapter;
  const text = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return a.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software|warp|cpu/.test(text);
}

/** The adapter's subgroup size when it is fixed (min == max) and subgroups are enabled. */
export function fixedSubgroupSize(e: Runtime): number | undefined {
  if (!e.features.has('subgroups')) return undefined;
  const info = (e.device as any).adapterInfo ?? {};
  const lo = info.subgroupMinSize;
  const hi = info.subgroupMaxSize;
  return typeof lo === 'number' && lo === hi && lo >= 4 && lo <= 64 ? lo : undefined;
}

/** The variants worth trying for a shape on this adapter, all within the adapter's limits. */
export function candidateVariants(e: Runtime, s: GemmSpec, dtype: GemmDType = 'f32'): GemmVariant[] {
  const lim = e.limits;
  const out: GemmVariant[] = [];
  const sg = fixedSubgroupSize(e);
  // Subgroup kernels only where a workgroup of `sg` invocations is exactly one subgroup. Taller
  // tiles (more row blocks) share each B load among more rows; wider ones (b = 2) measured slower.
  if (sg && sg <= lim.maxComputeWorkgroupSizeX) {
    for (const a of [1, 2, 3]) out.push({ kind: 'sg', sg, a, b: 1, splitK: 1 });
    out.push({ kind: 'sg', sg, a: 2, b: 1, swz: 8, splitK: 1 });
    // Tile panels pay where K is long enough that the operands' row walk, not the arithmetic, limits.
    if (sg === 8 && s.K >= 1024) for (const a of [2, 3]) out.push({ kind: 'sg', sg, a, b: 1, pack: true, splitK: 1 });
    // f16 with N % 8 == 0: two column groups per lane load 8 packed halves at once (+5-10% at
    // 1024^3 over the best b = 1 tile; 5 s to compile on llvmpipe, so only tuned, never default).
    if (dtype === 'f16' && !s.transB && s.N % 8 === 0) out.push({ kind: 'sg', sg, a: 2, b: 2, splitK: 1 });
  }
  // Register-only kernels without subgroups (a portable CPU fallback) and the workgroup-memory
  // kernel for GPUs; on lavapipe both are 10-20x slower than 'sg', so only one of each is tried.
  if (64 <= lim.maxComputeInvocationsPerWorkgroup && 64 <= lim.maxComputeWorkgroupSizeX) out.push({ kind: 'lanes', wg: 64, tm: 2, tn: 8, unroll: 4, splitK: 1 });
  for (const [wx, wy, tm, tn, bk] of [
    [16, 16, 4, 4, 16],
    [8, 8, 4, 4, 16],
  ]) {
    const bytes = 4 * bk * (wy * tm + wx * tn);
    if (wx * wy <= lim.maxComputeInvocationsPerWorkgroup && wx <= lim.maxComputeWorkgroupSizeX && wy <= lim.maxComputeWorkgroupSizeY && bytes <= lim.maxComputeWorkgroupStorageSize) {
      out.push({ kind: 'tiled', wx, wy, tm, tn, bk, splitK: 1 });
    }
  }
  // Split-K pays when the output alone gives too few workgroups to fill the device and K is long
  // (weight gradients dW = X^T dY).
  const base = out.slice();
  for (const v of base) {
    const sk = splitKFor(e, v, s);
    if (sk > 1) out.push({ ...v, splitK: sk });
  }
  return out;
}

function splitKFor(e: Runtime, v: GemmVariant, s: GemmSpec): number {
  const t = workgroupTile(v);
  const groups = Math.ceil(s.M / t.rows) * Math.ceil(s.N / t.cols) * (s.batch ?? 1);
  const cpu = isCpuAdapter(e);
  const want = cpu ? 16 : 256;
  // On CPU adapters a long K also pays: every k-step reads a new row of B (and of A when
  // transposed), so K = 6304 walks ~19k pages of B per column panel and the TLB thrashes; chunks
  // of ~1k k-steps run in order (the chunk index is the slowest launch dimension). Paper dW
  // 768x3072x6304 (TN): 16.5 GFLOP/s unsplit, 25.1 in 8 chunks, 24.6 in 12 (same process).
  const longK = cpu && s.K >= 4096 && !(v.kind === 'sg' && v.pack) ? Math.min(16, Math.ceil(s.K / 1024)) : 1;
  const forGroups = groups >= want || s.K < 1024 ? 1 : Math.min(16, Math.floor(s.K / 256), Math.ceil(want / groups));
  return Math.max(forGroups, longK);
}

// Throughput of the sg kernel with 1, 2, 3 row blocks relative to 1 (CPU time per GEMM at 1024^3 and
// the FocusCLIP shapes on lavapipe: 8 / 16 / 24 rows share each B load; beyond 3 the spills win).
const SG_ROW_BLOCK_SPEED = [0, 1, 1.25, 1.35];

/** Row blocks for the sg kernel: the fastest tile once the padding of the last block is paid. Below
 *  128 rows a GEMM is launch-bound (1 and 2 blocks measured the same at 128^3), and a taller tile
 *  only adds compile time (seconds per flag combination on llvmpipe). */
export function sgRowBlocks(sg: number, M: number): number {
  if (M < 128) return 1;
  let best = 1;
  let bestCost = Infinity;
  for (let a = 1; a < SG_ROW_BLOCK_SPEED.length; a++) {
    const cost = (Math.ceil(M / (sg * a)) * sg * a) / SG_ROW_BLOCK_SPEED[a];
    if (cost < bestCost) [best, bestCost] = [a, cost];
  }
  return best;
}

/** Whether tile panels (variant `pack`) are the better default on a CPU adapter. An operand read
 *  along its rows, one row per k-step (A transposed, B untransposed), moves >= 8 KB per k-step once
 *  those rows hold >= 2048 elements: strides beyond what the CPU's stride prefetcher follows, a new
 *  page every k-step. With a long K that walk, not the arithmetic, sets the pace (same process,
 *  lavapipe: paper dW 768x3072x6304 TN 18.5 -> 27.3 GFLOP/s, 2048^3 17.4 -> 32.2); below that
 *  (K = 768-3072 at 768-2304 columns, the tiny preset) panels measured the same or up to 20% slower
 *  because their copy is not paid back. */
export function wantsPanels(s: GemmSpec): boolean {
  const widest = Math.max(s.transA ? s.M : 0, s.transB ? 0 : s.N);
  return s.K >= 2048 && widest >= 2048;
}

/** The kernel to use when nothing has been tuned for this shape. */
export function defaultVariant(e: Runtime, s: GemmSpec): GemmVariant {
  const sg = fixedSubgroupSize(e);
  const v: GemmVariant = !isCpuAdapter(e)
    ? { kind: 'tiled', wx: 16, wy: 16, tm: 4, tn: 4, bk: 16, splitK: 1 }
    : sg
      ? { kind: 'sg', sg, a: sgRowBlocks(sg, s.M), b: 1, ...(sg === 8 && wantsPanels(s) ? { pack: true } : {}), splitK: 1 }
      : { kind: 'lanes', wg: 64, tm: 2, tn: 8, unroll: 4, splitK: 1 };
  // The same tile among the candidates that fit this adapter (panels are a launch choice, not a limit).
  const fits = candidateVariants(e, { ...s, M: 1, N: 1, K: 1 });
  const tileOnly = v.kind === 'sg' ? { ...v, pack: undefined } : v;
  const same = fits.find((c) => variantName(c) === variantName(tileOnly));
  const ok: GemmVariant | undefined = same?.kind === 'sg' && v.kind === 'sg' && v.pack ? { ...same, pack: true } : (same ?? fits[0]);
  if (!ok) throw new Error(`gemm: no kernel variant fits this adapter's limits (${JSON.stringify(e.limits)}).`);
  return { ...ok, splitK: splitKFor(e, ok, s) };
}

// Compiled kernels per engine by name (the name encodes the variant and every flag). Generating an
// sg kernel's source takes ~0.1 ms and the engine's lookup hashes the whole source (another ~0.1 ms
// here): as long as a small GEMM's whole launch, so both happen once per engine and name.
const kernelsByEngine = new WeakMap<Runtime, Map<string, Kernel>>();
function gemmKernel(e: Runtime, name: string, make: () => string): Kernel {
  let byName = kernelsByEngine.get(e);
  if (!byName) kernelsByEngine.set(e, (byName = new Map()));
  let k = byName.get(name);
  if (!k) byName.set(name, (k = e.kernel(name, make())));
  return k;
}

function need(what: string, t: Tensor, elements: number, s: GemmSpec, dtype: string): void {
  if (t.dtype !== dtype) {
    throw new Error(`gemm: ${what} is ${t.describe()} but A is ${dtype}; all operands (A, B, C, bias, preact) must share one dtype, f32 or f16. Cast first.`);
  }
  if (t.size < elements) {
    throw new Error(
      `gemm: ${what} ${t.describe()} has ${t.size} elements but the spec needs ${elements} ` +
        `(M=${s.M}, N=${s.N}, K=${s.K}, batch=${s.batch ?? 1}, trans${s.transA ? 'A' : ''}${s.transB ? 'B' : ''}${!s.transA && !s.transB ? ' none' : ''}). ` +
        'Check the shapes or pass explicit strides.',
    );
  }
}

/** C[b] = act(alpha * op(A[b]) op(B[b]) + bias), or C[b] += that when `accumulate`. */
export function gemm(e: Runtime, A: Tensor, B: Tensor, C: Tensor, s: GemmSpec): void {
  const { M, N, K } = s;
  const batch = s.batch ?? 1;
  for (const [k, v] of Object.entries({ M, N, K, batch })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${k} must be a non-negative integer, got ${v}.`);
  }
  if (M === 0 || N === 0 || batch === 0) return;
  const strideA = s.strideA ?? M * K;
  const strideB = s.strideB ?? K * N;
  const strideC = s.strideC ?? M * N;
  if (strideC < M * N && batch > 1) throw new Error(`gemm: strideC ${strideC} < M*N = ${M * N} would overlap the outputs of different batches.`);
  const dtype = A.dtype;
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`gemm: operands must be f32 or f16, got A ${A.describe()}.`);
  need('A', A, (batch - 1) * strideA + M * K, s, dtype);
  need('B', B, (batch - 1) * strideB + K * N, s, dtype);
  need('C', C, (batch - 1) * strideC + M * N, s, dtype);
  if (s.bias) need('bias', s.bias, N, s, dtype);
  if (s.preact) need('preact', s.preact, (batch - 1) * strideC + M * N, s, dtype);
  // After the operand checks: mixed dtypes are wrong on every device, a missing feature only here.
  if (dtype === 'f16' && !e.features.has('shader-f16')) {
    throw new Error(
      `gemm: A ${A.describe()} is f16 but this device lacks the 'shader-f16' feature (adapter ${e.adapter.vendor} ${e.adapter.device || e.adapter.description}). Use f32 tensors on this adapter.`,
    );
  }
  if (K === 0) {
    // An empty sum: every output is the epilogue of zero. Rare; a K=1 product of zeros lets the same
    // kernels apply bias, activation and accumulate.
    const zero = e.zeros([Math.max(M, N)], dtype);
    try {
      gemm(e, zero, zero, C, { ...s, K: 1, strideA: 0, strideB: 0, transA: false, transB: false });
    } finally {
      zero.dispose();
    }
    return;
  }

  let variant = s.variant ?? cachedVariant(e, shapeKey(s, dtype)) ?? defaultVariant(e, s);
  if (variant.kind === 'sg' && variant.pack) {
    const tile = workgroupTile(variant);
    const pa: PackSpec = { rows: M, K, T: tile.rows, batch, stride: strideA, kMajor: !!s.transA };
    const pb: PackSpec = { rows: N, K, T: tile.cols, batch, stride: strideB, kMajor: !s.transB };
    const bytes = (dtype === 'f16' ? 2 : 4) * Math.max(packedSize(pa), packedSize(pb));
    if (variant.sg === 8 && bytes <= e.limits.maxStorageBufferBindingSize) {
      const Ap = e.empty([packedSize(pa)], dtype);
      const Bp = e.empty([packedSize(pb)], dtype);
      try {
        packPanels(e, A, Ap, pa);
        packPanels(e, B, Bp, pb);
        const kp = kPadded(K);
        launch(e, Ap, Bp, C, { ...s, strideA: Math.ceil(M / tile.rows) * kp * tile.rows, strideB: Math.ceil(N / tile.cols) * kp * tile.cols, strideC }, variant, true);
      } finally {
        // Back to the pool at once; the queue orders any reuse after these launches.
        Ap.dispose();
        Bp.dispose();
      }
      return;
    }
    // Panels that would not fit one binding (or another subgroup size): the same tile unpacked.
    variant = { ...variant, pack: false };
  }
  launch(e, A, B, C, { ...s, strideA, strideB, strideC }, variant, false);
}

/** One GEMM with a chosen kernel; strides resolved. `packed`: A and B are tile panels (gemm-pack.ts). */
function launch(e: Runtime, A: Tensor, B: Tensor, C: Tensor, s: GemmSpec & { strideA: number; strideB: number; strideC: number }, variant: GemmVariant, packed: boolean): void {
  const { M, N, K, strideA, strideB, strideC } = s;
  const batch = s.batch ?? 1;
  const dtype = A.dtype as GemmDType;
  const act = s.act ?? 'none';
  const tile = workgroupTile(variant);
  const maxDim = e.limits.maxComputeWorkgroupsPerDimension;
  // The f32 partial sums of all chunks are one binding: never more chunks than fit in it.
  const maxSplits = Math.max(1, Math.floor(e.limits.maxStorageBufferBindingSize / (4 * batch * M * N)));
  let splits = Math.max(1, Math.min(variant.splitK, K, maxSplits));
  // Chunks are whole blocks of 4 k-steps, so a K % 4 == 0 product has no ragged block anywhere.
  const kChunk = 4 * Math.ceil(K / splits / 4);
  splits = Math.ceil(K / kChunk);
  const gx = Math.ceil(N / tile.cols);
  const gy = Math.ceil(M / tile.rows);
  const gz = batch * splits;
  if (gx > maxDim || gy > maxDim || gz > maxDim) {
    throw new Error(
      `gemm: launch grid ${gx}x${gy}x${gz} exceeds the adapter's ${maxDim} workgroups per dimension (M=${M}, N=${N}, batch=${batch}, splitK=${splits}); split the batch or the rows into several calls.`,
    );
  }
  const vec4Bytes = dtype === 'f16' ? 8 : 16;
  const alignedB = packed || (!s.transB && N % 4 === 0 && strideB % 4 === 0 && B.offset % vec4Bytes === 0);
  const alignedC = N % 4 === 0 && strideC % 4 === 0 && C.offset % vec4Bytes === 0 && (!s.preact || s.preact.offset % vec4Bytes === 0);
  const alignedA = packed || (variant.kind === 'sg' && variant.sg === 8 && (s.transA ? M : K) % 4 === 0 && strideA % 4 === 0 && A.offset % vec4Bytes === 0);
  const flags: GemmFlags = {
    // Panels read like a transposed A and an untransposed B, each one tile wide.
    transA: packed || !!s.transA,
    transB: !packed && !!s.transB,
    bVec4: alignedB,
    cVec4: alignedC && splits === 1,
    bias: !!s.bias,
    act,
    accumulate: !!s.accumulate,
    preact: !!s.preact,
    partial: splits > 1,
    f16: dtype === 'f16',
    aVec4: alignedA,
    bU32: false,
    bVec4K: !packed && variant.kind === 'sg' && !!s.transB && K % 4 === 0 && strideB % 4 === 0 && B.offset % vec4Bytes === 0,
    packed,
  };
  // f16 B as u32 words, 8 halves per load: sg tiles with an even number of column groups.
  if (!packed && dtype === 'f16' && variant.kind === 'sg' && variant.b % 2 === 0 && alignedB && N % 8 === 0 && strideB % 8 === 0 && B.offset % 16 === 0 && B.size % 2 === 0) {
    flags.bU32 = true;
  }
  const name = `gemm_${variantName(variant)}_${flagsName(flags)}`;
  const kernel = gemmKernel(e, name, () => (variant.kind === 'lanes' ? lanesSource(variant, flags) : variant.kind === 'sg' ? sgSource(variant, flags) : tiledSource(variant, flags)));
  const params = { M, N, K, strideA, strideB, strideC, kChunk, splits, alpha: s.alpha ?? 1 };
  // The packed f16 B path binds the same bytes as u32 words (a view, released after recording).
  const Bb = flags.bU32 ? e.view(B, [B.size / 2], 'u32') : B;
  try {
    if (splits === 1) {
      const bind: Record<string, Tensor> = { A, B: Bb, C };
      if (s.bias) bind.bias = s.bias;
      if (s.preact) bind.Z = s.preact;
      e.dispatch(kernel, { bind, params, workgroups: [gx, gy, gz] });
      return;
    }
    // Split-K: partial sums into a scratch [batch * splits, M, N], then one pass sums them and
    // applies the epilogue. The scratch returns to the pool right away; the queue orders its reuse.
    const scratch = e.empty([batch * splits, M, N]);
    try {
      e.dispatch(kernel, { bind: { A, B: Bb, C: scratch }, params, workgroups: [gx, gy, gz] });
      const rf: GemmFlags = { ...flags, transA: !!s.transA, transB: !!s.transB, partial: false, cVec4: false, bVec4: false, aVec4: false, bU32: false, bVec4K: false, packed: false };
      const rname = `gemm_splitk_reduce_${flagsName(rf)}`;
      const reduce = gemmKernel(e, rname, () => splitReduceSource(rf));
      const [rx, ry] = e.grid1d(Math.ceil((batch * M * N) / 256));
      const bind: Record<string, Tensor> = { P: scratch, C };
      if (s.bias) bind.bias = s.bias;
      if (s.preact) bind.Z = s.preact;
      e.dispatch(reduce, { bind, params: { M, N, splits, batch, strideC, rowStride: rx * 256 }, workgroups: [rx, ry] });
    } finally {
      scratch.dispose();
    }
  } finally {
    if (Bb !== B) Bb.dispose();
  }
}

/** The engine's matmul hook (same signature as matmulNaive). */
export function matmulGemm(e: Runtime, A: Tensor, B: Tensor, C: Tensor, s: MatmulSpec): void {
  gemm(e, A, B, C, s);
}
