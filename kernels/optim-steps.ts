// Optimizer kernels over whole flat buffers (parameter / gradient / state arenas share one layout):
// the global squared gradient norm (two-pass tree reduction) and fused SGD-momentum and AdamW
// updates that apply norm clipping themselves, reading the norm from GPU memory, so a training step
// never waits for the host. Buffers larger than the adapter's binding limit go in chunks.

import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { BufferRange } from '../engine/kernel.js';

const WG = 256;
const MAX_GROUPS = 512;

/** Byte ranges of `t`, each at most the binding limit and a multiple of 256 bytes (except the last). */
function chunks(e: Engine, t: Tensor): { range: (x: Tensor) => BufferRange; start: number; n: number }[] {
  const maxEls = Math.floor(Math.min(e.limits.maxStorageBufferBindingSize, 1 << 30) / 1024) * 256;
  const out = [];
  for (let start = 0; start < t.size; start += maxEls) {
    const n = Math.min(maxEls, t.size - start);
    out.push({
      start,
      n,
      range: (x: Tensor): BufferRange => ({
        buffer: x.buffer,
        offset: x.offset + start * 4,
        byteLength: n * 4,
        dtype: 'f32',
        describe: () => `${x.describe()}[${start}:${start + n}]`,
      }),
    });
  }
  return out;
}

const SUM_SQ = /* wgsl */ `
struct Params { n: u32, groups: u32, outOffset: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> acc: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * ${WG}u + lid.x; i < p.n; i += p.groups * ${WG}u) {
    let v = x[i];
    s += v * v;
  }
  acc[lid.x] = s;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { acc[lid.x] += acc[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partial[p.outOffset + wid.x] = acc[0]; }
}`;

const SUM = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> acc: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = lid.x; i < p.n; i += ${WG}u) { s += partial[i]; }
  acc[lid.x] = s;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid.x < k) { acc[lid.x] += acc[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[0] = acc[0]; }
}`;

/** sum(g^2) over a whole flat buffer, as a [1] tensor. */
export function gradNormSquared(e: Engine, grads: Tensor): Tensor {
  const parts = chunks(e, grads);
  const groupsOf = (n: number) => Math.max(1, Math.min(MAX_GROUPS, Math.ceil(n / WG)));
  const totalGroups = parts.reduce((s, c) => s + groupsOf(c.n), 0);
  const partial = e.empty([totalGroups]);
  let at = 0;
  for (const c of parts) {
    const groups = groupsOf(c.n);
    e.dispatch(e.kernel('grad_norm_partial', SUM_SQ), { bind: { x: c.range(grads), partial }, params: { n: c.n, groups, outOffset: at }, workgroups: [groups] });
    at += groups;
  }
  const out = e.empty([1]);
  e.dispatch(e.kernel('grad_norm_total', SUM), { bind: { partial, out }, params: { n: totalGroups }, workgroups: [1] });
  partial.dispose();
  return out;
}

// Clipping as torch.nn.utils.clip_grad_norm_: scale = min(1, maxNorm / (norm + 1e-6)).
const CLIP = `fn clipScale() -> f32 {
  if (p.clipNorm <= 0.0) { return 1.0; }
  return min(1.0, p.clipNorm / (norm[0] + 1e-6));
}`;

const SGD = /* wgsl */ `
struct Params { n: u32, rowStride: u32, lr: f32, momentum: f32, weightDecay: f32, clipNorm: f32 }
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<storage, read> norm: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
${CLIP}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let g = grad[i] * clipScale() + p.weightDecay * param[i];
  let b = p.momentum * buf[i] + g;
  buf[i] = b;
  param[i] = param[i] - p.lr * b;
}`;

const ADAMW = /* wgsl */ `
struct Params { n: u32, rowStride: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, clipNorm: f32, bc1: f32, bc2: f32 }
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> norm: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;
${CLIP}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let g = grad[i] * clipScale();
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let w = param[i] * (1.0 - p.lr * p.weightDecay);
  param[i] = w - p.lr * (mi / p.bc1) / (sqrt(vi / p.bc2) + p.eps);
}`;

interface Common {
  params: Tensor;
  grads: Tensor;
  /** [1] gradient L2 norm (for clipping). */
  norm: Tensor;
  clipNorm: number;
  lr: number;
  weightDecay: number;
}

function checkSameSize(what: string, ...ts: Tensor[]) {
  for (const t of ts) {
    if (t.size !== ts[0].size) throw new Error(`${what}: ${ts[0].describe()} and ${t.describe()} must have the same layout.`);
  }
}

/** PyTorch SGD (dampening 0, not Nesterov): buf = m buf + (g + wd p); p -= lr buf. */
export function sgdMomentumUpdate(e: Engine, a: Common & { momentum: number; buf: Tensor }): void {
  checkSameSize('sgd', a.params, a.grads, a.buf);
  for (const c of chunks(e, a.params)) {
    const [gx, gy] = e.grid1d(Math.ceil(c.n / WG));
    e.dispatch(e.kernel('sgd_momentum', SGD), {
      bind: { param: c.range(a.params), grad: c.range(a.grads), buf: c.range(a.buf), norm: a.norm },
      params: { n: c.n, rowStride: gx * WG, lr: a.lr, momentum: a.momentum, weightDecay: a.weightDecay, clipNorm: a.clipNorm },
      workgroups: [gx, gy],
    });
  }
}

/** AdamW (decoupled weight decay, bias-corrected moments) at update number `step` (from 1). */
export function adamwUpdate(e: Engine, a: Common & { beta1: number; beta2: number; eps: number; step: number; m: Tensor; v: Tensor }): void {
  checkSameSize('adamw', a.params, a.grads, a.m, a.v);
  if (!(a.step >= 1)) throw new Error(`adamw: step must start at 1, got ${a.step}.`);
  for (const c of chunks(e, a.params)) {
    const [gx, gy] = e.grid1d(Math.ceil(c.n / WG));
    e.dispatch(e.kernel('adamw', ADAMW), {
      bind: { param: c.range(a.params), grad: c.range(a.grads), m: c.range(a.m), v: c.range(a.v), norm: a.norm },
      params: {
        n: c.n,
        rowStride: gx * WG,
        lr: a.lr,
        beta1: a.beta1,
        beta2: a.beta2,
        eps: a.eps,
        weightDecay: a.weightDecay,
        clipNorm: a.clipNorm,
        bc1: 1 - a.beta1 ** a.step,
        bc2: 1 - a.beta2 ** a.step,
      },
      workgroups: [gx, gy],
    });
  }
}
