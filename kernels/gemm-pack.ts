// Tile panels for the GEMM family's packed path (variant `pack`): op(X), a [rows, K] operand, is
// copied into [batch][rows / T][K rounded up to 4][T], zero-padded. A workgroup that owns T rows
// (or columns) of the output then streams one contiguous array instead of touching a new row of X,
// often a new page, every k-step: at the weight-gradient shapes (K = batch * tokens, thousands)
// that walk thrashes the TLB of a CPU adapter.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

export interface PackSpec {
  /** Rows of op(X) (M for A, N for B) and its inner dimension. */
  rows: number;
  K: number;
  /** Panel width (rows per panel), a multiple of 4. */
  T: number;
  batch: number;
  /** Elements between consecutive matrices of X. */
  stride: number;
  /** X is stored [K, rows] (a transposed A, an untransposed B) rather than [rows, K]. */
  kMajor: boolean;
}

/** Elements of the packed array. */
export function packedSize(s: PackSpec): number {
  return s.batch * Math.ceil(s.rows / s.T) * kPadded(s.K) * s.T;
}

export function kPadded(K: number): number {
  return 4 * Math.ceil(K / 4);
}

// One invocation per vec4 of a panel row (x), 8 k-steps per workgroup (y), one panel per z.
function packSource(dtype: 'f32' | 'f16', kMajor: boolean, T: number): string {
  const t = dtype;
  const src = (row: string, k: string) => (kMajor ? `X[base + ${k} * p.rows + ${row}]` : `X[base + ${row} * p.K + ${k}]`);
  return /* wgsl */ `${dtype === 'f16' ? 'enable f16;' : ''}
struct Params { rows: u32, K: u32, kp: u32, panels: u32, stride: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> P: array<vec4<${t}>>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${T / 4}, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let q = gid.x;
  let k = gid.y;
  if (k >= p.kp) { return; }
  let panel = wid.z % p.panels;
  let base = (wid.z / p.panels) * p.stride;
  let r0 = panel * ${T}u + 4u * q;
  var v = vec4<${t}>(0.0);
  if (k < p.K) {
    for (var c = 0u; c < 4u; c++) {
      let row = r0 + c;
      if (row < p.rows) { v[c] = ${src('row', 'k')}; }
    }
  }
  P[(wid.z * p.kp + k) * ${T / 4}u + q] = v;
}`;
}

/** Copy op(X) into tile panels `out` (packedSize(s) elements, X's dtype). */
export function packPanels(e: Runtime, X: Tensor, out: Tensor, s: PackSpec): void {
  if (s.T % 4 || s.T > 4 * e.limits.maxComputeWorkgroupSizeX) throw new Error(`gemm pack: panel width ${s.T} must be a multiple of 4 and fit a workgroup.`);
  if (out.size < packedSize(s)) throw new Error(`gemm pack: output ${out.describe()} is smaller than the ${packedSize(s)} panel elements.`);
  const dtype = X.dtype as 'f32' | 'f16';
  const name = `gemm_pack_${dtype}_${s.kMajor ? 'kmajor' : 'rowmajor'}_T${s.T}`;
  // Two launches per (long-K) GEMM: the engine's own cache by name and source is enough here.
  const k = e.kernel(name, packSource(dtype, s.kMajor, s.T));
  const kp = kPadded(s.K);
  const panels = Math.ceil(s.rows / s.T);
  const gz = s.batch * panels;
  const max = e.limits.maxComputeWorkgroupsPerDimension;
  if (Math.ceil(kp / 8) > max || gz > max) throw new Error(`gemm pack: ${Math.ceil(kp / 8)}x${gz} workgroups exceed the adapter's ${max} per dimension; use the unpacked kernels.`);
  e.dispatch(k, { bind: { X, P: out }, params: { rows: s.rows, K: s.K, kp, panels, stride: s.stride }, workgroups: [1, Math.ceil(kp / 8), gz] });
}
