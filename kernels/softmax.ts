// Softmax over the last axis. The backward needs only the output: dx = y * (g - sum(g * y)).
//
// Two layouts:
// - 'subgroup' (CPU adapters with a fixed subgroup size SG, rows up to SG * MAX_PER_LANE elements
//   or vec4s): a subgroup owns a row and each lane keeps its share of it in registers (code-
//   generated per row width), so the row is read from memory once and written once; max and sum
//   meet via subgroupMax/subgroupAdd. On lavapipe every storage access is a per-lane scalar loop,
//   so the number of reads is the cost: 10-15% less CPU time than the 'rows' kernel at 4096 x 512
//   (5.5 vs 6.3 ms on one thread; copying the same bytes, the floor, takes 3.1 and exp ~0.8).
// - 'rows' (everything else, see row-reduce.ts): a running max and a sum rescaled to it (online
//   softmax) per invocation, so the row is read twice (stats, then write) instead of three times.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { rowGrid, rowLanes, rowPrelude } from './row-reduce.js';
import { pinnedVariants, type SoftmaxVariant } from './variants.js';
import { fixedSubgroupSize, isCpuAdapter } from './gemm.js';

/** `vec` reads the row as vec4 (C % 4 == 0): 4x fewer loads, which on lavapipe are per-lane gathers. */
function forwardSource(lanes: number, vec: boolean): string {
  const r = rowPrelude(lanes);
  const T = vec ? 'vec4<f32>' : 'f32';
  const hmax = vec ? 'max(max(v.x, v.y), max(v.z, v.w))' : 'v';
  const hsum = (x: string) => (vec ? `dot(${x}, vec4<f32>(1.0))` : x);
  return /* wgsl */ `
struct Params { rows: u32, C: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read_write> y: array<${T}>;
@group(0) @binding(2) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  // In this kernel C counts elements of type ${T}.
  let base = row * p.C;
  var m = -3.4e38;
  var l = 0.0;
  for (var j = t; j < p.C; j += LANES) {
    let v = x[base + j];
    let mn = max(m, ${hmax});
    l = l * exp(m - mn) + ${hsum(`exp(v - ${T}(mn))`)};
    m = mn;
  }
  let M = wgMax(m, t);
  let inv = 1.0 / wgSum(l * exp(m - M), t);
  for (var j = t; j < p.C; j += LANES) { y[base + j] = exp(x[base + j] - ${T}(M)) * inv; }
}`;
}

function backwardSource(lanes: number): string {
  const r = rowPrelude(lanes);
  return /* wgsl */ `
struct Params { rows: u32, C: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  let base = row * p.C;
  var s = 0.0;
  for (var j = t; j < p.C; j += LANES) { s += g[base + j] * y[base + j]; }
  let dot = wgSum(s, t);
  for (var j = t; j < p.C; j += LANES) { dx[base + j] = y[base + j] * (g[base + j] - dot); }
}`;
}

/** Units (f32, or vec4) a lane keeps in registers; wider rows take the 'rows' layout. llvmpipe's
 *  compile time grows fast with the unrolled code: forward + backward compiled in ~4 s at 16 vec4
 *  per lane (width 512), 8 s at 24 (768) and 17 s at 32 (1000) on a loaded machine. */
const MAX_PER_LANE = 16;
/** Subgroups (rows) per workgroup: lavapipe pays per workgroup, and looping one subgroup over
 *  several rows instead was 15% slower (every register is blended with the exec mask per loop
 *  iteration). */
const ROWS_PER_GROUP = 8;

/** The layout softmaxForward/softmaxBackward use for rows of C elements. 'subgroup' assumes that
 *  subgroups are runs of SG consecutive invocations; it is chosen by default only on CPU adapters
 *  (SIMD lanes, where that holds and where saving loads matters most). A pinned layout
 *  (kernels/variants.ts) overrides the adapter; 'subgroup' still needs a fixed subgroup size. */
export function softmaxVariant(e: Runtime, C: number): SoftmaxVariant {
  const SG = fixedSubgroupSize(e);
  const pinned = pinnedVariants(e).softmax;
  if (!SG || pinned === 'rows' || (!pinned && !isCpuAdapter(e))) return 'rows';
  return Math.ceil((C % 4 === 0 ? C / 4 : C) / SG) <= MAX_PER_LANE ? 'subgroup' : 'rows';
}

interface SubgroupShape {
  SG: number;
  /** Row length in units of T. */
  n: number;
  vec: boolean;
  /** Units per lane. */
  K: number;
}

function subgroupShape(e: Runtime, C: number): SubgroupShape {
  const SG = fixedSubgroupSize(e)!;
  const vec = C % 4 === 0;
  const n = vec ? C / 4 : C;
  return { SG, n, vec, K: Math.ceil(n / SG) };
}

/** Shared WGSL of the subgroup kernels: lane l holds units l, l + SG, ... of the row; Rn is
 *  the row length, a constant, so the guards vanish when SG divides it. */
function subgroupKernel(s: SubgroupShape, bindings: string, body: (i: number[], j: (i: number) => string, inRow: (i: number) => string) => string): string {
  const { SG, n, K } = s;
  const ks = [...Array(K).keys()];
  const exact = n % SG === 0;
  return /* wgsl */ `enable subgroups;
struct Params { rows: u32, gridX: u32 }
const Rn = ${n}u;
${bindings}
@compute @workgroup_size(${SG * ROWS_PER_GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = lid.x % ${SG}u;
  let first = (wid.x + wid.y * p.gridX) * ${ROWS_PER_GROUP}u + lid.x / ${SG}u;
  // Past the last row the lanes recompute it and skip the store: subgroup ops stay uniform.
  let row = min(first, p.rows - 1u);
  let live = first < p.rows;
  let base = row * Rn;
  ${ks.map((i) => `let j${i} = ${exact ? `${i * SG}u + lane` : `min(${i * SG}u + lane, Rn - 1u)`};`).join(' ')}
  ${body(ks, (i) => `base + j${i}`, (i) => (exact ? 'true' : `${i * SG}u + lane < Rn`))}
}`;
}

