// Fill a tensor with one value (f32).

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

export function fillInto(e: Runtime, out: Tensor, value: number): Tensor {
  const k = e.kernel(
    'fill',
    /* wgsl */ `
struct Params { n: u32, rowStride: u32, value: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i < p.n) { out[i] = p.value; }
}`,
  );
  const [gx, gy] = e.grid1d(Math.ceil(out.size / 256));
  e.dispatch(k, { bind: { out }, params: { n: out.size, rowStride: gx * 256, value }, workgroups: [gx, gy] });
  return out;
}
