// WGSL generators for the GEMM family (kernels/gemm.ts launches them). Every kernel computes
// C[b] = epilogue(alpha * op(A[b]) op(B[b])) over a K range; the shape flags (transposes, vec4
// alignment, bias, activation, accumulate, split-K partials) are baked into the source so each
// compiled pipeline carries no dead branches.
//
// Two families:
// - 'lanes' (register-only): one invocation owns TM rows x TN columns of C, and the columns of a
//   workgroup depend only on workgroup_id. The B operand therefore has the same address in every
//   lane: on CPU implementations (lavapipe vectorises invocations 8-wide) it becomes one scalar
//   load + broadcast instead of a gather, and each gathered A element feeds TN FMAs. No workgroup
//   memory, no barriers (which are coroutine switches on lavapipe).
// - 'tiled' (workgroup memory): the classic GPU kernel, a BM x BN tile staged through shared
//   memory in BK slices, TM x TN outputs per thread. Right for discrete GPUs.
// Split-K: the same kernels over a K chunk write raw partial sums; a reduce kernel applies the
// epilogue.

/** The activation fused into the epilogue; also the linear layer's activation (ops/nn.ts). */
export type Activation = 'none' | 'relu' | 'gelu';

export interface LanesVariant {
  kind: 'lanes';
  /** Invocations per workgroup (each one row block). */
  wg: number;
  /** Rows per invocation (spaced wg apart so neighbouring lanes own neighbouring rows). */
  tm: number;
  /** Columns per invocation, a multiple of 4 (vec4 accumulators). */
  tn: number;
  /** K steps per loop iteration. */
  unroll: number;
  splitK: number;
}

export interface TiledVariant {
  kind: 'tiled';
  /** Threads per workgroup along N (x) and M (y). */
  wx: number;
  wy: number;
  tm: number;
  tn: number;
  bk: number;
  splitK: number;
}

/** Subgroup-broadcast register kernel (see sgSource). */
export interface SubgroupVariant {
  kind: 'sg';
  /** Subgroup size the kernel is compiled for; the workgroup is exactly one subgroup. */
  sg: number;
  /** Row blocks of `sg` rows per subgroup. */
  a: number;
  /** vec4 column groups per lane (the subgroup covers 4 * sg * b columns). */
  b: number;
  /** Launch order: consecutive workgroups walk down `swz` row blocks before the next column block
   *  (grouped order keeps an A panel and a B panel hot in the cache); absent or <= 1: row-major. */
  swz?: number;
  /** Copy op(A) and op(B) into tile panels first (kernels/gemm-pack.ts), so each workgroup streams
   *  two contiguous arrays instead of touching a new page of each operand every k-step. */
  pack?: boolean;
  splitK: number;
}

export type GemmVariant = LanesVariant | TiledVariant | SubgroupVariant;

/** Everything about a launch that changes the generated source. */
export interface GemmFlags {
  transA: boolean;
  transB: boolean;
  /** B is read as vec4 (needs !transB, N % 4 == 0, batch stride % 4 == 0). */
  bVec4: boolean;
  /** C is written as vec4 (needs N % 4 == 0). */
  cVec4: boolean;
  bias: boolean;
  act: Activation;
  accumulate: boolean;
  /** Also write the pre-activation value (for the activation's backward). */
  preact: boolean;
  /** Split-K partial: write raw alpha * sum over this K chunk to C[z] and skip the epilogue. */
  partial: boolean;
  /** A, B, C, bias and Z hold f16 (needs 'shader-f16'); products accumulate in f32 registers and
   *  the epilogue runs in f32, rounding once on the store. Split-K partials stay f32. */
  f16: boolean;
  /** A is read as vec4 (sg kernels only): along K when untransposed (needs K % 4 == 0), along M
   *  when transposed (needs M % 4 == 0); the batch stride must be a multiple of 4 too. */
  aVec4: boolean;
  /** f16 B read 8 halves per load as vec4<u32> words and unpacked (sg kernels with even b; needs
   *  !transB, N % 8 == 0, batch stride % 8 == 0). On lavapipe a load costs the same per lane
   *  whatever its width, so this halves the B loads per column. */
  bU32: boolean;
  /** Transposed B read as vec4 along K, 4 k-steps of one column per load (sg kernels only; needs
   *  transB, K % 4 == 0, batch stride % 4 == 0): 4 loads per 4 columns x 4 k-steps instead of 16. */
  bVec4K: boolean;
  /** A and B are tile panels (sg kernels): A [batch][row block][K rounded to 4][sg*a] and B
   *  [batch][column block][K rounded to 4][4*sg*b], zero-padded, read like a transposed A and an
   *  untransposed B whose widths are one tile (needs transA, aVec4, bVec4, !transB, !bU32). */
  packed: boolean;
}

