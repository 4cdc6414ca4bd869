// Elementwise kernels generated from a WGSL expression: any number of inputs (up to 3), NumPy
// broadcasting, optional f32 scalars. One generator serves every unary/binary op, their backward
// rules (relu', tanh', ...) and fused epilogues, so each new op is one line of WGSL.
//
// Two variants: when every input already has the output's shape the kernel indexes linearly (no
// index decoding, which on lavapipe is a chain of divisions per element); otherwise it decodes the
// output index once and applies per-input broadcast strides.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape, shapeSize, type DType } from '../engine/dtype.js';

export const MAX_DIMS = 8;
const WG = 256;

/** NumPy broadcasting of two shapes; the error prints both. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`Shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db}).`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` seen from `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array(outShape.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

function pad8(xs: readonly number[], fill: number): number[] {
  // Leading dimensions of size 1 are free: the decoder walks from the last dimension.
  const out = new Array(MAX_DIMS - xs.length).fill(fill).concat(xs);
  return out;
}

const NAMES = ['a', 'b', 'c'];

function wgslType(d: DType): string {
  return d === 'f16' ? 'f16' : d;
}

/**
 * The broadcast as few dims as possible: size-1 output dims dropped and neighbouring dims merged
 * where every input is contiguous across them (or broadcast along both), so the index decoder runs
 * over the real rank (a bias add [B*S, D] + [D] is 2 dims, not 8 with 16 divisions per element).
 */
export function collapseBroadcast(outShape: readonly number[], inStrides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const shape: number[] = [];
  const strides: number[][] = inStrides.map(() => []);
  outShape.forEach((dim, d) => {
    if (dim === 1) return;
    const last = shape.length - 1;
    if (last >= 0 && inStrides.every((st, k) => strides[k][last] === st[d] * dim)) {
      shape[last] *= dim;
      inStrides.forEach((st, k) => (strides[k][last] = st[d]));
    } else {
      shape.push(dim);
      inStrides.forEach((st, k) => strides[k].push(st[d]));
    }
  });
  return shape.length ? { shape, strides } : { shape: [1], strides: inStrides.map(() => [0]) };
}

function source(nIn: number, inTypes: DType[], outType: DType, expr: string, broadcast: boolean, nScalars: number, rank = MAX_DIMS): string {
  const lines: string[] = [];
  lines.push('struct Params {', '  n: u32,', '  rowStride: u32,');
  for (let s = 0; s < 4; s++) lines.push(`  s${s}: f32,`);
  if (broadcast) {
    lines.push('  shapeLo: vec4<u32>,', '  shapeHi: vec4<u32>,');
    for (let i = 0; i < nIn; i++) lines.push(`  ${NAMES[i]}Lo: vec4<u32>,`, `  ${NAMES[i]}Hi: vec4<u32>,`);
  }
  lines.push('}');
  for (let i = 0; i < nIn; i++) lines.push(`@group(0) @binding(${i}) var<storage, read> ${NAMES[i]}In: array<${wgslType(inTypes[i])}>;`);
  lines.push(`@group(0) @binding(${nIn}) var<storage, read_write> out: array<${wgslType(outType)}>;`);
  lines.push(`@group(0) @binding(${nIn + 1}) var<uniform> p: Params;`);
  lines.push(`@compute @workgroup_size(${WG})`, 'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {');
  lines.push('  let i = gid.x + gid.y * p.rowStride;', '  if (i >= p.n) { return; }');
  for (let s = 0; s < nScalars; s++) lines.push(`  let s${s} = p.s${s};`);
  if (broadcast) {
    lines.push('  let shape = array<u32, 8>(p.shapeLo.x, p.shapeLo.y, p.shapeLo.z, p.shapeLo.w, p.shapeHi.x, p.shapeHi.y, p.shapeHi.z, p.shapeHi.w);');
    for (let k = 0; k < nIn; k++) {
      const n = NAMES[k];
      lines.push(`  let ${n}St = array<u32, 8>(p.${n}Lo.x, p.${n}Lo.y, p.${n}Lo.z, p.${n}Lo.w, p.${n}Hi.x, p.${n}Hi.y, p.${n}Hi.z, p.${n}Hi.w);`);
      lines.push(`  var ${n}Off = 0u;`);
    }
    // The rank is part of the kernel (its name carries it): padding dims of size 1 are never walked.
    lines.push('  var rem = i;', `  for (var d = ${MAX_DIMS - 1}; d >= ${MAX_DIMS - rank}; d--) {`, '    let dim = shape[d];', '    let idx = rem % dim;', '    rem = rem / dim;');
    for (let k = 0; k < nIn; k++) lines.push(`    ${NAMES[k]}Off += idx * ${NAMES[k]}St[d];`);
    lines.push('  }');
    for (let k = 0; k < nIn; k++) lines.push(`  let ${NAMES[k]} = ${NAMES[k]}In[${NAMES[k]}Off];`);
  } else {
    for (let k = 0; k < nIn; k++) lines.push(`  let ${NAMES[k]} = ${NAMES[k]}In[i];`);
  }
  lines.push(`  out[i] = ${expr};`, '}');
  return lines.join('\n');
}

