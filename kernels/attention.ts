// Fused scaled-dot-product attention, forward and backward (FlashAttention-style).
//
// Forward: one invocation per query row keeps q, the output accumulator and the running max/sum of
// the online softmax in registers and streams the keys and values of its (batch, head) in blocks of
// BC keys; the S x S score matrix never exists in memory. It saves logsumexp per row (LSE).
// Backward: D_i = rowsum(dO_i * O_i); P_ij = exp(s_ij - LSE_i) is recomputed from the scores; one
// pass per query row accumulates dq, and one pass per key row accumulates dk and dv. Splitting by
// rows instead of accumulating dq with atomics (WGSL has no float atomics) costs one extra q.k and
// dO.v product per pair and keeps every result deterministic.
//
// Why rows per invocation: all invocations of a workgroup walk the same key (or query) at the same
// time, so the streamed operand is read at a workgroup-uniform address (a broadcast, from cache),
// and there are no barriers (which on lavapipe are coroutine switches).
//
// Masked keys (keyMask = 0) get no weight. A query whose keys are all masked outputs zeros (where
// plain softmax would give NaN) and receives no gradient.

import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape } from '../engine/dtype.js';

const WG = 64;
/** Keys scored per block before the accumulator is rescaled once. */
const BC = 16;
/** Running max before any key was seen: finite, so exp(m - m_new) never computes inf - inf. */
const M0 = -1e30;
/** LSE written for a fully masked query row: every recomputed P becomes exp(-huge) = 0. */
const LSE_EMPTY = 1e30;

function header(D: number): string {
  return /* wgsl */ `
struct Params { S: u32, H: u32, scale: f32, masked: u32 }
const D = ${D}u;`;
}

function forwardSource(D: number): string {
  return /* wgsl */ `${header(D)}
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> keyMask: array<f32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bh = wid.y;
  let maskBase = (bh / p.H) * p.S;
  let row = wid.x * ${WG}u + lid.x;
  // Out-of-range lanes compute on the last row and skip the store: control flow stays uniform.
  let r = min(row, p.S - 1u);
  let base = bh * p.S * D;
  var qr: array<f32, D>;
  for (var d = 0u; d < D; d++) { qr[d] = q[base + r * D + d] * p.scale; }
  var acc: array<f32, D>;
  var m = ${M0};
  var l = 0.0;
  for (var j0 = 0u; j0 < p.S; j0 += ${BC}u) {
    var s: array<f32, ${BC}>;
    var bm = m;
    for (var t = 0u; t < ${BC}u; t++) {
      let j = j0 + t;
      var sv = -3.4e38;
      if (j < p.S && (p.masked == 0u || keyMask[maskBase + j] > 0.5)) {
        var dot = 0.0;
        let kb = base + j * D;
        for (var d = 0u; d < D; d++) { dot += qr[d] * k[kb + d]; }
        sv = dot;
      }
      s[t] = sv;
      bm = max(bm, sv);
    }
    let c = exp(m - bm);
    l *= c;
    for (var d = 0u; d < D; d++) { acc[d] *= c; }
    for (var t = 0u; t < ${BC}u; t++) {
      let j = j0 + t;
      if (j < p.S && s[t] > -3.0e38) {
        let pj = exp(s[t] - bm);
        l += pj;
        let vb = base + j * D;
        for (var d = 0u; d < D; d++) { acc[d] += pj * v[vb + d]; }
      }
    }
    m = bm;
  }
  if (row < p.S) {
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var d = 0u; d < D; d++) { o[base + row * D + d] = acc[d] * inv; }
    lse[bh * p.S + row] = select(${LSE_EMPTY}, m + log(l), l > 0.0);
  }
}`;
}

/** dq per query row; also writes delta_i = rowsum(dO_i * O_i) for the key pass. */
function backwardQuerySource(D: number): string {
  return /* wgsl */ `${header(D)}
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> keyMask: array<f32>;
@group(0) @binding(4) var<storage, read> o: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bh = wid.y;
  let maskBase = (bh / p.H) * p.S;
  let row = wid.x * ${WG}u + lid.x;
  let r = min(row, p.S - 1u);
  let base = bh * p.S * D;
  var qr: array<f32, D>;
  var g: array<f32, D>;
  var acc: array<f32, D>;
  var di = 0.0;
  for (var d = 0u; d < D; d++) {
    qr[d] = q[base + r * D + d] * p.scale;
    g[d] = dout[base + r * D + d];
    di += g[d] * o[base + r * D + d];
  }
  let li = lse[bh * p.S + r];
  for (var j = 0u; j < p.S; j++) {
    if (p.masked == 0u || keyMask[maskBase + j] > 0.5) {
      let kb = base + j * D;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < D; d++) {
        s += qr[d] * k[kb + d];
        dp += g[d] * v[kb + d];
      }
      let ds = exp(s - li) * (dp - di);
      for (var d = 0u; d < D; d++) { acc[d] += ds * k[kb + d]; }
    }
  }
  if (row < p.S) {
    for (var d = 0u; d < D; d++) { dq[base + row * D + d] = acc[d] * p.scale; }
    delta[bh * p.S + row] = di;
  }
}`;
}

