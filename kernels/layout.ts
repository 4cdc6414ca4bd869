// Data movement: permutations (transpose) and axis ranges (slice, concat, and their backward).

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { BYTES, contiguousStrides, type DType } from '../engine/dtype.js';
import { MAX_DIMS } from './elementwise.js';

const WG = 256;

/**
 * The permutation as few dims as possible: size-1 dims dropped, and output dims that are also
 * adjacent and in order in the input merged (the head split [B, S, H, hd] -> [B, H, S, hd] keeps hd
 * as one contiguous run). Returns the output sizes and their strides in the input.
 */
export function collapsePermutation(shape: readonly number[], perm: readonly number[]): { sizes: number[]; strides: number[] } {
  const inStrides = contiguousStrides(shape);
  const sizes: number[] = [];
  const strides: number[] = [];
  for (const p of perm) {
    if (shape[p] === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && strides[last] === inStrides[p] * shape[p]) {
      sizes[last] *= shape[p];
      strides[last] = inStrides[p];
    } else {
      sizes.push(shape[p]);
      strides.push(inStrides[p]);
    }
  }
  return sizes.length ? { sizes, strides } : { sizes: [1], strides: [1] };
}

/**
 * One kernel per collapsed permutation: sizes and strides are WGSL constants, so the index
 * arithmetic divides by constants (a multiply and a shift) instead of by uniforms (a scalar integer
 * division per lane and dim on CPU adapters: the generic 8-dim version spent ~16 of them per
 * element). When the innermost run is contiguous in both tensors and a multiple of 4, a lane moves a
 * vec4 (CPU adapters pay per load, not per byte).
 */
function permuteSource(type: DType, vec: boolean, sizes: number[], strides: number[]): string {
  const t = vec ? `vec4<${type}>` : type;
  const L: string[] = [];
  for (let d = sizes.length - 1; d >= 0; d--) {
    const last = d === 0;
    L.push(`  ${last ? `src += rem * ${strides[d]}u;` : `src += (rem % ${sizes[d]}u) * ${strides[d]}u; rem = rem / ${sizes[d]}u;`}`);
  }
  const n = sizes.reduce((a, b) => a * b, 1);
  return /* wgsl */ `${type === 'f16' ? 'enable f16;\n' : ''}struct Params { rowStride: u32 }
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= ${n}u) { return; }
  var rem = i;
  var src = 0u;
${L.join('\n')}
  out[i] = x[src];
}`;
}

/** Both tensors start on a vec4 boundary of their dtype, so they can be bound as vec4 arrays. */
function vec4Aligned(x: Tensor, out: Tensor): boolean {
  const b = 4 * BYTES[x.dtype];
  return x.offset % b === 0 && out.offset % b === 0;
}

/** out = x.permute(perm) (contiguous result). */
export function permute(engine: Runtime, x: Tensor, perm: readonly number[]): Tensor {
  const r = x.shape.length;
  if (r > MAX_DIMS) throw new Error(`transpose: at most ${MAX_DIMS} dimensions, got ${x.describe()}.`);
  const outShape = perm.map((p) => x.shape[p]);
  const out = engine.empty(outShape, x.dtype);
  if (out.size === 0) return out;
  let { sizes, strides } = collapsePermutation(x.shape, perm);
  const inner = sizes.length - 1;
  const vec = strides[inner] === 1 && sizes[inner] % 4 === 0 && vec4Aligned(x, out);
  if (vec) {
    // Every other stride is a multiple of the contiguous run (it spans whole runs of the input).
    sizes = sizes.map((z, d) => (d === inner ? z / 4 : z));
    strides = strides.map((z, d) => (d === inner ? 1 : z / 4));
  }
  const n = sizes.reduce((a, b) => a * b, 1);
  const name = `permute_${x.dtype}${vec ? 'x4' : ''}_${sizes.join('x')}_s${strides.join('_')}`;
  const [gx, gy] = engine.grid1d(Math.ceil(n / WG));
  engine.dispatch(engine.kernel(name, permuteSource(x.dtype, vec, sizes, strides)), { bind: { x, out }, params: { rowStride: gx * WG }, workgroups: [gx, gy] });
  return out;
}

/**
 * Copies a range of the middle axis of x [outer, inN, inner] into out [outer, outN, inner]. The
 * divisors (inner, len) are WGSL constants, as in the permute kernel; with inner % 4 == 0 each lane
 * moves a vec4 (the starts and row lengths are then whole vec4s too).
 */
function axisRangeSource(type: DType, vec: boolean, len: number, inner: number): string {
  const t = vec ? `vec4<${type}>` : type;
  return /* wgsl */ `${type === 'f16' ? 'enable f16;\n' : ''}struct Params { outer: u32, rowStride: u32, inN: u32, inStart: u32, outN: u32, outStart: u32 }
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.outer * ${len * inner}u) { return; }
  let k = i % ${inner}u;
  let j = (i / ${inner}u) % ${len}u;
  let o = i / ${len * inner}u;
  out[(o * p.outN + p.outStart + j) * ${inner}u + k] = x[(o * p.inN + p.inStart + j) * ${inner}u + k];
}`;
}

/** Copy x[:, inStart:inStart+len, :] into out[:, outStart:outStart+len, :] (both seen as [outer, N, inner]). */
export function copyAxisRange(
  engine: Runtime,
  x: Tensor,
  out: Tensor,
  r: { outer: number; inner: number; len: number; inN: number; inStart: number; outN: number; outStart: number },
): void {
  const total = r.outer * r.len * r.inner;
  if (total === 0) return;
  const vec = r.inner % 4 === 0 && vec4Aligned(x, out);
  const inner = vec ? r.inner / 4 : r.inner;
  const [gx, gy] = engine.grid1d(Math.ceil(total / (vec ? 4 : 1) / WG));
  engine.dispatch(engine.kernel(`axis_range_${x.dtype}${vec ? 'x4' : ''}_${r.len}x${inner}`, axisRangeSource(x.dtype, vec, r.len, inner)), {
    bind: { x, out },
    params: { outer: r.outer, rowStride: gx * WG, inN: r.inN, inStart: r.inStart, outN: r.outN, outStart: r.outStart },
    workgroups: [gx, gy],
  });
}
