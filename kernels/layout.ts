// Data movement: permutations (transpose) and axis ranges (slice, concat, and their backward).

import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { contiguousStrides } from '../engine/dtype.js';
import { MAX_DIMS } from './elementwise.js';

const WG = 256;

const PERMUTE = /* wgsl */ `
struct Params { n: u32, rowStride: u32, shapeLo: vec4<u32>, shapeHi: vec4<u32>, strideLo: vec4<u32>, strideHi: vec4<u32> }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let shape = array<u32, 8>(p.shapeLo.x, p.shapeLo.y, p.shapeLo.z, p.shapeLo.w, p.shapeHi.x, p.shapeHi.y, p.shapeHi.z, p.shapeHi.w);
  let st = array<u32, 8>(p.strideLo.x, p.strideLo.y, p.strideLo.z, p.strideLo.w, p.strideHi.x, p.strideHi.y, p.strideHi.z, p.strideHi.w);
  var rem = i;
  var src = 0u;
  for (var d = 7; d >= 0; d--) {
    let idx = rem % shape[d];
    rem = rem / shape[d];
    src += idx * st[d];
  }
  out[i] = x[src];
}`;

/** out = x.permute(perm) (contiguous result). */
export function permute(engine: Engine, x: Tensor, perm: readonly number[]): Tensor {
  const r = x.shape.length;
  if (r > MAX_DIMS) throw new Error(`transpose: at most ${MAX_DIMS} dimensions, got ${x.describe()}.`);
  const outShape = perm.map((p) => x.shape[p]);
  const inStrides = contiguousStrides(x.shape);
  const pad = MAX_DIMS - r;
  const shape = [...new Array(pad).fill(1), ...outShape];
  const strides = [...new Array(pad).fill(0), ...perm.map((p) => inStrides[p])];
  const out = engine.empty(outShape, x.dtype);
  const [gx, gy] = engine.grid1d(Math.ceil(out.size / WG));
  engine.dispatch(engine.kernel('permute', PERMUTE), {
    bind: { x, out },
    params: { n: out.size, rowStride: gx * WG, shapeLo: shape.slice(0, 4), shapeHi: shape.slice(4), strideLo: strides.slice(0, 4), strideHi: strides.slice(4) },
    workgroups: [gx, gy],
  });
  return out;
}

const AXIS_RANGE = /* wgsl */ `
struct Params { outer: u32, len: u32, inner: u32, rowStride: u32, inN: u32, inStart: u32, outN: u32, outStart: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.outer * p.len * p.inner) { return; }
  let k = i % p.inner;
  let j = (i / p.inner) % p.len;
  let o = i / (p.inner * p.len);
  out[(o * p.outN + p.outStart + j) * p.inner + k] = x[(o * p.inN + p.inStart + j) * p.inner + k];
}`;

/** Copy x[:, inStart:inStart+len, :] into out[:, outStart:outStart+len, :] (both seen as [outer, N, inner]). */
export function copyAxisRange(
  engine: Engine,
  x: Tensor,
  out: Tensor,
  r: { outer: number; inner: number; len: number; inN: number; inStart: number; outN: number; outStart: number },
): void {
  const total = r.outer * r.len * r.inner;
  const [gx, gy] = engine.grid1d(Math.ceil(total / WG));
  engine.dispatch(engine.kernel('axis_range', AXIS_RANGE), { bind: { x, out }, params: { ...r, rowStride: gx * WG }, workgroups: [gx, gy] });
}
