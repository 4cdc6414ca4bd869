// Fused scaled-dot-product attention, forward and backward (FlashAttention-style).
//
// Forward: one invocation per query row keeps q, the output accumulator and the running max/sum of
// the online softmax in registers and streams the keys and values of its (batch, head) in blocks of
// BC keys; the S x S score matrix never exists in memory. It saves logsumexp per row (LSE).
// Backward: D_i = rowsum(dO_i * O_i); P_ij = exp(s_ij - LSE_i) is recomputed from the scores; one
// pass per key row accumulates dk and dv. WGSL has no float atomics, so dq cannot be accumulated
// from the key pass; two routes (attentionBackwardRoute), both deterministic:
// - 'recompute': one pass per query row rebuilds P and dS (an extra q.k and dO.v product per pair,
//   7 in all) and accumulates dq; it also writes D for the key pass. No S x S memory.
// - 'scores' (subgroup kernels, while the S x S buffer stays under MAX_DS_BYTES): a small pass
//   writes D, the key pass also stores dS, and dq = dS K is one product per pair (5 in all; see
//   attention-dscores.ts). At [2x16, 64, 64] on lavapipe this took the backward from 3.2x to
//   ~2.4x the forward's CPU time.
//
// Two implementations of the forward and the recompute route:
// - 'subgroup' (where the adapter has a fixed subgroup size and headDim % 4 == 0): a workgroup is
//   one subgroup, one row per lane; the streamed rows (keys/values, or queries in the key pass) are
//   loaded in blocks of SG, each lane one row, and handed to every lane by subgroupBroadcast. The
//   loops over headDim are unrolled at code generation so the row vectors stay in registers (or
//   plain stack spills) instead of dynamically indexed private arrays. On lavapipe, where a
//   per-lane load costs a gather with bounds checks and a broadcast is a register permute, this is
//   2-3x faster than the portable kernels (see bench/README.md).
// - 'portable': one row per invocation, 64 per workgroup, every lane reading the streamed row at
//   the same address. No barriers, no subgroups; any headDim up to 256.
//
// Masked keys (keyMask = 0) get no weight. A query whose keys are all masked outputs zeros (where
// plain softmax would give NaN) and receives no gradient.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape } from '../engine/dtype.js';
import { fixedSubgroupSize } from './gemm.js';
import { attentionDeltaSource, backwardQueryFromDsSource, dsPadded } from './attention-dscores.js';
import { rowMain, subgroupMain } from './attention-prologue.js';
import { pinnedVariants, type AttentionBackwardRoute } from './variants.js';

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
${rowMain(WG)}
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
${rowMain(WG)}
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
${rowMain(WG)}
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

const range = (n: number) => [...Array(n).keys()];

/**
 * Subgroup forward: a workgroup is exactly one subgroup of SG lanes, one query row per lane. Keys
 * and values come in blocks of SG rows: lane l loads row j0 + l (one gather per vec4), and
 * subgroupShuffle hands row j0 + r to every lane in turn. Only the loops over headDim are unrolled
 * (at code generation): unrolling the SG keys of a block as well made LLVM take minutes per kernel.
 */