export function variantName(v: GemmVariant): string {
  if (v.kind === 'sg') return `sg${v.sg}_${v.a}x${v.b}${(v.swz ?? 0) > 1 ? `_g${v.swz}` : ''}${v.pack ? '_pack' : ''}${v.splitK > 1 ? `_sk${v.splitK}` : ''}`;
  return v.kind === 'lanes'
    ? `lanes${v.wg}_${v.tm}x${v.tn}_u${v.unroll}${v.splitK > 1 ? `_sk${v.splitK}` : ''}`
    : `tiled${v.wx}x${v.wy}_${v.tm}x${v.tn}_k${v.bk}${v.splitK > 1 ? `_sk${v.splitK}` : ''}`;
}

export function flagsName(f: GemmFlags): string {
  return `${f.transA ? 'T' : 'N'}${f.transB ? 'T' : 'N'}${f.bVec4 ? 'b4' : ''}${f.cVec4 ? 'c4' : ''}${f.bias ? '+bias' : ''}${f.act !== 'none' ? '+' + f.act : ''}${f.accumulate ? '+acc' : ''}${f.preact ? '+pre' : ''}${f.partial ? '+partial' : ''}${f.f16 ? '+f16' : ''}${f.aVec4 ? '+a4' : ''}${f.bU32 ? '+bu32' : ''}${f.bVec4K ? '+bk4' : ''}${f.packed ? '+packed' : ''}`;
}

/** Rows and columns of C one workgroup covers. */
export function workgroupTile(v: GemmVariant): { rows: number; cols: number } {
  if (v.kind === 'sg') return { rows: v.sg * v.a, cols: 4 * v.sg * v.b };
  return v.kind === 'lanes' ? { rows: v.wg * v.tm, cols: v.tn } : { rows: v.wy * v.tm, cols: v.wx * v.tn };
}

// GELU, erf form. WGSL has no erf: Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), odd extension.
export const ERF_WGSL = /* wgsl */ `
fn erf_as(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-ax * ax);
  return select(y, -y, x < 0.0);
}
fn gelu(x: f32) -> f32 { return 0.5 * x * (1.0 + erf_as(x * 0.7071067811865476)); }
fn gelu_grad(x: f32) -> f32 {
  return 0.5 * (1.0 + erf_as(x * 0.7071067811865476)) + x * 0.3989422804014327 * exp(-0.5 * x * x);
}`;

