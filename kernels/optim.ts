// Optimizer updates over whole flat buffers (engine.arena(...).all views one arena; parameters,
// gradients and optimizer state live in arenas with identical layouts, so element i of each is the
// same scalar), the global gradient L2 norm, and clipping by it - all on the GPU, with nothing read
// back. The host only keeps the step count (AdamW's bias corrections are computed from it).
//
// A buffer longer than maxStorageBufferBindingSize is updated in chunks, each bound as its own
// range (chunk starts are multiples of 256 bytes, the storage offset alignment).
//
// Clipping follows torch.nn.utils.clip_grad_norm_: coef = min(1, maxNorm / (norm + 1e-6)). The norm
// pass writes [norm, coef] into a 2-element tensor; the update kernels multiply each gradient by
// coef as they read it, so clipping costs no extra pass over the gradients.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import type { BufferRange } from '../engine/kernel.js';

const WG = 256;
/** Workgroups of the first norm pass per chunk (each strides over its chunk). */
const NORM_GROUPS = 64;

const SGD = /* wgsl */ `
struct Params { n: u32, rowStride: u32, lr: f32, momentum: f32, weightDecay: f32, nesterov: u32, useClip: u32 }
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<storage, read> clip: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let coef = select(1.0, clip[1], p.useClip == 1u);
  let w = param[i];
  var d = grad[i] * coef + p.weightDecay * w;
  if (p.momentum != 0.0) {
    // PyTorch: buf = momentum * buf + d (buf starts at 0, so the first step gives buf = d).
    let b = p.momentum * buf[i] + d;
    buf[i] = b;
    d = select(b, d + p.momentum * b, p.nesterov == 1u);
  }
  param[i] = w - p.lr * d;
}`;

const ADAMW = /* wgsl */ `
struct Params { n: u32, rowStride: u32, lr: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32, bc1: f32, sqrtBc2: f32, useClip: u32 }
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> clip: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let g = grad[i] * select(1.0, clip[1], p.useClip == 1u);
  // Decoupled weight decay first, then the Adam step (torch.optim.AdamW's order).
  let w = param[i] * (1.0 - p.lr * p.weightDecay);
  // 1 - beta comes from the host in double precision: 1.0 - f32(0.999) is off by 1.3e-5 relative.
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = w - (p.lr / p.bc1) * mi / (sqrt(vi) / p.sqrtBc2 + p.eps);
}`;

const NORM_PARTIAL = /* wgsl */ `
struct Params { n: u32, slot: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * ${WG}u + lid.x; i < p.n; i += ${NORM_GROUPS * WG}u) { let v = x[i]; s += v * v; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { red[lid.x] += red[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partial[p.slot + wid.x] = red[0]; }
}`;

const NORM_FINAL = /* wgsl */ `
struct Params { n: u32, maxNorm: f32 }
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = lid.x; i < p.n; i += ${WG}u) { s += partial[i]; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { red[lid.x] += red[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let norm = sqrt(red[0]);
    out[0] = norm;
    out[1] = min(1.0, p.maxNorm / (norm + 1e-6));
  }
}`;

const SCALE = /* wgsl */ `
struct Params { n: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> clip: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i < p.n) { x[i] = x[i] * clip[1]; }
}`;

export interface ChunkOptions {
  /** Largest chunk in elements (defaults from maxStorageBufferBindingSize); tests use small values. */
  maxChunkElements?: number;
}

interface Chunk {
  start: number;
  len: number;
}

function chunksOf(e: Runtime, n: number, opts: ChunkOptions): Chunk[] {
  const align = e.limits.minStorageBufferOffsetAlignment / 4;
  const limit = opts.maxChunkElements ?? Math.floor(e.limits.maxStorageBufferBindingSize / 4);
  const size = Math.floor(limit / align) * align;
  if (size < align) throw new Error(`optimizer: chunk of ${limit} elements is smaller than the offset alignment (${align} elements).`);
  const out: Chunk[] = [];
  for (let start = 0; start < n; start += size) out.push({ start, len: Math.min(size, n - start) });
  return out;
}

/** Elements [start, start + len) of t as a bindable range. */
function rangeOf(t: Tensor, c: Chunk): BufferRange {
  return {
    buffer: t.buffer,
    offset: t.offset + c.start * 4,
    byteLength: c.len * 4,
    dtype: 'f32',
    describe: () => `${t.describe()}[${c.start}:${c.start + c.len}]`,
  };
}

function checkSame(what: string, ref: Tensor, others: Record<string, Tensor | undefined>): void {
  if (ref.dtype !== 'f32') throw new Error(`${what}: f32 parameters expected, got ${ref.describe()}.`);
  for (const [name, t] of Object.entries(others)) {
    if (t && (t.size !== ref.size || t.dtype !== 'f32')) {
      throw new Error(`${what}: ${name} ${t.describe()} must match the parameters ${ref.describe()} element for element (same arena layout).`);
    }
  }
}

function launch1d(e: Runtime, n: number): { workgroups: [number, number]; rowStride: number } {
  const [gx, gy] = e.grid1d(Math.ceil(n / WG));
  return { workgroups: [gx, gy], rowStride: gx * WG };
}

/**
 * Global L2 norm over all `grads` and the clip coefficient: returns a new f32 tensor [2] holding
 * [norm, min(1, maxNorm / (norm + 1e-6))] (coefficient 1 when maxNorm is Infinity).
 */
