// Reductions over one axis. The tensor is seen as [outer, n, inner] and reduced over n.
// Many outputs: one invocation per output loops over n. Few outputs with a long axis (a full sum, a
// loss mean): one workgroup per output, a strided loop per invocation and a tree in workgroup
// memory, so a million-element sum is not one thread's serial loop.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

export type ReduceOp = 'sum' | 'max';
const WG = 256;

function threadPerOutput(op: ReduceOp): string {
  return /* wgsl */ `
struct Params { outer: u32, n: u32, inner: u32, rowStride: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> arg: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.rowStride;
  if (o >= p.outer * p.inner) { return; }
  let base = (o / p.inner) * p.n * p.inner + o % p.inner;
  ${
    op === 'sum'
      ? `var acc = 0.0;
  for (var j = 0u; j < p.n; j++) { acc += x[base + j * p.inner]; }
  out[o] = acc * p.scale;`
      : `var best = x[base];
  var bi = 0u;
  for (var j = 1u; j < p.n; j++) {
    let v = x[base + j * p.inner];
    if (v > best) { best = v; bi = j; }
  }
  out[o] = best;
  arg[o] = i32(bi);`
  }
}`;
}

function workgroupPerOutput(op: ReduceOp): string {
  const combine = op === 'sum' ? 'a + b' : 'max(a, b)';
  return /* wgsl */ `
struct Params { outer: u32, n: u32, inner: u32, rowStride: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> arg: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> vals: array<f32, ${WG}>;
var<workgroup> idxs: array<u32, ${WG}>;
fn combine(a: f32, b: f32) -> f32 { return ${combine}; }
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wid.x + wid.y * p.rowStride;
  if (o >= p.outer * p.inner) { return; }
  let base = (o / p.inner) * p.n * p.inner + o % p.inner;
  let t = lid.x;
  var acc = ${op === 'sum' ? '0.0' : '-3.4e38'};
  var bi = 0u;
  for (var j = t; j < p.n; j += ${WG}u) {
    let v = x[base + j * p.inner];
    ${op === 'sum' ? 'acc += v;' : 'if (v > acc) { acc = v; bi = j; }'}
  }
  vals[t] = acc;
  idxs[t] = bi;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) {
      ${
        op === 'sum'
          ? 'vals[t] = combine(vals[t], vals[t + s]);'
          : // ties go to the lower index, as the serial loop does
            'let a = vals[t]; let b = vals[t + s]; if (b > a || (b == a && idxs[t + s] < idxs[t])) { vals[t] = b; idxs[t] = idxs[t + s]; }'
      }
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    out[o] = vals[0] * ${op === 'sum' ? 'p.scale' : '1.0'};
    arg[o] = i32(idxs[0]);
  }
}`;
}

/**
 * Column sums of wide rows (bias gradients: dY [rows, N] summed over rows): each invocation owns 4
 * adjacent columns (1 when inner % 4 != 0) over one chunk of rows, so neighbouring lanes read
 * neighbouring memory, and writes a partial sum; a second pass adds the chunks. The workgroup-per-
 * output kernel would instead read every column with a stride and reduce through 8 barriers.
 */
function columnChunks(vec: boolean): string {
  const t = vec ? 'vec4<f32>' : 'f32';
  return /* wgsl */ `
struct Params { n: u32, inner: u32, chunk: u32, chunks: u32 }
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read_write> part: array<${t}>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.inner) { return; }
  let o = gid.z;
  let j0 = gid.y * p.chunk;
  let j1 = min(p.n, j0 + p.chunk);
  var acc = ${t}(0.0);
  for (var j = j0; j < j1; j++) { acc += x[(o * p.n + j) * p.inner + c]; }
  part[(o * p.chunks + gid.y) * p.inner + c] = acc;
}`;
}

/** Rows per chunk of the column kernel: enough chunks to give both cores work, long enough loops. */
const COLUMN_CHUNK = 64;

/** Reduce x (viewed as [outer, n, inner]) over n into out [outer*inner]; `arg` gets argmax for max. */
export function reduceAxis(
  engine: Runtime,
  op: ReduceOp,
  x: Tensor,
  outer: number,
  n: number,
  inner: number,
  out: Tensor,
  arg: Tensor | undefined,
  scale = 1,
): void {
  if (x.dtype !== 'f32') throw new Error(`reduce ${op}: f32 only, got ${x.describe()}.`);
  if (n === 0 && op === 'max') throw new Error(`max over an empty axis of ${x.describe()}.`);
  const outputs = outer * inner;
  const max = engine.limits.maxComputeWorkgroupsPerDimension;
  if (op === 'sum' && inner >= 32 && n >= 2 * COLUMN_CHUNK && outer <= max && Math.ceil(n / COLUMN_CHUNK) <= max) {
    const vec = inner % 4 === 0 && x.offset % 16 === 0;
    const width = vec ? inner / 4 : inner;
    const chunks = Math.ceil(n / COLUMN_CHUNK);
    const part = engine.empty([outer * chunks * inner]);
    try {
      engine.dispatch(engine.kernel(`reduce_sum_columns${vec ? '_x4' : ''}`, columnChunks(vec)), {
        bind: { x, part },
        params: { n, inner: width, chunk: COLUMN_CHUNK, chunks },
        workgroups: [Math.ceil(width / 64), chunks, outer],
      });
      reduceAxis(engine, 'sum', part, outer, chunks, inner, out, undefined, scale);
    } finally {
      part.dispose();
    }
    return;
  }
  const wide = outputs < 4096 && n >= 512;
  const kernel = engine.kernel(`reduce_${op}${wide ? '_wg' : ''}`, wide ? workgroupPerOutput(op) : threadPerOutput(op));
  const dummy = arg ?? engine.empty([1], 'i32');
  const groups = wide ? outputs : Math.ceil(outputs / WG);
  const [gx, gy] = engine.grid1d(groups);
  engine.dispatch(kernel, {
    bind: { x, out, arg: dummy },
    params: { outer, n, inner, rowStride: wide ? gx : gx * WG, scale },
    workgroups: [gx, gy],
  });
  if (!arg) dummy.dispose();
}

/** The gradient of a max over n: each output's gradient goes to the position of its maximum (`arg`
 *  from reduceAxis), zeros elsewhere; dx has the shape of the reduced tensor. */
export function maxBackward(e: Runtime, g: Tensor, arg: Tensor, outer: number, n: number, inner: number, shape: readonly number[]): Tensor {
  const dx = e.empty(shape);
  const k = e.kernel(
    'max_grad',
    /* wgsl */ `
struct Params { outer: u32, n: u32, inner: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> arg: array<i32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.outer * p.n * p.inner) { return; }
  let k = i % p.inner;
  let j = (i / p.inner) % p.n;
  let o = i / (p.inner * p.n);
  let r = o * p.inner + k;
  dx[i] = select(0.0, g[r], arg[r] == i32(j));
}`,
  );
  const [gx, gy] = e.grid1d(Math.ceil(dx.size / 256));
  e.dispatch(k, { bind: { g, arg, dx }, params: { outer, n, inner, rowStride: gx * 256 }, workgroups: [gx, gy] });
  return dx;
}