function forwardSourceSubgroup(s: SubgroupShape): string {
  const T = s.vec ? 'vec4<f32>' : 'f32';
  const hmax = (v: string) => (s.vec ? `max(max(${v}.x, ${v}.y), max(${v}.z, ${v}.w))` : v);
  const hsum = (v: string) => (s.vec ? `dot(${v}, vec4<f32>(1.0))` : v);
  return subgroupKernel(
    s,
    `@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read_write> y: array<${T}>;
@group(0) @binding(2) var<uniform> p: Params;`,
    (ks, at, inRow) => `// Units past the row end (clamped loads) count as -inf: exp gives them 0.
    ${ks.map((i) => `var v${i} = select(${T}(-3.4e38), x[${at(i)}], ${inRow(i)});`).join('\n    ')}
    let m = subgroupMax(${ks.map((i) => hmax(`v${i}`)).reduce((a, b) => `max(${a}, ${b})`)});
    ${ks.map((i) => `v${i} = exp(v${i} - ${T}(m));`).join(' ')}
    let inv = 1.0 / subgroupAdd(${ks.map((i) => hsum(`v${i}`)).join(' + ')});
    if (live) {
      ${ks.map((i) => (inRow(i) === 'true' ? `y[${at(i)}] = v${i} * inv;` : `if (${inRow(i)}) { y[${at(i)}] = v${i} * inv; }`)).join('\n      ')}
    }`,
  );
}

function backwardSourceSubgroup(s: SubgroupShape): string {
  const T = s.vec ? 'vec4<f32>' : 'f32';
  const hsum = (v: string) => (s.vec ? `dot(${v}, vec4<f32>(1.0))` : v);
  return subgroupKernel(
    s,
    `@group(0) @binding(0) var<storage, read> y: array<${T}>;
@group(0) @binding(1) var<storage, read> g: array<${T}>;
@group(0) @binding(2) var<storage, read_write> dx: array<${T}>;
@group(0) @binding(3) var<uniform> p: Params;`,
    (ks, at, inRow) => `${ks.map((i) => `let y${i} = y[${at(i)}]; let g${i} = g[${at(i)}];`).join('\n    ')}
    // Clamped units repeat the last one: they must not count twice.
    let d = subgroupAdd(${ks.map((i) => (inRow(i) === 'true' ? hsum(`y${i} * g${i}`) : `select(0.0, ${hsum(`y${i} * g${i}`)}, ${inRow(i)})`)).join(' + ')});
    if (live) {
      ${ks.map((i) => (inRow(i) === 'true' ? `dx[${at(i)}] = y${i} * (g${i} - ${T}(d));` : `if (${inRow(i)}) { dx[${at(i)}] = y${i} * (g${i} - ${T}(d)); }`)).join('\n      ')}
    }`,
  );
}

function subgroupLaunch(e: Runtime, rows: number): { workgroups: [number, number]; gridX: number } {
  const [gx, gy] = e.grid1d(Math.ceil(rows / ROWS_PER_GROUP));
  return { workgroups: [gx, gy], gridX: gx };
}

export function softmaxForward(e: Runtime, x: Tensor): Tensor {
  if (x.rank < 1 || x.dtype !== 'f32') throw new Error(`softmax: x must be f32 with at least one axis, got ${x.describe()}.`);
  const C = x.shape[x.rank - 1];
  const rows = C ? x.size / C : 0;
  const y = e.empty(x.shape);
  if (rows && softmaxVariant(e, C) === 'subgroup') {
    const sh = subgroupShape(e, C);
    const { workgroups, gridX } = subgroupLaunch(e, rows);
    e.dispatch(e.kernel(`softmax_sg${sh.SG}_${sh.vec ? 'v4' : 'f32'}x${sh.n}`, forwardSourceSubgroup(sh)), { bind: { x, y }, params: { rows, gridX }, workgroups });
    return y;
  }
  const lanes = rowLanes(e);
  const vec = C % 4 === 0;
  const [gx, gy] = rowGrid(e, rows, lanes);
  e.dispatch(e.kernel(`softmax_l${lanes}${vec ? '_v4' : ''}`, forwardSource(lanes, vec)), {
    bind: { x, y },
    params: { rows, C: vec ? C / 4 : C, gridX: gx },
    workgroups: [gx, gy],
  });
  return y;
}

export function softmaxBackward(e: Runtime, y: Tensor, g: Tensor): Tensor {
  const C = y.shape[y.rank - 1];
  const rows = C ? y.size / C : 0;
  const dx = e.empty(y.shape);
  if (rows && softmaxVariant(e, C) === 'subgroup') {
    const sh = subgroupShape(e, C);
    const { workgroups, gridX } = subgroupLaunch(e, rows);
    e.dispatch(e.kernel(`softmax_backward_sg${sh.SG}_${sh.vec ? 'v4' : 'f32'}x${sh.n}`, backwardSourceSubgroup(sh)), { bind: { y, g, dx }, params: { rows, gridX }, workgroups });
    return dx;
  }
  const lanes = rowLanes(e);
  const [gx, gy] = rowGrid(e, rows, lanes);
  e.dispatch(e.kernel(`softmax_backward_l${lanes}`, backwardSource(lanes)), { bind: { y, g, dx }, params: { rows, C, gridX: gx }, workgroups: [gx, gy] });
  return dx;
}
