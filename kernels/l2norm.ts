// Row L2 normalisation, y = x / max(||x||, eps) (PyTorch's F.normalize), as used on both CLIP
// embeddings before the similarity. The forward saves each row's norm; the backward is
// dx = (g - y (g . y)) / ||x|| where the norm exceeds eps, and g / eps where the clamp is active.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { rowGrid, rowLanes, rowPrelude } from './row-reduce.js';

const FORWARD = (r: ReturnType<typeof rowPrelude>) => /* wgsl */ `
struct Params { rows: u32, D: u32, gridX: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> norms: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  let base = row * p.D;
  // Scale by the row's max |x| first so that squares neither overflow nor underflow in f32.
  var a = 0.0;
  for (var j = t; j < p.D; j += LANES) { a = max(a, abs(x[base + j])); }
  a = wgMax(a, t);
  let inva = select(0.0, 1.0 / a, a > 0.0);
  var s = 0.0;
  for (var j = t; j < p.D; j += LANES) { let v = x[base + j] * inva; s += v * v; }
  let norm = a * sqrt(wgSum(s, t));
  let inv = 1.0 / max(norm, p.eps);
  for (var j = t; j < p.D; j += LANES) { y[base + j] = x[base + j] * inv; }
  if (t == 0u) { norms[row] = norm; }
}`;

const BACKWARD = (r: ReturnType<typeof rowPrelude>) => /* wgsl */ `
struct Params { rows: u32, D: u32, gridX: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  let base = row * p.D;
  var s = 0.0;
  for (var j = t; j < p.D; j += LANES) { s += g[base + j] * y[base + j]; }
  let dot = wgSum(s, t);
  let norm = norms[row];
  let clamped = norm <= p.eps;
  let inv = 1.0 / max(norm, p.eps);
  for (var j = t; j < p.D; j += LANES) {
    dx[base + j] = select(g[base + j] - y[base + j] * dot, g[base + j], clamped) * inv;
  }
}`;

export function l2normalizeForward(e: Runtime, x: Tensor, eps: number): { y: Tensor; norms: Tensor } {
  if (x.rank !== 2 || x.dtype !== 'f32') throw new Error(`l2normalize: x must be f32 [rows, dim], got ${x.describe()}.`);
  if (!(eps > 0)) throw new Error(`l2normalize: eps must be > 0, got ${eps}.`);
  const [rows, D] = x.shape;
  const y = e.empty(x.shape);
  const norms = e.empty([rows]);
  const lanes = rowLanes(e);
  const [gx, gy] = rowGrid(e, rows, lanes);
  e.dispatch(e.kernel(`l2normalize_l${lanes}`, FORWARD(rowPrelude(lanes))), { bind: { x, y, norms }, params: { rows, D, gridX: gx, eps }, workgroups: [gx, gy] });
  return { y, norms };
}

export function l2normalizeBackward(e: Runtime, y: Tensor, norms: Tensor, g: Tensor, eps: number): Tensor {
  const [rows, D] = y.shape;
  const dx = e.empty(y.shape);
  const lanes = rowLanes(e);
  const [gx, gy] = rowGrid(e, rows, lanes);
  e.dispatch(e.kernel(`l2normalize_backward_l${lanes}`, BACKWARD(rowPrelude(lanes))), { bind: { y, norms, g, dx }, params: { rows, D, gridX: gx, eps }, workgroups: [gx, gy] });
  return dx;
}