export interface MapArgs {
  /** Kernel name, shown in errors and profiles. */
  name: string;
  /** WGSL expression over a, b, c (the inputs) and s0..s3 (scalars), e.g. `a * b + s0`. */
  expr: string;
  inputs: Tensor[];
  scalars?: number[];
  outDtype?: DType;
  /** Write into this tensor instead of a new one (it must have the broadcast shape). */
  out?: Tensor;
}

/** out = expr(inputs...) with broadcasting. */
export function mapElementwise(engine: Runtime, args: MapArgs): Tensor {
  const { inputs } = args;
  if (inputs.length < 1 || inputs.length > 3) throw new Error(`${args.name}: 1 to 3 inputs, got ${inputs.length}.`);
  let outShape: number[] = [...inputs[0].shape];
  for (let i = 1; i < inputs.length; i++) outShape = broadcastShapes(outShape, inputs[i].shape);
  if (outShape.length > MAX_DIMS) throw new Error(`${args.name}: at most ${MAX_DIMS} dimensions, got ${fmtShape(outShape)}.`);
  const outDtype = args.outDtype ?? inputs[0].dtype;
  const out = args.out ?? engine.empty(outShape, outDtype);
  if (shapeSize(out.shape) !== shapeSize(outShape)) {
    throw new Error(`${args.name}: output ${out.describe()} does not match the broadcast shape ${fmtShape(outShape)}.`);
  }
  const n = shapeSize(outShape);
  const broadcast = inputs.some((t) => t.size !== n);
  const scalars = args.scalars ?? [];
  const collapsed = broadcast ? collapseBroadcast(outShape, inputs.map((t) => broadcastStrides(t.shape, outShape))) : undefined;
  const rank = collapsed?.shape.length ?? MAX_DIMS;
  const kernel = engine.kernel(
    broadcast ? `map:${args.name}:r${rank}` : `map:${args.name}`,
    source(
      inputs.length,
      inputs.map((t) => t.dtype),
      outDtype,
      args.expr,
      broadcast,
      scalars.length,
      rank,
    ),
  );
  const groups = Math.ceil(n / WG);
  const [gx, gy] = engine.grid1d(groups);
  const params: Record<string, number | number[]> = { n, rowStride: gx * WG };
  for (let s = 0; s < 4; s++) params[`s${s}`] = scalars[s] ?? 0;
  if (collapsed) {
    const shape = pad8(collapsed.shape, 1);
    params.shapeLo = shape.slice(0, 4);
    params.shapeHi = shape.slice(4);
    inputs.forEach((t, k) => {
      const st = pad8(collapsed.strides[k], 0);
      params[`${NAMES[k]}Lo`] = st.slice(0, 4);
      params[`${NAMES[k]}Hi`] = st.slice(4);
    });
  }
  const bind: Record<string, Tensor> = { out };
  inputs.forEach((t, k) => (bind[`${NAMES[k]}In`] = t));
  engine.dispatch(kernel, { bind, params, workgroups: [gx, gy] });
  return out;
}

/** acc += x, in place (same number of elements). Used for gradient accumulation. */
export function accumulate(engine: Runtime, acc: Tensor, x: Tensor, scale = 1): void {
  if (acc.size !== x.size) throw new Error(`accumulate: ${acc.describe()} and ${x.describe()} differ in size.`);
  if (acc.dtype !== 'f32' || x.dtype !== 'f32') throw new Error(`accumulate: f32 only, got ${acc.dtype} and ${x.dtype}.`);
  if (acc.size === 0) return;
  // Whole vec4s when both start on a 16-byte boundary: a quarter of the loads (CPU adapters pay per load).
  const vec = acc.size % 4 === 0 && acc.offset % 16 === 0 && x.offset % 16 === 0;
  const t = vec ? 'vec4<f32>' : 'f32';
  const kernel = engine.kernel(
    vec ? 'accumulate_x4' : 'accumulate',
    /* wgsl */ `
struct Params { n: u32, rowStride: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read_write> acc: array<${t}>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  acc[i] = acc[i] + p.scale * x[i];
}`,
  );
  const n = vec ? acc.size / 4 : acc.size;
  const [gx, gy] = engine.grid1d(Math.ceil(n / WG));
  engine.dispatch(kernel, { bind: { x, acc }, params: { n, rowStride: gx * WG, scale }, workgroups: [gx, gy] });
}