export function forwardSourceSubgroup(D: number, SG: number, A = 1): string {
  const C = range(D / 4);
  const N = D / 4;
  const As = range(A);
  // Lane l owns query rows base + l + SG * a (a < A): each loaded key/value row then serves A rows.
  return `enable subgroups;${header(D)}
${SG_BINDINGS_Q}
@group(0) @binding(4) var<storage, read_write> o: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${subgroupMain(SG, N)}
  ${As.map((a) => `let row${a} = wid.x * ${SG * A}u + l + ${SG * a}u;
  let qb${a} = kvb + min(row${a}, p.S - 1u) * ${N}u;
  ${C.map((c) => `let q${a}_${c} = q[qb${a} + ${c}u] * p.scale; var a${a}_${c} = vec4<f32>(0.0);`).join('\n  ')}
  var m${a} = ${M0};
  var lsum${a} = 0.0;`).join('\n  ')}
  for (var j0 = 0u; j0 < p.S; j0 += ${SG}u) {
    let kj = min(j0 + l, p.S - 1u);
    let kr = kvb + kj * ${N}u;
    let keep = select(0.0, 1.0, p.masked == 0u || keyMask[maskBase + kj] > 0.5);
    ${C.map((c) => `let kl${c} = k[kr + ${c}u]; let vl${c} = v[kr + ${c}u];`).join('\n    ')}
    let n = min(${SG}u, p.S - j0);
    for (var r = 0u; r < n; r++) {
      let kept = subgroupShuffle(keep, r) > 0.5;
      ${C.map((c) => `let kc${c} = subgroupShuffle(kl${c}, r); let vc${c} = subgroupShuffle(vl${c}, r);`).join('\n      ')}
      ${As.map((a) => `{
        let s = select(-3.4e38, ${C.map((c) => `dot(q${a}_${c}, kc${c})`).join(' + ')}, kept);
        let mn = max(m${a}, s);
        let cr = exp(m${a} - mn);
        let pj = exp(s - mn);
        lsum${a} = lsum${a} * cr + pj;
        ${C.map((c) => `a${a}_${c} = a${a}_${c} * cr + pj * vc${c};`).join('\n        ')}
        m${a} = mn;
      }`).join('\n      ')}
    }
  }
  ${As.map((a) => `if (row${a} < p.S) {
    let inv = select(0.0, 1.0 / lsum${a}, lsum${a} > 0.0);
    ${C.map((c) => `o[qb${a} + ${c}u] = a${a}_${c} * inv;`).join('\n    ')}
    lse[bh * p.S + row${a}] = select(${LSE_EMPTY}, m${a} + log(lsum${a}), lsum${a} > 0.0);
  }`).join('\n  ')}
}`;
}

const SG_BINDINGS_Q = `@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> keyMask: array<f32>;`;

/** Subgroup dq pass: A query rows per lane, keys in blocks of SG shuffled from the lane that loaded them. */
export function backwardQuerySourceSubgroup(D: number, SG: number, A = 1): string {
  const C = range(D / 4);
  const N = D / 4;
  const As = range(A);
  return `enable subgroups;${header(D)}
${SG_BINDINGS_Q}
@group(0) @binding(4) var<storage, read> o: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<uniform> p: Params;
${subgroupMain(SG, N)}
  ${As.map((a) => `let row${a} = wid.x * ${SG * A}u + l + ${SG * a}u;
  let rc${a} = min(row${a}, p.S - 1u);
  let qb${a} = kvb + rc${a} * ${N}u;
  var di${a} = 0.0;
  ${C.map((c) => `let q${a}_${c} = q[qb${a} + ${c}u] * p.scale; let g${a}_${c} = dout[qb${a} + ${c}u]; di${a} += dot(g${a}_${c}, o[qb${a} + ${c}u]); var a${a}_${c} = vec4<f32>(0.0);`).join('\n  ')}
  let li${a} = lse[bh * p.S + rc${a}];`).join('\n  ')}
  for (var j0 = 0u; j0 < p.S; j0 += ${SG}u) {
    let kj = min(j0 + l, p.S - 1u);
    let kr = kvb + kj * ${N}u;
    let keep = select(0.0, 1.0, p.masked == 0u || keyMask[maskBase + kj] > 0.5);
    ${C.map((c) => `let kl${c} = k[kr + ${c}u]; let vl${c} = v[kr + ${c}u];`).join('\n    ')}
    let n = min(${SG}u, p.S - j0);
    for (var r = 0u; r < n; r++) {
      let kept = subgroupShuffle(keep, r);
      ${C.map((c) => `let kc${c} = subgroupShuffle(kl${c}, r); let vc${c} = subgroupShuffle(vl${c}, r);`).join('\n      ')}
      ${As.map((a) => `{
        let s = ${C.map((c) => `dot(q${a}_${c}, kc${c})`).join(' + ')};
        let dp = ${C.map((c) => `dot(g${a}_${c}, vc${c})`).join(' + ')};
        let ds = kept * exp(s - li${a}) * (dp - di${a});
        ${C.map((c) => `a${a}_${c} += ds * kc${c};`).join('\n        ')}
      }`).join('\n      ')}
    }
  }
  ${As.map((a) => `if (row${a} < p.S) {
    ${C.map((c) => `dq[qb${a} + ${c}u] = a${a}_${c} * p.scale;`).join('\n    ')}
    delta[bh * p.S + row${a}] = di${a};
  }`).join('\n  ')}
}`;
}