/** dk and dv per key row. */
function backwardKeySource(D: number): string {
  return /* wgsl */ `${header(D)}
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> keyMask: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;
@group(0) @binding(9) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bh = wid.y;
  let maskBase = (bh / p.H) * p.S;
  let row = wid.x * ${WG}u + lid.x;
  let r = min(row, p.S - 1u);
  let base = bh * p.S * D;
  var kr: array<f32, D>;
  var vr: array<f32, D>;
  var gk: array<f32, D>;
  var gv: array<f32, D>;
  for (var d = 0u; d < D; d++) {
    kr[d] = k[base + r * D + d];
    vr[d] = v[base + r * D + d];
  }
  // A masked key gets weight 0 from every query: its gradients are zero.
  let live = select(1.0, keyMask[maskBase + r], p.masked == 1u) > 0.5;
  for (var i = 0u; i < p.S; i++) {
    let qb = base + i * D;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < D; d++) {
      s += q[qb + d] * kr[d];
      dp += dout[qb + d] * vr[d];
    }
    let pij = select(0.0, exp(s * p.scale - lse[bh * p.S + i]), live);
    let ds = pij * (dp - delta[bh * p.S + i]) * p.scale;
    for (var d = 0u; d < D; d++) {
      gv[d] += pij * dout[qb + d];
      gk[d] += ds * q[qb + d];
    }
  }
  if (row < p.S) {
    for (var d = 0u; d < D; d++) {
      dk[base + row * D + d] = gk[d];
      dv[base + row * D + d] = gv[d];
    }
  }
}`;
}

export interface AttentionSaved {
  B: number;
  H: number;
  S: number;
  D: number;
  scale: number;
  /** [B, H, S] logsumexp of each query's scaled scores. */
  lse: Tensor;
}

function checkInputs(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor | undefined, limit: number): [number, number, number, number] {
  if (q.rank !== 4) throw new Error(`attention: q must be [batch, heads, seq, headDim], got ${q.describe()}.`);
  for (const [n, t] of [['k', k], ['v', v]] as const) {
    if (t.rank !== 4 || t.shape.some((d, i) => d !== q.shape[i])) {
      throw new Error(`attention: ${n} ${fmtShape(t.shape)} must have the shape of q ${fmtShape(q.shape)} (self-attention, [batch, heads, seq, headDim]).`);
    }
  }
  for (const t of [q, k, v]) if (t.dtype !== 'f32') throw new Error(`attention: f32 inputs expected, got ${t.describe()}.`);
  const [B, H, S, D] = q.shape;
  if (keyMask && (keyMask.dtype !== 'f32' || keyMask.size !== B * S)) {
    throw new Error(`attention: keyMask must be f32 [${B}, ${S}] (1 = attend, 0 = padding), got ${keyMask.describe()}.`);
  }
  if (B * H > limit) throw new Error(`attention: batch*heads = ${B * H} exceeds the adapter's dispatch limit ${limit}; split the batch.`);
  if (S < 1) throw new Error(`attention: empty sequence in ${q.describe()}.`);
  if (D < 1 || D > 256) throw new Error(`attention: headDim ${D} is outside the supported 1..256.`);
  return [B, H, S, D];
}

export function attentionForward(e: Engine, q: Tensor, k: Tensor, v: Tensor, opts: { keyMask?: Tensor; scale?: number }): { out: Tensor; saved: AttentionSaved } {
  const [B, H, S, D] = checkInputs(q, k, v, opts.keyMask, e.limits.maxComputeWorkgroupsPerDimension);
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const out = e.empty(q.shape);
  const lse = e.empty([B, H, S]);
  const mask = opts.keyMask ?? e.empty([1]);
  e.dispatch(e.kernel(`attention_fwd_d${D}`, forwardSource(D)), {
    bind: { q, k, v, keyMask: mask, o: out, lse },
    params: { S, H, scale, masked: opts.keyMask ? 1 : 0 },
    workgroups: [Math.ceil(S / WG), B * H],
  });
  if (!opts.keyMask) mask.dispose();
  return { out, saved: { B, H, S, D, scale, lse } };
}

export function attentionBackward(
  e: Engine,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  out: Tensor,
  dout: Tensor,
  s: AttentionSaved,
  keyMask: Tensor | undefined,
): { dq: Tensor; dk: Tensor; dv: Tensor } {
  const { B, H, S, D, scale, lse } = s;
  const dq = e.empty(q.shape);
  const dk = e.empty(q.shape);
  const dv = e.empty(q.shape);
  const delta = e.empty([B, H, S]);
  const mask = keyMask ?? e.empty([1]);
  const params = { S, H, scale, masked: keyMask ? 1 : 0 };
  const workgroups = [Math.ceil(S / WG), B * H] as const;
  e.dispatch(e.kernel(`attention_bwd_q_d${D}`, backwardQuerySource(D)), { bind: { q, k, v, keyMask: mask, o: out, lse, dout, dq, delta }, params, workgroups });
  e.dispatch(e.kernel(`attention_bwd_kv_d${D}`, backwardKeySource(D)), { bind: { q, k, v, keyMask: mask, lse, delta, dout, dk, dv }, params, workgroups });
  delta.dispose();
  if (!keyMask) mask.dispose();
  return { dq, dk, dv };
}
