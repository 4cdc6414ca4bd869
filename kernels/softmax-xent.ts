// Fused softmax cross-entropy over rows: loss_r = logsumexp_{j != ex_r}(s * x_rj) - s * x_r,t_r,
// averaged over rows. One kernel serves NT-Xent (the excluded column is each row's self-similarity)
// and CLIP's InfoNCE (called on the logits and on their transpose). The forward also writes the
// gradient of the mean loss, s * (softmax - onehot) / R, so the backward is one scale by the
// incoming scalar gradient. Max-subtraction keeps logits of +-1e4 at scale 100 finite.
//
// Invalid targets (outside [0, C), or equal to the excluded column) cannot be caught on the host
// without a read-back; the kernel marks such rows with a NaN loss so the error is loud, not silent.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { ROW_WG, rowGrid, rowLanes, rowPrelude, rowReduceWgsl } from './row-reduce.js';

const WG = ROW_WG;

const FORWARD = (r: ReturnType<typeof rowPrelude>) => /* wgsl */ `
struct Params { rows: u32, C: u32, gridX: u32, scale: f32, gradScale: f32, writeGrad: u32, hasExclude: u32, nanBits: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> exclude: array<i32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;
${r.decls}
${r.signature} {
  ${r.ids}
  if (row >= p.rows) { return; }
  let base = row * p.C;
  let ex = select(-1, exclude[row], p.hasExclude == 1u);
  let tg = targets[row];
  var m = -3.4e38;
  for (var j = t; j < p.C; j += LANES) {
    if (i32(j) != ex) { m = max(m, p.scale * x[base + j]); }
  }
  m = wgMax(m, t);
  var s = 0.0;
  for (var j = t; j < p.C; j += LANES) {
    if (i32(j) != ex) { s += exp(p.scale * x[base + j] - m); }
  }
  s = wgSum(s, t);
  let lse = m + log(s);
  // A NaN constant is not valid WGSL, so the bits come in as a uniform.
  let bad = tg < 0 || tg >= i32(p.C) || tg == ex;
  if (t == 0u) {
    if (bad) { rowLoss[row] = bitcast<f32>(p.nanBits); }
    else { rowLoss[row] = lse - p.scale * x[base + u32(tg)]; }
  }
  if (p.writeGrad == 1u) {
    let inv = 1.0 / s;
    for (var j = t; j < p.C; j += LANES) {
      var v = exp(p.scale * x[base + j] - m) * inv;
      if (i32(j) == ex) { v = 0.0; }
      if (i32(j) == tg) { v -= 1.0; }
      grad[base + j] = v * p.gradScale;
    }
  }
}`;

const MEAN = /* wgsl */ `
struct Params { n: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${rowReduceWgsl(WG)}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  var s = 0.0;
  for (var j = t; j < p.n; j += ${WG}u) { s += v[j]; }
  s = wgSum(s, t);
  if (t == 0u) { out[0] = s * p.scale; }
}`;

const SCALE_BY = /* wgsl */ `
struct Params { n: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  dx[i] = grad[i] * g[0];
}`;

export interface SoftmaxXentResult {
  /** Scalar mean loss. */
  loss: Tensor;
  /** d(mean loss)/d(logits), or undefined when not requested. */
  grad?: Tensor;
}

export function softmaxXentForward(
  e: Runtime,
  logits: Tensor,
  target: Tensor,
  opts: { exclude?: Tensor; logitScale?: number; withGrad: boolean },
): SoftmaxXentResult {
  if (logits.rank !== 2 || logits.dtype !== 'f32') throw new Error(`softmaxCrossEntropy: logits must be f32 [rows, classes], got ${logits.describe()}.`);
  const [R, C] = logits.shape;
  if (target.dtype !== 'i32' || target.size !== R) throw new Error(`softmaxCrossEntropy: target must be i32 [${R}] (one class index per row of ${logits.describe()}), got ${target.describe()}.`);
  if (opts.exclude && (opts.exclude.dtype !== 'i32' || opts.exclude.size !== R)) {
    throw new Error(`softmaxCrossEntropy: exclude must be i32 [${R}] (one column per row, -1 = none), got ${opts.exclude.describe()}.`);
  }
  if (R === 0 || C === 0) throw new Error(`softmaxCrossEntropy: empty logits ${logits.describe()}.`);
  const scale = opts.logitScale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`softmaxCrossEntropy: logitScale must be finite, got ${scale}.`);
  const rowLoss = e.empty([R]);
  const grad = opts.withGrad ? e.empty([R, C]) : undefined;
  // Two writable bindings may not alias, so a missing gradient gets a one-element stand-in.
  const gradOut = grad ?? e.empty([1]);
  const lanes = rowLanes(e);
  const [gx, gy] = rowGrid(e, R, lanes);
  e.dispatch(e.kernel(`softmax_xent_l${lanes}`, FORWARD(rowPrelude(lanes))), {
    bind: { x: logits, targets: target, exclude: opts.exclude ?? target, rowLoss, grad: gradOut },
    params: { rows: R, C, gridX: gx, scale, gradScale: scale / R, writeGrad: grad ? 1 : 0, hasExclude: opts.exclude ? 1 : 0, nanBits: 0x7fc00000 },
    workgroups: [gx, gy],
  });
  const loss = e.empty([]);
  e.dispatch(e.kernel('softmax_xent_mean', MEAN), { bind: { v: rowLoss, out: loss }, params: { n: R, scale: 1 / R }, workgroups: [1] });
  rowLoss.dispose();
  if (!grad) gradOut.dispose();
  return { loss, grad };
}

/** dx = grad * g (g is the scalar upstream gradient, read on the GPU). */
export function scaleByScalar(e: Runtime, grad: Tensor, g: Tensor): Tensor {
  if (g.size !== 1) throw new Error(`scaleByScalar: ${g.describe()} is not a scalar.`);
  const dx = e.empty(grad.shape);
  const [gx, gy] = e.grid1d(Math.ceil(grad.size / 256));
  e.dispatch(e.kernel('scale_by_scalar', SCALE_BY), { bind: { grad, g, dx }, params: { n: grad.size, rowStride: gx * 256 }, workgroups: [gx, gy] });
  return dx;
}
