// GELU in its exact erf form, y = x * Phi(x), as BERT and timm use it (not the tanh approximation).
// WGSL has no erf, so Phi comes from erfc by the Chebyshev fit of Numerical Recipes (erfcc: relative
// error < 1.2e-7 for every z >= 0, hence |erf error| < 1.2e-7 too). A&S 7.1.26 has a similar
// absolute bound but loses relative accuracy in the tail (7e-5 at x = -2.75). erfc is evaluated on
// |z| only, so the far negative tail (Phi ~ 0) is never 1 + erf(z) with catastrophic cancellation.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

const WG = 256;

/** WGSL `phi(x)` (standard normal CDF) and `pdf(x)` (density). */
export const NORMAL_WGSL = /* wgsl */ `
fn erfcPos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(-z * z + poly);
}
fn phi(x: f32) -> f32 {
  let z = abs(x) * 0.70710678118654752;
  let half = 0.5 * erfcPos(z);
  return select(1.0 - half, half, x < 0.0);
}
fn pdf(x: f32) -> f32 {
  return 0.39894228040143268 * exp(-0.5 * x * x);
}`;

const FORWARD = /* wgsl */ `
struct Params { n: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${NORMAL_WGSL}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let v = x[i];
  y[i] = v * phi(v);
}`;

const BACKWARD = /* wgsl */ `
struct Params { n: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${NORMAL_WGSL}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let v = x[i];
  dx[i] = g[i] * (phi(v) + v * pdf(v));
}`;

function checkF32(what: string, t: Tensor): void {
  if (t.dtype !== 'f32') throw new Error(`${what}: f32 input expected, got ${t.describe()}.`);
}

export function geluForward(e: Runtime, x: Tensor): Tensor {
  checkF32('gelu', x);
  const y = e.empty(x.shape);
  const [gx, gy] = e.grid1d(Math.ceil(x.size / WG));
  e.dispatch(e.kernel('gelu', FORWARD), { bind: { x, y }, params: { n: x.size, rowStride: gx * WG }, workgroups: [gx, gy] });
  return y;
}

/** dx = g * (Phi(x) + x phi(x)). */
export function geluBackward(e: Runtime, x: Tensor, g: Tensor): Tensor {
  if (g.size !== x.size) throw new Error(`gelu backward: gradient ${g.describe()} does not match input ${x.describe()}.`);
  const dx = e.empty(x.shape);
  const [gx, gy] = e.grid1d(Math.ceil(x.size / WG));
  e.dispatch(e.kernel('gelu_backward', BACKWARD), { bind: { x, g, dx }, params: { n: x.size, rowStride: gx * WG }, workgroups: [gx, gy] });
  return dx;
}
