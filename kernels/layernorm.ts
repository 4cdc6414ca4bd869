// LayerNorm over the last axis: y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased
// variance (as PyTorch). The forward saves mean and 1/std per row so the backward never recomputes
// the statistics. dweight/dbias are sums over rows; instead of float atomics (WGSL has none) they are
// reduced in two deterministic passes: partial sums over chunks of rows, then over the chunks.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { rowGrid as rowGridFor, rowLanes, rowPrelude } from './row-reduce.js';

/** Rows summed by one invocation in the first pass of the dweight/dbias reduction. */
const CHUNK = 64;
const COL_WG = 64;

/** Row kernels read vec4 when D % 4 == 0 (`vec`): a quarter of the loop iterations, which on
 *  lavapipe carry a per-iteration exec-mask blend for every live variable. In vec mode p.D counts
 *  vec4 elements and WIDTH = 4 recovers the element count. */
function rowTypes(vec: boolean) {
  const T = vec ? 'vec4<f32>' : 'f32';
  return { T, WIDTH: vec ? 4 : 1, hsum: (e: string) => (vec ? `dot(${e}, vec4<f32>(1.0))` : e), splat: (e: string) => (vec ? `vec4<f32>(${e})` : e) };
}

function forwardSource(r: ReturnType<typeof rowPrelude>, vec: boolean): string {
  const { T, WIDTH, hsum, splat } = rowTypes(vec);
  return /* wgsl */ `
struct Params { rows: u32, D: u32, gridX: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read> w: array<${T}>;
@group(0) @binding(2) var<storage, read> b: array<${T}>;
@group(0) @binding(3) var<storage, read_write> y: array<${T}>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  let base = row * p.D;
  let count = f32(p.D * ${WIDTH}u);
  var s = 0.0;
  for (var j = t; j < p.D; j += LANES) { s += ${hsum('x[base + j]')}; }
  let mean = wgSum(s, t) / count;
  // Second pass over (x - mean): no cancellation when |mean| >> std.
  var q = 0.0;
  for (var j = t; j < p.D; j += LANES) { let d = x[base + j] - ${splat('mean')}; q += ${vec ? 'dot(d, d)' : 'd * d'}; }
  let rstd = inverseSqrt(wgSum(q, t) / count + p.eps);
  for (var j = t; j < p.D; j += LANES) { y[base + j] = (x[base + j] - ${splat('mean')}) * rstd * w[j] + b[j]; }
  if (t == 0u) { stats[2u * row] = mean; stats[2u * row + 1u] = rstd; }
}`;
}

function backwardDxSource(r: ReturnType<typeof rowPrelude>, vec: boolean): string {
  const { T, WIDTH, hsum, splat } = rowTypes(vec);
  return /* wgsl */ `
struct Params { rows: u32, D: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read> w: array<${T}>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<${T}>;
@group(0) @binding(4) var<storage, read_write> dx: array<${T}>;
@group(0) @binding(5) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  let base = row * p.D;
  let count = f32(p.D * ${WIDTH}u);
  let mean = ${splat('stats[2u * row]')};
  let rstd = stats[2u * row + 1u];
  var sa = 0.0;
  var sb = 0.0;
  for (var j = t; j < p.D; j += LANES) {
    let xh = (x[base + j] - mean) * rstd;
    let dxh = g[base + j] * w[j];
    sa += ${hsum('dxh')};
    sb += ${vec ? 'dot(dxh, xh)' : 'dxh * xh'};
  }
  let a = ${splat('wgSum(sa, t) / count')};
  let bb = wgSum(sb, t) / count;
  for (var j = t; j < p.D; j += LANES) {
    let xh = (x[base + j] - mean) * rstd;
    dx[base + j] = rstd * (g[base + j] * w[j] - a - xh * bb);
  }
}`;
}

const BACKWARD_PARTIAL = /* wgsl */ `
struct Params { rows: u32, D: u32, chunks: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(${COL_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let c = gid.y;
  if (j >= p.D || c >= p.chunks) { return; }
  let r1 = min(p.rows, (c + 1u) * ${CHUNK}u);
  var sw = 0.0;
  var sb = 0.0;
  for (var r = c * ${CHUNK}u; r < r1; r++) {
    let gv = g[r * p.D + j];
    sw += gv * (x[r * p.D + j] - stats[2u * r]) * stats[2u * r + 1u];
    sb += gv;
  }
  part[c * p.D + j] = sw;
  part[(p.chunks + c) * p.D + j] = sb;
}`;

