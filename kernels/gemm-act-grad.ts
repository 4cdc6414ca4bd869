// Backward of the GEMM epilogue activations: dZ = dY * act'(Z), with Z the pre-activation saved by
// the forward GEMM (GELU) or the output itself (ReLU: Y > 0 exactly where Z > 0).

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { ERF_WGSL, type Activation } from './gemm-wgsl.js';
import { mapElementwise } from './elementwise.js';

const WG = 256;

const GELU_GRAD = /* wgsl */ `
struct Params { n: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> dz: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${ERF_WGSL}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i < p.n) { dz[i] = g[i] * gelu_grad(z[i]); }
}`;

/** dZ for `act`, given dY and the saved tensor (Z for GELU, Y for ReLU). Returns g itself for 'none'. */
export function activationGrad(e: Runtime, act: Activation, g: Tensor, saved: Tensor | undefined): Tensor {
  if (act === 'none') return g;
  if (!saved) throw new Error(`activationGrad: the ${act} backward needs the tensor saved by the forward pass.`);
  if (saved.size !== g.size) throw new Error(`activationGrad: gradient ${g.describe()} and saved ${saved.describe()} differ in size.`);
  if (act === 'relu') return mapElementwise(e, { name: 'relu_grad', expr: 'select(0.0, a, b > 0.0)', inputs: [g, saved] });
  const dz = e.empty(g.shape);
  const [gx, gy] = e.grid1d(Math.ceil(g.size / WG));
  e.dispatch(e.kernel('gelu_grad', GELU_GRAD), { bind: { g, z: saved, dz }, params: { n: g.size, rowStride: gx * WG }, workgroups: [gx, gy] });
  return dz;
}