const PARAMS = /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32,
  strideA: u32, strideB: u32, strideC: u32,
  /** K per split-K chunk (K when not split). */
  kChunk: u32,
  splits: u32,
  alpha: f32,
}`;

/** The storage element type of the operands. */
function elem(f: GemmFlags): string {
  return f.f16 ? 'f16' : 'f32';
}

/** WGSL converting a loaded scalar (or vec4 when `vec`) to f32; the identity for f32 storage. */
function toF32(f: GemmFlags, x: string, vec = false): string {
  return f.f16 ? (vec ? `vec4<f32>(${x})` : `f32(${x})`) : x;
}

/** The element type C and Z are stored as (split-K partials are f32 scratch). */
function outElem(f: GemmFlags): string {
  return f.f16 && !f.partial ? 'f16' : 'f32';
}

function bindings(f: GemmFlags): string {
  const t = elem(f);
  const o = outElem(f);
  const lines: string[] = [];
  lines.push(
    `@group(0) @binding(0) var<storage, read> A: array<${f.aVec4 ? `vec4<${t}>` : t}>;`,
    `@group(0) @binding(1) var<storage, read> B: array<${f.bU32 ? 'vec4<u32>' : f.bVec4 || f.bVec4K ? `vec4<${t}>` : t}>;`,
    `@group(0) @binding(2) var<storage, read_write> C: array<${f.cVec4 ? `vec4<${o}>` : o}>;`,
    '@group(0) @binding(3) var<uniform> p: Params;',
  );
  if (f.bias && !f.partial) lines.push(`@group(0) @binding(4) var<storage, read> bias: array<${t}>;`);
  if (f.preact && !f.partial) lines.push(`@group(0) @binding(5) var<storage, read_write> Z: array<${f.cVec4 ? `vec4<${o}>` : o}>;`);
  return lines.join('\n');
}

/** Enable directives (they must precede every declaration), the params struct and the bindings. */
function header(f: GemmFlags, subgroups = false): string {
  const enables = [f.f16 ? 'enable f16;' : '', subgroups ? 'enable subgroups;' : ''].filter(Boolean);
  return [...enables, PARAMS, bindings(f)].join('\n');
}

function actExpr(act: Activation, v: string): string {
  return act === 'relu' ? `max(${v}, 0.0)` : act === 'gelu' ? `gelu(${v})` : v;
}

/** WGSL statements storing the vec4 `v` (already alpha-scaled) at row `m` columns n..n+3, masked. */
function storeRow(f: GemmFlags, v: string, rowOk: string, cBase: string, n: string): string {
  const out: string[] = [];
  // vec4 path: N % 4 == 0 so a 4-column group is either fully in range or fully out.
  const o = outElem(f);
  const st = (x: string, vec: boolean) => (o === 'f16' ? (vec ? `vec4<f16>(${x})` : `f16(${x})`) : x);
  const ld = (x: string, vec: boolean) => (o === 'f16' ? (vec ? `vec4<f32>(${x})` : `f32(${x})`) : x);
  if (f.cVec4) {
    const lines = [`let ci = (${cBase} + ${n}) / 4u;`, `var r = ${v};`];
    if (!f.partial) {
      if (f.bias) lines.push(`r += vec4<f32>(${[0, 1, 2, 3].map((c) => toF32(f, `bias[${n} + ${c}u]`)).join(', ')});`);
      if (f.preact) lines.push(`Z[ci] = ${st('r', true)};`);
      if (f.act !== 'none') lines.push(`r = vec4<f32>(${[0, 1, 2, 3].map((c) => actExpr(f.act, `r[${c}]`)).join(', ')});`);
      if (f.accumulate) lines.push(`r += ${ld('C[ci]', true)};`);
    }
    lines.push(`C[ci] = ${st('r', true)};`);
    out.push(`if (${rowOk} && ${n} < p.N) { ${lines.join(' ')} }`);
  } else {
    for (let c = 0; c < 4; c++) {
      const nc = `${n} + ${c}u`;
      const lines = [`let ci = ${cBase} + ${nc};`, `var r = ${v}[${c}];`];
      if (!f.partial) {
        if (f.bias) lines.push(`r += ${toF32(f, `bias[${nc}]`)};`);
        if (f.preact) lines.push(`Z[ci] = ${st('r', false)};`);
        if (f.act !== 'none') lines.push(`r = ${actExpr(f.act, 'r')};`);
        if (f.accumulate) lines.push(`r += ${ld('C[ci]', false)};`);
      }
      lines.push(`C[ci] = ${st('r', false)};`);
      out.push(`if (${rowOk} && ${nc} < p.N) { ${lines.join(' ')} }`);
    }
  }
  return out.join('\n    ');
}

/** Where the split-K chunk and batch of this workgroup start. */
const BATCH_PROLOGUE = /* wgsl */ `
  let z = wid.z;
  let batch = z / p.splits;
  let split = z % p.splits;
  let kBegin = split * p.kChunk;
  let kEnd = min(p.K, kBegin + p.kChunk);
  let aOff = batch * p.strideA;
  let bOff = batch * p.strideB;
  // Split-K partials go to their own [M, N] slab of the scratch output.
  let cOff = select(batch * p.strideC, z * p.M * p.N, ${'PARTIAL'});`;

export function lanesSource(v: LanesVariant, f: GemmFlags): string {
  const { wg, tm, tn, unroll } = v;
  if (tn % 4) throw new Error(`lanes variant: tn must be a multiple of 4, got ${tn}.`);
  if (f.aVec4 || f.bU32 || f.bVec4K || f.packed) throw new Error('lanes variant: vec4 A loads, vec4-along-K, packed f16 B loads and tile panels are only generated for sg kernels.');
  const nv = tn / 4;
  const R = [...Array(tm).keys()];
  const J = [...Array(nv).keys()];
  const L: string[] = [];
  L.push(header(f));
  if (f.act === 'gelu' && !f.partial) L.push(ERF_WGSL);
  L.push(`@compute @workgroup_size(${wg})`);
  L.push('fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {');
  L.push(BATCH_PROLOGUE.replace('PARTIAL', f.partial ? 'true' : 'false'));
  // n0 depends on workgroup_id only: uniform across lanes, so B loads are scalar + broadcast.
  L.push(`  let n0 = wid.x * ${tn}u;`);
  L.push(`  let mBase = wid.y * ${wg * tm}u + lid.x;`);
  for (const i of R) {
    L.push(`  let m${i} = mBase + ${i * wg}u;`);
    // Clamped rows keep every load in bounds without a branch in the K loop; stores are masked.
    L.push(`  let mc${i} = min(m${i}, p.M - 1u);`);
    L.push(`  let aRow${i} = aOff + ${f.transA ? `mc${i}` : `mc${i} * p.K`};`);
    for (const j of J) L.push(`  var acc${i}_${j} = vec4<f32>(0.0);`);
  }
  // B column addressing (uniform values).
  if (f.bVec4) {
    for (const j of J) L.push(`  let bq${j} = bOff / 4u + min(n0 / 4u + ${j}u, p.N / 4u - 1u);`);
  } else {
    for (let c = 0; c < tn; c++) {
      L.push(`  let bn${c} = ${f.transB ? `bOff + min(n0 + ${c}u, p.N - 1u) * p.K` : `bOff + min(n0 + ${c}u, p.N - 1u)`};`);
    }
  }
  const step = (k: string): string[] => {
    const s: string[] = [];
    for (const i of R) s.push(`let a${i} = vec4<f32>(${toF32(f, `A[aRow${i} + ${f.transA ? `${k} * p.M` : k}]`)});`);
    for (const j of J) {
      if (f.bVec4) s.push(`let b${j} = ${toF32(f, `B[bq${j} + ${k} * (p.N / 4u)]`, true)};`);
      else {
        const comp = [0, 1, 2, 3].map((c) => toF32(f, `B[bn${4 * j + c} + ${f.transB ? k : `${k} * p.N`}]`));
        s.push(`let b${j} = vec4<f32>(${comp.join(', ')});`);
      }
    }
    for (const i of R) for (const j of J) s.push(`acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`);
    return s;
  };
  L.push('  var k = kBegin;');
  if (unroll > 1) {
    L.push(`  for (; k + ${unroll}u <= kEnd; k += ${unroll}u) {`);
    for (let u = 0; u < unroll; u++) {
      L.push('    {');
      L.push(...step(`(k + ${u}u)`).map((s) => '      ' + s));
      L.push('    }');
    }
    L.push('  }');
  }
  L.push('  for (; k < kEnd; k++) {');
  L.push(...step('k').map((s) => '    ' + s));
  L.push('  }');
  for (const i of R) {
    L.push(`  {`);
    L.push(`    let rowOk = m${i} < p.M;`);
    L.push(`    let cBase = cOff + m${i} * p.N;`);
    for (const j of J) L.push(`    ${storeRow(f, `(p.alpha * acc${i}_${j})`, 'rowOk', 'cBase', `(n0 + ${4 * j}u)`)}`);
    L.push('  }');
  }
  L.push('}');
  return L.join('\n');
}

export function tiledSource(v: TiledVariant, f: GemmFlags): string {
  const { wx, wy, tm, tn, bk } = v;
  if (tn % 4) throw new Error(`tiled variant: tn must be a multiple of 4, got ${tn}.`);
  if (f.aVec4 || f.bU32 || f.bVec4K || f.packed) throw new Error('tiled variant: vec4 A loads, vec4-along-K, packed f16 B loads and tile panels are only generated for sg kernels.');
  const BM = wy * tm;
  const BN = wx * tn;
  const threads = wx * wy;
  const nv = tn / 4;
  const L: string[] = [];
  L.push(header(f));
  if (f.act === 'gelu' && !f.partial) L.push(ERF_WGSL);
  // As is stored k-major [bk][BM] and Bs [bk][BN] so the inner product reads rows of both.
  L.push(`var<workgroup> As: array<f32, ${bk * BM}>;`);
  L.push(`var<workgroup> Bs: array<vec4<f32>, ${(bk * BN) / 4}>;`);
  L.push(`@compute @workgroup_size(${wx}, ${wy})`);
  L.push('fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {');
  L.push(BATCH_PROLOGUE.replace('PARTIAL', f.partial ? 'true' : 'false'));
  L.push(`  let tid = lid.y * ${wx}u + lid.x;`);
  L.push(`  let m0 = wid.y * ${BM}u;`);
  L.push(`  let n0 = wid.x * ${BN}u;`);
  for (let i = 0; i < tm; i++) for (let j = 0; j < nv; j++) L.push(`  var acc${i}_${j} = vec4<f32>(0.0);`);
  const bVal = (kk: string, nn: string) =>
    // B element (k, n) with clamped, in-range addresses; zero outside.
    toF32(f, f.transB ? `B[bOff + min(${nn}, p.N - 1u) * p.K + min(${kk}, p.K - 1u)]` : `B[bOff + min(${kk}, p.K - 1u) * p.N + min(${nn}, p.N - 1u)]`);
  L.push('  for (var k0 = kBegin; k0 < kEnd; k0 += ' + bk + 'u) {');
  // Load A tile: bk x BM elements, `threads` at a time.
  L.push(`    for (var e = tid; e < ${bk * BM}u; e += ${threads}u) {`);
  if (f.transA) L.push(`      let kk = e / ${BM}u; let mm = e % ${BM}u;`);
  else L.push(`      let mm = e / ${bk}u; let kk = e % ${bk}u;`);
  L.push('      let gk = k0 + kk; let gm = m0 + mm;');
  L.push(
    `      let av = ${toF32(f, `A[aOff + ${f.transA ? 'min(gk, p.K - 1u) * p.M + min(gm, p.M - 1u)' : 'min(gm, p.M - 1u) * p.K + min(gk, p.K - 1u)'}]`)};`,
  );
  L.push(`      As[kk * ${BM}u + mm] = select(0.0, av, gk < kEnd);`);
  L.push('    }');
  // Load B tile as vec4 groups of 4 columns.
  L.push(`    for (var e = tid; e < ${(bk * BN) / 4}u; e += ${threads}u) {`);
  L.push(`      let kk = e / ${BN / 4}u; let nq = e % ${BN / 4}u;`);
  L.push('      let gk = k0 + kk; let gn = n0 + nq * 4u;');
  if (f.bVec4) L.push(`      let bv = ${toF32(f, 'B[bOff / 4u + min(gk, p.K - 1u) * (p.N / 4u) + min(gn / 4u, p.N / 4u - 1u)]', true)};`);
  else L.push(`      let bv = vec4<f32>(${[0, 1, 2, 3].map((c) => bVal('gk', `gn + ${c}u`)).join(', ')});`);
  L.push(`      Bs[e] = select(vec4<f32>(0.0), bv, gk < kEnd);`);
  L.push('    }');
  L.push('    workgroupBarrier();');
  L.push(`    for (var kk = 0u; kk < ${bk}u; kk++) {`);
  for (let i = 0; i < tm; i++) L.push(`      let a${i} = vec4<f32>(As[kk * ${BM}u + lid.y + ${i * wy}u]);`);
  for (let j = 0; j < nv; j++) L.push(`      let b${j} = Bs[kk * ${BN / 4}u + lid.x + ${j * wx}u];`);
  for (let i = 0; i < tm; i++) for (let j = 0; j < nv; j++) L.push(`      acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`);
  L.push('    }');
  L.push('    workgroupBarrier();');
  L.push('  }');
  // Thread (x, y) owns rows m0 + y + i*wy and vec4 column groups n0 + 4*(x + j*wx).
  for (let i = 0; i < tm; i++) {
    L.push('  {');
    L.push(`    let m = m0 + lid.y + ${i * wy}u;`);
    L.push('    let rowOk = m < p.M;');
    L.push('    let cBase = cOff + m * p.N;');
    for (let j = 0; j < nv; j++) L.push(`    ${storeRow(f, `(p.alpha * acc${i}_${j})`, 'rowOk', 'cBase', `(n0 + 4u * (lid.x + ${j * wx}u))`)}`);
    L.push('  }');
  }
  L.push('}');
  return L.join('\n');
}

/** Sums split-K partials [splits, batch... ] and applies alpha-free epilogue (partials carry alpha). */
export function splitReduceSource(f: GemmFlags): string {
  const L: string[] = [];
  const t = elem(f);
  if (f.f16) L.push('enable f16;');
  L.push(`struct Params { M: u32, N: u32, splits: u32, batch: u32, strideC: u32, rowStride: u32 }`);
  L.push('@group(0) @binding(0) var<storage, read> P: array<f32>;');
  L.push(`@group(0) @binding(1) var<storage, read_write> C: array<${t}>;`);
  L.push('@group(0) @binding(2) var<uniform> p: Params;');
  if (f.bias) L.push(`@group(0) @binding(3) var<storage, read> bias: array<${t}>;`);
  if (f.preact) L.push(`@group(0) @binding(4) var<storage, read_write> Z: array<${t}>;`);
  if (f.act === 'gelu') L.push(ERF_WGSL);
  L.push('@compute @workgroup_size(256)');
  L.push('fn main(@builtin(global_invocation_id) gid: vec3<u32>) {');
  L.push('  let i = gid.x + gid.y * p.rowStride;');
  L.push('  let mn = p.M * p.N;');
  L.push('  if (i >= mn * p.batch) { return; }');
  L.push('  let b = i / mn; let r = i % mn;');
  L.push('  var s = 0.0;');
  L.push('  for (var q = 0u; q < p.splits; q++) { s += P[(b * p.splits + q) * mn + r]; }');
  L.push('  let ci = b * p.strideC + r;');
  const st = (x: string) => (f.f16 ? `f16(${x})` : x);
  if (f.bias) L.push(`  s += ${toF32(f, 'bias[r % p.N]')};`);
  if (f.preact) L.push(`  Z[ci] = ${st('s')};`);
  if (f.act !== 'none') L.push(`  s = ${actExpr(f.act, 's')};`);
  if (f.accumulate) L.push(`  s += ${toF32(f, 'C[ci]')};`);
  L.push(`  C[ci] = ${st('s')};`);
  L.push('}');
  return L.join('\n');
}

/**
 * The CPU-friendly kernel. On lavapipe every per-invocation load is a scalar loop over the SIMD
 * lanes with a mask test and a bounds check (~8 instructions per element and lane), while
 * arithmetic and register shuffles are cheap. So each lane loads only data no other lane loads:
 * lane l fetches rows m0 + l (+ sg*i) of A, 4 k-steps at a time, and the vec4 column group
 * n0 + 4(l + sg*j) of B; subgroupBroadcast then hands every A element to all lanes, which is a
 * register extract + splat. A subgroup computes (sg*a) x (4*sg*b) outputs with 8ab vec4
 * accumulators per lane. No workgroup memory and no barriers.
 */
export function sgSource(v: SubgroupVariant, f: GemmFlags): string {
  const { sg, a, b } = v;
  const g = v.swz ?? 0;
  const I = [...Array(a).keys()];
  const J = [...Array(b).keys()];
  const Rw = [...Array(sg).keys()];
  const L: string[] = [header(f, true)];
  if (f.act === 'gelu' && !f.partial) L.push(ERF_WGSL);
  L.push(`@compute @workgroup_size(${sg})`);
  L.push('fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  L.push(BATCH_PROLOGUE.replace('PARTIAL', f.partial ? 'true' : 'false'));
  L.push('  let l = lid.x;');
  if (g > 1) {
    // Grouped launch order: the dispatch index walks `g` row blocks for one column block, then the
    // next column block, so g A panels and one B panel are what the cache has to hold.
    L.push('  let lin = wid.y * nwg.x + wid.x;');
    L.push(`  let span = ${g}u * nwg.x;`);
    L.push('  let grp = lin / span;');
    L.push(`  let h = min(${g}u, nwg.y - grp * ${g}u);`);
    L.push('  let idx = lin - grp * span;');
    L.push(`  let by = grp * ${g}u + idx % h;`);
    L.push('  let bx = idx / h;');
  } else {
    L.push('  let bx = wid.x;');
    L.push('  let by = wid.y;');
  }
  L.push(`  let m0 = by * ${sg * a}u;`);
  L.push(`  let n0 = bx * ${4 * sg * b}u;`);
  if (f.packed && (!f.transA || !f.aVec4 || !f.bVec4 || f.transB || f.bU32 || sg !== 8)) {
    throw new Error('sg variant: tile panels are read as a transposed vec4 A and an untransposed vec4 B (subgroups of 8).');
  }
  // Panels: this workgroup's A and B are one-tile-wide matrices of their own; stores still use m0, n0.
  const aBase = f.packed ? 'aP' : 'aOff';
  const bBase = f.packed ? 'bP' : 'bOff';
  if (f.packed) {
    L.push('  let kp = (p.K + 3u) & ~3u;');
    L.push(`  let aP = aOff + by * kp * ${sg * a}u;`);
    L.push(`  let bP = bOff + bx * kp * ${4 * sg * b}u;`);
  }
  // vec4 widths of the A and B rows, and where this workgroup's tile starts in them.
  const aW4 = f.packed ? `${2 * a}u` : 'p.M / 4u';
  const a04 = f.packed ? '0u' : 'm0 / 4u';
  const bW4 = f.packed ? `${sg * b}u` : 'p.N / 4u';
  for (const i of I) {
    // Clamped rows/columns keep loads in bounds without branches; stores are masked instead.
    L.push(`  let ar${i} = aOff + ${f.transA ? `min(m0 + l + ${sg * i}u, p.M - 1u)` : `min(m0 + l + ${sg * i}u, p.M - 1u) * p.K`};`);
  }
  if (f.bU32 && (b % 2 || !f.f16 || f.transB)) throw new Error('sg variant: packed B loads need f16, B untransposed and an even b.');
  // Column group j of this lane: 4 columns starting at col(j). Packed f16 B: lane l owns 8
  // adjacent columns per pair of groups (one vec4<u32> load); otherwise 4, sg groups apart.
  const col = (j: number) => (f.bU32 ? `(n0 + 8u * (l + ${sg * (j >> 1)}u) + ${4 * (j & 1)}u)` : `(n0 + 4u * (l + ${sg * j}u))`);
  if (f.bU32) for (let jj = 0; jj < b / 2; jj++) L.push(`  let bw${jj} = bOff / 8u + min(${col(2 * jj)} / 8u, p.N / 8u - 1u);`);
  for (const j of J) {
    const n = col(j);
    if (f.bU32) continue;
    if (f.bVec4) L.push(`  let bq${j} = ${bBase} / 4u + min((${f.packed ? `4u * (l + ${sg * j}u)` : n}) / 4u, ${bW4} - 1u);`);
    else for (let c = 0; c < 4; c++) L.push(`  let bn${j}_${c} = bOff + ${f.transB ? `min(${n} + ${c}u, p.N - 1u) * p.K` : `min(${n} + ${c}u, p.N - 1u)`};`);
  }
  if (f.aVec4 && f.transA) {
    if (sg !== 8) throw new Error('sg variant: transposed vec4 A loads are generated for subgroups of 8.');
    for (const v of I) {
      // This lane's vec4 v: k-step tu within each block of 4, rows m0 + 4 tq .. +3 (M % 4 == 0, so a
      // quad is all in range or all out; out-of-range quads read the last one, their stores are masked).
      L.push(`  let tu${v} = (${8 * v}u + l) / ${2 * a}u;`);
      L.push(`  let aq${v} = ${aBase} / 4u + min(${a04} + (${8 * v}u + l) % ${2 * a}u, ${aW4} - 1u);`);
    }
  }
  for (const i of I) for (const r of Rw) for (const j of J) L.push(`  var c${i}_${r}_${j} = vec4<f32>(0.0);`);
  const aLoad = (i: number, k: string) => toF32(f, `A[ar${i} + ${f.transA ? `(${k}) * p.M` : k}]`);
  if (f.bVec4K && !f.transB) throw new Error('sg variant: vec4-along-K B loads need B transposed.');
  const bLoad = (j: number, k: string, u: number) =>
    f.bVec4K
      ? `vec4<f32>(${[0, 1, 2, 3].map((c) => `bt${j}_${c}[${u}]`).join(', ')})`
      : f.bVec4
      ? toF32(f, `B[bq${j} + (${k}) * (${bW4})]`, true)
      : `vec4<f32>(${[0, 1, 2, 3].map((c) => toF32(f, `B[bn${j}_${c} + ${f.transB ? k : `(${k}) * p.N`}]`)).join(', ')})`;
  // A(m0 + 8i + r, k) is component `aval(i)` of lane r, or wherever `at(i, r)` says.
  const fmas = (u: number, aval: (i: number) => string, k: string, ind: string, at?: (i: number, r: number) => [string, number]) => {
    const s: string[] = [];
    if (f.bU32) {
      for (let jj = 0; jj < b / 2; jj++) {
        s.push(`${ind}let w${jj} = B[bw${jj} + (${k}) * (p.N / 8u)];`);
        s.push(`${ind}let b${2 * jj} = vec4<f32>(unpack2x16float(w${jj}.x), unpack2x16float(w${jj}.y));`);
        s.push(`${ind}let b${2 * jj + 1} = vec4<f32>(unpack2x16float(w${jj}.z), unpack2x16float(w${jj}.w));`);
      }
    } else for (const j of J) s.push(`${ind}let b${j} = ${bLoad(j, k, u)};`);
    for (const i of I)
      for (const r of Rw) {
        const [val, lane] = at ? at(i, r) : [aval(i), r];
        s.push(`${ind}{ let s = vec4<f32>(subgroupBroadcast(${val}, ${lane}u));`);
        for (const j of J) s.push(`${ind}  c${i}_${r}_${j} = fma(s, b${j}, c${i}_${r}_${j});`);
        s.push(`${ind}}`);
      }
    return s;
  };
  L.push('  for (var k = kBegin; k < kEnd; k += 4u) {');
  if (f.aVec4 && !f.transA) {
    // K % 4 == 0 and split-K chunks are multiples of 4, so every block of 4 k-steps is full: one
    // vec4 load per row and no mask.
    for (let u = 0; u < 4; u++) L.push(`    let k${u} = k + ${u}u;`);
    for (const i of I) L.push(`    let a${i} = ${toF32(f, `A[(ar${i} + k) / 4u]`, true)};`);
  } else if (f.aVec4) {
    // Transposed A (M contiguous): the block's 4 k-steps x 8a rows are 8a vec4s of 4 rows each,
    // one per lane and vector: vec4 t = v*8 + lane holds k-step t / (2a), rows 4 (t % (2a)) .. +3.
    L.push('    let kl = kEnd - 1u;');
    for (let u = 0; u < 4; u++) L.push(`    let k${u} = min(k + ${u}u, kl);`);
    for (const v of I) {
      L.push(`    let kv${v} = k + tu${v};`);
      L.push(`    let av${v} = select(vec4<f32>(0.0), ${toF32(f, `A[aq${v} + min(kv${v}, kl) * (${aW4})]`, true)}, kv${v} <= kl);`);
    }
  } else {
    // One loop, no scalar tail (the tail would double the code llvmpipe compiles): the last block
    // reads clamped k indices and zeroes the A values beyond kEnd.
    L.push('    let kl = kEnd - 1u;');
    for (let u = 0; u < 4; u++) L.push(`    let k${u} = min(k + ${u}u, kl);`);
    for (const i of I) {
      L.push(`    var a${i} = vec4<f32>(${[0, 1, 2, 3].map((u) => aLoad(i, `k${u}`)).join(', ')});`);
      L.push(`    a${i} = select(vec4<f32>(0.0), a${i}, k + vec4<u32>(0u, 1u, 2u, 3u) <= vec4<u32>(kl));`);
    }
  }
  if (f.bVec4K) {
    // K % 4 == 0: the block's 4 k-steps of each of this lane's columns are one aligned vec4.
    for (const j of J) for (let c = 0; c < 4; c++) L.push(`    let bt${j}_${c} = ${toF32(f, `B[(bn${j}_${c} + k) / 4u]`, true)};`);
  }
  for (let u = 0; u < 4; u++) {
    L.push('    {');
    if (f.aVec4 && f.transA) {
      L.push(...fmas(u, (i) => `av${i}[${u}]`, `k${u}`, '      ', (i, r) => {
        const t = u * 2 * a + Math.floor((8 * i + r) / 4);
        return [`av${Math.floor(t / 8)}[${r % 4}]`, t % 8];
      }));
    } else L.push(...fmas(u, (i) => `a${i}[${u}]`, `k${u}`, '      '));
    L.push('    }');
  }
  L.push('  }');
  for (const i of I)
    for (const r of Rw) {
      L.push('  {');
      L.push(`    let m = m0 + ${sg * i + r}u;`);
      L.push('    let rowOk = m < p.M;');
      L.push('    let cBase = cOff + m * p.N;');
      for (const j of J) L.push(`    ${storeRow(f, `(p.alpha * c${i}_${r}_${j})`, 'rowOk', 'cBase', col(j))}`);
      L.push('  }');
    }
  L.push('}');
  return L.join('\n');
}