const BACKWARD_FINAL = /* wgsl */ `
struct Params { D: u32, chunks: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${COL_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.D) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var c = 0u; c < p.chunks; c++) {
    sw += part[c * p.D + j];
    sb += part[(p.chunks + c) * p.D + j];
  }
  dw[j] = sw;
  db[j] = sb;
}`;

export interface LayerNormSaved {
  rows: number;
  D: number;
  /** [rows, 2]: mean and 1/std per row. */
  stats: Tensor;
}


export function layerNormForward(e: Runtime, x: Tensor, weight: Tensor, bias: Tensor, eps: number): { y: Tensor; saved: LayerNormSaved } {
  const D = x.shape[x.rank - 1];
  if (x.rank < 1 || x.dtype !== 'f32') throw new Error(`layerNorm: x must be f32 with at least one axis, got ${x.describe()}.`);
  for (const [n, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t.rank !== 1 || t.shape[0] !== D) throw new Error(`layerNorm: ${n} ${t.describe()} must be [${D}] to match the last axis of ${x.describe()}.`);
  }
  if (!(eps > 0)) throw new Error(`layerNorm: eps must be > 0, got ${eps}.`);
  const rows = D ? x.size / D : 0;
  const y = e.empty(x.shape);
  const stats = e.empty([rows, 2]);
  const lanes = rowLanes(e);
  const vec = D % 4 === 0;
  const [gx, gy] = rowGridFor(e, rows, lanes);
  e.dispatch(e.kernel(`layernorm_l${lanes}${vec ? '_v4' : ''}`, forwardSource(rowPrelude(lanes), vec)), {
    bind: { x, w: weight, b: bias, y, stats },
    params: { rows, D: vec ? D / 4 : D, gridX: gx, eps },
    workgroups: [gx, gy],
  });
  return { y, saved: { rows, D, stats } };
}

export function layerNormBackwardInput(e: Runtime, x: Tensor, weight: Tensor, s: LayerNormSaved, g: Tensor): Tensor {
  const dx = e.empty(x.shape);
  const lanes = rowLanes(e);
  const vec = s.D % 4 === 0;
  const [gx, gy] = rowGridFor(e, s.rows, lanes);
  e.dispatch(e.kernel(`layernorm_backward_dx_l${lanes}${vec ? '_v4' : ''}`, backwardDxSource(rowPrelude(lanes), vec)), {
    bind: { x, w: weight, stats: s.stats, g, dx },
    params: { rows: s.rows, D: vec ? s.D / 4 : s.D, gridX: gx },
    workgroups: [gx, gy],
  });
  return dx;
}

/** dw and db, into `into`'s tensors where given (they are overwritten, not added to). */
export function layerNormBackwardParams(e: Runtime, x: Tensor, s: LayerNormSaved, g: Tensor, into: { dw?: Tensor; db?: Tensor } = {}): { dw: Tensor; db: Tensor } {
  const chunks = Math.max(1, Math.ceil(s.rows / CHUNK));
  if (chunks > e.limits.maxComputeWorkgroupsPerDimension) throw new Error(`layerNorm backward: ${s.rows} rows exceed the launch limit.`);
  const part = e.empty([2, chunks, s.D]);
  e.dispatch(e.kernel('layernorm_backward_partial', BACKWARD_PARTIAL), {
    bind: { x, stats: s.stats, g, part },
    params: { rows: s.rows, D: s.D, chunks },
    workgroups: [Math.ceil(s.D / COL_WG), chunks],
  });
  const dw = into.dw ?? e.empty([s.D]);
  const db = into.db ?? e.empty([s.D]);
  e.dispatch(e.kernel('layernorm_backward_final', BACKWARD_FINAL), {
    bind: { part, dw, db },
    params: { D: s.D, chunks },
    workgroups: [Math.ceil(s.D / COL_WG)],
  });
  part.dispose();
  return { dw, db };
}
