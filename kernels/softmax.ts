// Softmax over the last axis. Each invocation keeps a running max and a sum rescaled to it (online
// softmax), so the row is read twice instead of three times; the per-invocation pairs are then
// combined across the row's lanes. The backward needs only the output: dx = y * (g - sum(g * y)).

import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { rowGrid, rowLanes, rowPrelude } from './row-reduce.js';

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

export function softmaxForward(e: Engine, x: Tensor): Tensor {
  if (x.rank < 1 || x.dtype !== 'f32') throw new Error(`softmax: x must be f32 with at least one axis, got ${x.describe()}.`);
  const C = x.shape[x.rank - 1];
  const rows = C ? x.size / C : 0;
  const y = e.empty(x.shape);
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

export function softmaxBackward(e: Engine, y: Tensor, g: Tensor): Tensor {
  const C = y.shape[y.rank - 1];
  const rows = C ? y.size / C : 0;
  const dx = e.empty(y.shape);
  const lanes = rowLanes(e);
  const [gx, gy] = rowGrid(e, rows, lanes);
  e.dispatch(e.kernel(`softmax_backward_l${lanes}`, backwardSource(lanes)), { bind: { y, g, dx }, params: { rows, C, gridX: gx }, workgroups: [gx, gy] });
  return dx;
}