/** Subgroup dk/dv pass: A key rows per lane, queries (q, dO, LSE, delta) in blocks of SG. With
 *  `storeDs` it also writes dS_ij (scaled) to dsOut [B*H, S, S] for the dq pass of
 *  attention-dscores.ts. */
export function backwardKeySourceSubgroup(D: number, SG: number, A = 1, storeDs = false): string {
  const T4 = range(SG / 4);
  const C = range(D / 4);
  const N = D / 4;
  const As = range(A);
  return `enable subgroups;${header(D)}
${SG_BINDINGS_Q}
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;
@group(0) @binding(9) var<uniform> p: Params;
${storeDs ? '@group(0) @binding(10) var<storage, read_write> dsOut: array<f32>;' : ''}
${subgroupMain(SG, N)}
  ${As.map((a) => `let row${a} = wid.x * ${SG * A}u + l + ${SG * a}u;
  let rc${a} = min(row${a}, p.S - 1u);
  let kb${a} = kvb + rc${a} * ${N}u;
  // A masked key gets weight 0 from every query: its gradients are zero.
  let live${a} = select(0.0, 1.0, p.masked == 0u || keyMask[maskBase + rc${a}] > 0.5);
  ${C.map((c) => `let k${a}_${c} = k[kb${a} + ${c}u] * p.scale; let v${a}_${c} = v[kb${a} + ${c}u]; var gk${a}_${c} = vec4<f32>(0.0); var gv${a}_${c} = vec4<f32>(0.0);`).join('\n  ')}`).join('\n  ')}
  ${storeDs ? `let dsCols = ${dsPadded('p.S', SG, A).cols};
  let dsRow0 = bh * ${dsPadded('p.S', SG, A).rows};` : ''}
  for (var i0 = 0u; i0 < p.S; i0 += ${SG}u) {
    let qi = min(i0 + l, p.S - 1u);
    let qr = kvb + qi * ${N}u;
    let ll = lse[bh * p.S + qi];
    let dl = delta[bh * p.S + qi];
    ${C.map((c) => `let ql${c} = q[qr + ${c}u]; let gl${c} = dout[qr + ${c}u];`).join('\n    ')}
    let n = min(${SG}u, p.S - i0);
    ${storeDs ? `// dS of this block's SG queries gathers in registers (slot r of vec4 r / 4) and is stored
    // after the loop: a store inside the loop cost ~8x a plain one (llvmpipe's per-lane store loop
    // amid the loop's live registers).
    ${As.map((a) => T4.map((t) => `var dsv${a}_${t} = vec4<f32>(0.0);`).join(' ')).join(' ')}` : ''}
    for (var r = 0u; r < n; r++) {
      ${C.map((c) => `let qc${c} = subgroupShuffle(ql${c}, r); let gc${c} = subgroupShuffle(gl${c}, r);`).join('\n      ')}
      let lr = subgroupShuffle(ll, r);
      let dr = subgroupShuffle(dl, r);
      ${As.map((a) => `{
        let s = ${C.map((c) => `dot(k${a}_${c}, qc${c})`).join(' + ')};
        let dp = ${C.map((c) => `dot(v${a}_${c}, gc${c})`).join(' + ')};
        let pij = live${a} * exp(s - lr);
        let ds = pij * (dp - dr) * p.scale;
        ${storeDs ? T4.map((t) => `dsv${a}_${t} = select(dsv${a}_${t}, vec4<f32>(ds), vec4<u32>(r) == vec4<u32>(${[0, 1, 2, 3].map((c) => `${4 * t + c}u`).join(', ')}));`).join(' ') : ''}
        ${C.map((c) => `gv${a}_${c} += pij * gc${c}; gk${a}_${c} += ds * qc${c};`).join('\n        ')}
      }`).join('\n      ')}
    }
    ${storeDs ? `// Unguarded: the buffer is padded (dsPadded) for the clamped rows and the tail of the block.
    ${As.flatMap((a) => T4.flatMap((t) => [0, 1, 2, 3].map((c) => `dsOut[(dsRow0 + i0 + ${4 * t + c}u) * dsCols + row${a}] = dsv${a}_${t}.${'xyzw'[c]};`))).join('\n    ')}` : ''}
  }
  ${As.map((a) => `if (row${a} < p.S) {
    ${C.map((c) => `dk[kb${a} + ${c}u] = gk${a}_${c}; dv[kb${a} + ${c}u] = gv${a}_${c};`).join('\n    ')}
  }`).join('\n  ')}
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
  impl: AttentionVariant;
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

export type AttentionVariant = 'subgroup' | 'portable';

/** Subgroup kernels where a workgroup of SG invocations is exactly one subgroup and D % 4 == 0. */
export function chooseAttentionVariant(e: Runtime, D: number): AttentionVariant {
  return fixedSubgroupSize(e) && D % 4 === 0 ? 'subgroup' : 'portable';
}

/** Sequences this short use one row per lane (rowsPerLane). */
const SHORT_SEQUENCE = 64;

interface Launch {
  kernel: ReturnType<Runtime['kernel']>;
  rowsPerGroup: number;
}

/**
 * Rows per lane of the subgroup kernels. Each key/value row a lane loads and shuffles serves
 * SG * A query rows, so A divides the per-lane loads and shuffles per FLOP; the price is code size,
 * and llvmpipe's compile time grows faster than linearly with it (cold compile, headDim 64, load
 * average 5-7: forward A = 4 30 s; recompute route: dq pass A = 2 27 s, key pass A = 2 31 s,
 * A = 4 86 s; score route: key pass A = 2 23 s, A = 4 69 s and 19% faster, dq-from-dS pass A = 4
 * 6-7 s, A = 8 19 s and 3% faster). Mesa's on-disk shader cache makes later runs instant. Larger
 * heads get smaller A so that no kernel takes minutes to compile. Short sequences (S <= 64, the
 * tiny preset's 17 patches and 48 tokens) take A = 1: a taller tile there mostly computes padding
 * rows, and A = 1 took a cold tiny FocusCLIP training run from 27.7 to 15.9 s with warm steps
 * unchanged (bench/README.md, "Cold start").
 */
export function rowsPerLane(which: 'fwd' | 'bwd_q' | 'bwd_kv' | 'bwd_kv_ds' | 'bwd_q_ds', D: number, S: number): number {
  if (S <= SHORT_SEQUENCE) return 1;
  if (which === 'fwd' || which === 'bwd_q_ds') return D <= 64 ? 4 : 2;
  if (which === 'bwd_kv_ds') return D <= 64 ? 4 : 1;
  return D <= 64 ? 2 : 1;
}

const MAX_DS_BYTES = 64 << 20;
/**
 * How the subgroup backward gets dq: 'scores' stores dS from the key pass and multiplies it by K
 * (attention-dscores.ts; 5 products per pair in all), 'recompute' rebuilds P and dS in a query
 * pass (7 products, no S x S buffer). 'scores' whenever its buffer stays within MAX_DS_BYTES,
 * unless a route is pinned (kernels/variants.ts).
 */
export function attentionBackwardRoute(e: Runtime, s: Pick<AttentionSaved, 'B' | 'H' | 'S' | 'D' | 'impl'>): AttentionBackwardRoute {
  if (s.impl !== 'subgroup') return 'recompute';
  const pinned = pinnedVariants(e).attentionBackward;
  if (pinned) return pinned;
  const pad = dsPadded(s.S, fixedSubgroupSize(e) ?? 1, rowsPerLane('bwd_kv_ds', s.D, s.S));
  const bytes = s.B * s.H * pad.rows * pad.cols * 4;
  return bytes <= Math.min(MAX_DS_BYTES, e.limits.maxStorageBufferBindingSize) ? 'scores' : 'recompute';
}

function launchFor(e: Runtime, which: 'fwd' | 'bwd_q' | 'bwd_kv' | 'bwd_kv_ds' | 'bwd_q_ds', D: number, S: number, impl: AttentionVariant): Launch {
  if (impl === 'subgroup') {
    const SG = fixedSubgroupSize(e);
    if (!SG || D % 4) throw new Error(`attention: the subgroup kernels need a fixed subgroup size and headDim % 4 == 0 (headDim ${D}).`);
    const A = rowsPerLane(which, D, S);
    const src =
      which === 'fwd'
        ? forwardSourceSubgroup(D, SG, A)
        : which === 'bwd_q'
          ? backwardQuerySourceSubgroup(D, SG, A)
          : which === 'bwd_q_ds'
            ? backwardQueryFromDsSource(D, SG, A, rowsPerLane('bwd_kv_ds', D, S))
            : backwardKeySourceSubgroup(D, SG, A, which === 'bwd_kv_ds');
    return { kernel: e.kernel(`attention_${which}_sg${SG}x${A}_d${D}`, src), rowsPerGroup: SG * A };
  }
  if (which === 'bwd_kv_ds' || which === 'bwd_q_ds') throw new Error(`attention: ${which} exists only as a subgroup kernel.`);
  const src = which === 'fwd' ? forwardSource(D) : which === 'bwd_q' ? backwardQuerySource(D) : backwardKeySource(D);
  return { kernel: e.kernel(`attention_${which}_d${D}`, src), rowsPerGroup: WG };
}

export function attentionForward(
  e: Runtime,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: { keyMask?: Tensor; scale?: number; impl?: AttentionVariant },
): { out: Tensor; saved: AttentionSaved } {
  const [B, H, S, D] = checkInputs(q, k, v, opts.keyMask, e.limits.maxComputeWorkgroupsPerDimension);
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const impl = opts.impl ?? chooseAttentionVariant(e, D);
  const out = e.empty(q.shape);
  const lse = e.empty([B, H, S]);
  const mask = opts.keyMask ?? e.empty([1]);
  const { kernel, rowsPerGroup } = launchFor(e, 'fwd', D, S, impl);
  e.dispatch(kernel, {
    bind: { q, k, v, keyMask: mask, o: out, lse },
    params: { S, H, scale, masked: opts.keyMask ? 1 : 0 },
    workgroups: [Math.ceil(S / rowsPerGroup), B * H],
  });
  if (!opts.keyMask) mask.dispose();
  return { out, saved: { B, H, S, D, scale, lse, impl } };
}

export function attentionBackward(
  e: Runtime,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  out: Tensor,
  dout: Tensor,
  s: AttentionSaved,
  keyMask: Tensor | undefined,
): { dq: Tensor; dk: Tensor; dv: Tensor } {
  const { B, H, S, D, scale, lse, impl } = s;
  const dq = e.empty(q.shape);
  const dk = e.empty(q.shape);
  const dv = e.empty(q.shape);
  const delta = e.empty([B, H, S]);
  const mask = keyMask ?? e.empty([1]);
  const params = { S, H, scale, masked: keyMask ? 1 : 0 };
  if (attentionBackwardRoute(e, s) === 'scores') {
    const rows = B * H * S;
    const [gx, gy] = e.grid1d(Math.ceil(rows / 64));
    e.dispatch(e.kernel(`attention_delta_d${D}`, attentionDeltaSource(D)), { bind: { o: out, dout, delta }, params: { rows, gridX: gx }, workgroups: [gx, gy] });
    const lkv = launchFor(e, 'bwd_kv_ds', D, S, impl);
    const SG = fixedSubgroupSize(e)!;
    const pad = dsPadded(S, SG, rowsPerLane('bwd_kv_ds', D, S));
    const ds = e.empty([B * H * pad.rows * pad.cols]);
    e.dispatch(lkv.kernel, { bind: { q, k, v, keyMask: mask, lse, delta, dout, dk, dv, dsOut: ds }, params, workgroups: [Math.ceil(S / lkv.rowsPerGroup), B * H] });
    const lq = launchFor(e, 'bwd_q_ds', D, S, impl);
    e.dispatch(lq.kernel, { bind: { k, ds, dq }, params, workgroups: [Math.ceil(S / lq.rowsPerGroup), B * H] });
    ds.dispose();
  } else {
    const lq = launchFor(e, 'bwd_q', D, S, impl);
    e.dispatch(lq.kernel, { bind: { q, k, v, keyMask: mask, o: out, lse, dout, dq, delta }, params, workgroups: [Math.ceil(S / lq.rowsPerGroup), B * H] });
    const lkv = launchFor(e, 'bwd_kv', D, S, impl);
    e.dispatch(lkv.kernel, { bind: { q, k, v, keyMask: mask, lse, delta, dout, dk, dv }, params, workgroups: [Math.ceil(S / lkv.rowsPerGroup), B * H] });
  }
  delta.dispose();
  if (!keyMask) mask.dispose();
  return { dq, dk, dv };
}