export function gradNorm(e: Runtime, grads: Tensor | Tensor[], maxNorm = Infinity, opts: ChunkOptions = {}): Tensor {
  const list = Array.isArray(grads) ? grads : [grads];
  if (!(maxNorm > 0)) throw new Error(`gradNorm: maxNorm must be > 0, got ${maxNorm}.`);
  const pieces: { t: Tensor; c: Chunk }[] = [];
  for (const t of list) {
    if (t.dtype !== 'f32') throw new Error(`gradNorm: f32 gradients expected, got ${t.describe()}.`);
    for (const c of chunksOf(e, t.size, opts)) pieces.push({ t, c });
  }
  const partial = e.empty([Math.max(1, pieces.length * NORM_GROUPS)]);
  const k = e.kernel('grad_norm_partial', NORM_PARTIAL);
  pieces.forEach(({ t, c }, i) => {
    e.dispatch(k, { bind: { x: rangeOf(t, c), partial }, params: { n: c.len, slot: i * NORM_GROUPS }, workgroups: [NORM_GROUPS] });
  });
  if (!pieces.length) e.clear(partial);
  const out = e.empty([2]);
  e.dispatch(e.kernel('grad_norm_final', NORM_FINAL), {
    bind: { partial, out },
    params: { n: Math.max(1, pieces.length * NORM_GROUPS), maxNorm: Number.isFinite(maxNorm) ? maxNorm : 3.4e38 },
    workgroups: [1],
  });
  partial.dispose();
  return out;
}

/** grads *= clip[1] in place (for callers that want the clipped gradients themselves). */
export function applyClip(e: Runtime, grads: Tensor | Tensor[], clip: Tensor, opts: ChunkOptions = {}): void {
  if (clip.size !== 2) throw new Error(`applyClip: clip must be the [norm, coef] tensor from gradNorm, got ${clip.describe()}.`);
  for (const t of Array.isArray(grads) ? grads : [grads]) {
    for (const c of chunksOf(e, t.size, opts)) {
      const l = launch1d(e, c.len);
      e.dispatch(e.kernel('clip_scale', SCALE), { bind: { x: rangeOf(t, c), clip }, params: { n: c.len, rowStride: l.rowStride }, workgroups: l.workgroups });
    }
  }
}

export interface SgdOptions extends ChunkOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
  /** [norm, coef] from gradNorm: gradients are multiplied by coef as they are read. */
  clip?: Tensor;
}

/** One SGD step with PyTorch's semantics: d = g + wd p; buf = momentum buf + d; p -= lr (nesterov ? d + momentum buf : buf). */
export function sgdStep(e: Runtime, t: { params: Tensor; grads: Tensor; momentum?: Tensor }, o: SgdOptions): void {
  const momentum = o.momentum ?? 0;
  checkSame('sgdStep', t.params, { grads: t.grads, momentum: t.momentum });
  if (momentum !== 0 && !t.momentum) throw new Error('sgdStep: momentum > 0 needs a momentum buffer (an arena laid out like the parameters, zero-initialised).');
  if (!(o.lr >= 0)) throw new Error(`sgdStep: lr must be >= 0, got ${o.lr}.`);
  const dummy = e.empty([2]);
  const noBuf = t.momentum ? undefined : e.empty([1]);
  const k = e.kernel('sgd', SGD);
  for (const c of chunksOf(e, t.params.size, o)) {
    const l = launch1d(e, c.len);
    e.dispatch(k, {
      bind: { param: rangeOf(t.params, c), grad: rangeOf(t.grads, c), buf: t.momentum ? rangeOf(t.momentum, c) : noBuf!, clip: o.clip ?? dummy },
      params: { n: c.len, rowStride: l.rowStride, lr: o.lr, momentum, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ? 1 : 0, useClip: o.clip ? 1 : 0 },
      workgroups: l.workgroups,
    });
  }
  dummy.dispose();
  noBuf?.dispose();
}

export interface AdamWOptions extends ChunkOptions {
  lr: number;
  /** 1-based step count (kept on the host) for the bias corrections. */
  step: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (torch default 0.01). */
  weightDecay?: number;
  clip?: Tensor;
}

/** One AdamW step (torch.optim.AdamW semantics, bias-corrected). */
export function adamwStep(e: Runtime, t: { params: Tensor; grads: Tensor; m: Tensor; v: Tensor }, o: AdamWOptions): void {
  checkSame('adamwStep', t.params, { grads: t.grads, m: t.m, v: t.v });
  if (!Number.isInteger(o.step) || o.step < 1) throw new Error(`adamwStep: step must be a 1-based integer, got ${o.step}.`);
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const dummy = e.empty([2]);
  const k = e.kernel('adamw', ADAMW);
  for (const c of chunksOf(e, t.params.size, o)) {
    const l = launch1d(e, c.len);
    e.dispatch(k, {
      bind: { param: rangeOf(t.params, c), grad: rangeOf(t.grads, c), m: rangeOf(t.m, c), v: rangeOf(t.v, c), clip: o.clip ?? dummy },
      params: {
        n: c.len,
        rowStride: l.rowStride,
        lr: o.lr,
        beta1: b1,
        beta2: b2,
        oneMinusBeta1: 1 - b1,
        oneMinusBeta2: 1 - b2,
        eps: o.eps ?? 1e-8,
        weightDecay: o.weightDecay ?? 0.01,
        bc1: 1 - b1 ** o.step,
        sqrtBc2: Math.sqrt(1 - b2 ** o.step),
        useClip: o.clip ? 1 : 0,
      },
      workgroups: l.workgroups,
    });
  }
  dummy.dispose();
}
