// Softmax over the last axis, one workgroup per row: max, sum of exp(x - max), then normalise
// (three passes over the row, all from cache for rows up to a few thousand). The backward needs only
// the output: dx = y * (g - sum(g * y)).

import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { ROW_WG, rowReduceWgsl } from './row-reduce.js';

const WG = ROW_WG;

const FORWARD = /* wgsl */ `
struct Params { rows: u32, C: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${rowReduceWgsl(WG)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * p.gridX;
  if (row >= p.rows) { return; }
  let t = lid.x;
  let base = row * p.C;
  var m = -3.4e38;
  for (var j = t; j < p.C; j += ${WG}u) { m = max(m, x[base + j]); }
  m = wgMax(m, t);
  var s = 0.0;
  for (var j = t; j < p.C; j += ${WG}u) { s += exp(x[base + j] - m); }
  let inv = 1.0 / wgSum(s, t);
  for (var j = t; j < p.C; j += ${WG}u) { y[base + j] = exp(x[base + j] - m) * inv; }
}`;

const BACKWARD = /* wgsl */ `
struct Params { rows: u32, C: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${rowReduceWgsl(WG)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * p.gridX;
  if (row >= p.rows) { return; }
  let t = lid.x;
  let base = row * p.C;
  var s = 0.0;
  for (var j = t; j < p.C; j += ${WG}u) { s += g[base + j] * y[base + j]; }
  let dot = wgSum(s, t);
  for (var j = t; j < p.C; j += ${WG}u) { dx[base + j] = y[base + j] * (g[base + j] - dot); }
}`;

export function softmaxForward(e: Engine, x: Tensor): Tensor {
  if (x.rank < 1 || x.dtype !== 'f32') throw new Error(`softmax: x must be f32 with at least one axis, got ${x.describe()}.`);
  const C = x.shape[x.rank - 1];
  const rows = C ? x.size / C : 0;
  const y = e.empty(x.shape);
  const [gx, gy] = e.grid1d(rows);
  e.dispatch(e.kernel('softmax', FORWARD), { bind: { x, y }, params: { rows, C, gridX: gx }, workgroups: [gx, gy] });
  return y;
}

export function softmaxBackward(e: Engine, y: Tensor, g: Tensor): Tensor {
  const C = y.shape[y.rank - 1];
  const rows = C ? y.size / C : 0;
  const dx = e.empty(y.shape);
  const [gx, gy] = e.grid1d(rows);
  e.dispatch(e.kernel('softmax_backward', BACKWARD), { bind: { y, g, dx }, params: { rows, C, gridX: gx }, workgroups: [gx, gy] });
  return dx;
}
