// Plain float64 CPU references for every kernel family (the GEMM family's are in
// kernels/gemm-reference.ts, the heatmap rule's in data/heatmap-ref.ts): what the kernel tests and
// `focusclip bench all`'s correctness smoke check the GPU against. Written for clarity, not speed;
// they share no code with the GPU path and never run in training.
//
// The first part is a tiny float64 ndarray library (broadcasting maps, reductions, layout) for the
// generic ops; the rest are the fused kernels' forward and gradient rules, one function each.

import { erfc64 } from './gemm-reference.js';

export interface Nd {
  data: Float64Array;
  shape: number[];
}

export const nd = (data: ArrayLike<number>, shape: number[]): Nd => ({ data: Float64Array.from(data), shape: [...shape] });

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function strides(shape: readonly number[]): number[] {
  const st = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error('not broadcastable');
    out.push(Math.max(x, y) === 1 ? 1 : x === 1 ? y : x);
  }
  return out;
}

function at(x: Nd, idx: readonly number[]): number {
  const st = strides(x.shape);
  let off = 0;
  const lead = idx.length - x.shape.length;
  for (let d = 0; d < x.shape.length; d++) off += (x.shape[d] === 1 ? 0 : idx[lead + d]) * st[d];
  return x.data[off];
}

export function zip(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const shape = broadcastShape(a.shape, b.shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(at(a, idx), at(b, idx));
  }
  return { data: out, shape };
}

export function map(a: Nd, f: (x: number) => number): Nd {
  return { data: a.data.map(f), shape: [...a.shape] };
}

export function reduce(a: Nd, axis: number, f: 'sum' | 'mean' | 'max', keepDims = false): Nd {
  const shape = a.shape.map((d, i) => (i === axis ? 1 : d));
  const out = new Float64Array(size(shape)).fill(f === 'max' ? -Infinity : 0);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    idx[axis] = 0;
    let o = 0;
    const st = strides(shape);
    idx.forEach((v, d) => (o += v * st[d]));
    out[o] = f === 'max' ? Math.max(out[o], a.data[i]) : out[o] + a.data[i];
  }
  if (f === 'mean') for (let i = 0; i < out.length; i++) out[i] /= a.shape[axis];
  return { data: out, shape: keepDims ? shape : a.shape.filter((_, i) => i !== axis) };
}

export function permute(a: Nd, perm: readonly number[]): Nd {
  const shape = perm.map((p) => a.shape[p]);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const oi = unravel(i, shape);
    const ii = new Array(a.shape.length);
    perm.forEach((p, d) => (ii[p] = oi[d]));
    out[i] = at(a, ii);
  }
  return { data: out, shape };
}

export function slice(a: Nd, axis: number, start: number, end: number): Nd {
  const shape = a.shape.map((d, i) => (i === axis ? end - start : d));
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    idx[axis] += start;
    out[i] = at(a, idx);
  }
  return { data: out, shape };
}

export function concat(xs: Nd[], axis: number): Nd {
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const shape = xs[0].shape.map((d, i) => (i === axis ? total : d));
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let k = 0;
    let j = idx[axis];
    while (j >= xs[k].shape[axis]) j -= xs[k++].shape[axis];
    idx[axis] = j;
    out[i] = at(xs[k], idx);
  }
  return { data: out, shape };
}

/** a [..., M, K] @ b [K, N] or [..., K, N]. */
export function matmul(a: Nd, b: Nd): Nd {
  const M = a.shape[a.shape.length - 2];
  const K = a.shape[a.shape.length - 1];
  const N = b.shape[b.shape.length - 1];
  const batch = size(a.shape.slice(0, -2));
  const bShared = b.shape.length === 2;
  const out = new Float64Array(batch * M * N);
  for (let p = 0; p < batch; p++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[p * M * K + m * K + k] * b.data[(bShared ? 0 : p * K * N) + k * N + n];
        out[p * M * N + m * N + n] = s;
      }
  return { data: out, shape: [...a.shape.slice(0, -2), M, N] };
}

export function sumAll(a: Nd): number {
  let s = 0;
  for (const v of a.data) s += v;
  return s;
}

// ---------------------------------------------------------------- softmax

/** Row softmax of x [R, C]. */
export function softmaxRef(x: ArrayLike<number>, R: number, C: number): Float64Array {
  const y = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, x[r * C + j]);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[r * C + j] - m);
    for (let j = 0; j < C; j++) y[r * C + j] = Math.exp(x[r * C + j] - m) / s;
  }
  return y;
}

/** dx of the row softmax from its output y and the upstream gradient g. */
export function softmaxGradRef(y: Float64Array, g: ArrayLike<number>, R: number, C: number): Float64Array {
  const dx = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let d = 0;
    for (let j = 0; j < C; j++) d += g[r * C + j] * y[r * C + j];
    for (let j = 0; j < C; j++) dx[r * C + j] = y[r * C + j] * (g[r * C + j] - d);
  }
  return dx;
}

// ---------------------------------------------------------------- softmax cross-entropy

/** Mean over rows of -log softmax(s * x)[target] and its gradient; ex[r] = -1 excludes no column. */
export function xentRef(x: ArrayLike<number>, R: number, C: number, target: readonly number[], ex: readonly number[], s: number): { loss: number; grad: Float64Array } {
  let loss = 0;
  const grad = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) if (j !== ex[r]) m = Math.max(m, s * x[r * C + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) if (j !== ex[r]) sum += Math.exp(s * x[r * C + j] - m);
    loss += m + Math.log(sum) - s * x[r * C + target[r]];
    for (let j = 0; j < C; j++) {
      const p = j === ex[r] ? 0 : Math.exp(s * x[r * C + j] - m) / sum;
      grad[r * C + j] = (s * (p - (j === target[r] ? 1 : 0))) / R;
    }
  }
  return { loss: loss / R, grad };
}

// ---------------------------------------------------------------- layerNorm

/** Mean and 1 / sqrt(variance + eps) of row r of x [R, D] (population variance, as LayerNorm). */
function rowMeanRstd(x: ArrayLike<number>, r: number, D: number, eps: number): { m: number; rs: number } {
  let m = 0;
  for (let j = 0; j < D; j++) m += x[r * D + j];
  m /= D;
  let v = 0;
  for (let j = 0; j < D; j++) v += (x[r * D + j] - m) ** 2;
  return { m, rs: 1 / Math.sqrt(v / D + eps) };
}

/** LayerNorm over the last axis of x [R, D]. */
export function layerNormRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, R: number, D: number, eps: number): Float64Array {
  const y = new Float64Array(R * D);
  for (let r = 0; r < R; r++) {
    const { m, rs } = rowMeanRstd(x, r, D, eps);
    for (let j = 0; j < D; j++) y[r * D + j] = (x[r * D + j] - m) * rs * w[j] + b[j];
  }
  return y;
}

/** Analytic gradients of sum(g * layerNorm(x)) for x, the weight and the bias. */
export function layerNormGradRef(x: ArrayLike<number>, w: ArrayLike<number>, g: ArrayLike<number>, R: number, D: number, eps: number): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(R * D);
  const dw = new Float64Array(D);
  const db = new Float64Array(D);
  for (let r = 0; r < R; r++) {
    const { m, rs } = rowMeanRstd(x, r, D, eps);
    let a = 0;
    let c = 0;
    for (let j = 0; j < D; j++) {
      const xh = (x[r * D + j] - m) * rs;
      const d = g[r * D + j] * w[j];
      a += d;
      c += d * xh;
      dw[j] += g[r * D + j] * xh;
      db[j] += g[r * D + j];
    }
    for (let j = 0; j < D; j++) {
      const xh = (x[r * D + j] - m) * rs;
      dx[r * D + j] = rs * (g[r * D + j] * w[j] - a / D - (xh * c) / D);
    }
  }
  return { dx, dw, db };
}

// ---------------------------------------------------------------- l2normalize

/** Rows of x [R, D] divided by max(norm, eps). */
export function l2Ref(x: ArrayLike<number>, R: number, D: number, eps: number): Float64Array {
  const y = new Float64Array(R * D);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += x[r * D + j] ** 2;
    const d = Math.max(Math.sqrt(s), eps);
    for (let j = 0; j < D; j++) y[r * D + j] = x[r * D + j] / d;
  }
  return y;
}

/** dx of l2Ref for the upstream gradient g (the clamp passes g / eps). */
export function l2GradRef(x: ArrayLike<number>, g: ArrayLike<number>, R: number, D: number, eps: number): Float64Array {
  const y = l2Ref(x, R, D, eps);
  const dx = new Float64Array(R * D);
  for (let r = 0; r < R; r++) {
    let s = 0;
    let dot = 0;
    for (let j = 0; j < D; j++) {
      s += x[r * D + j] ** 2;
      dot += g[r * D + j] * y[r * D + j];
    }
    const n = Math.sqrt(s);
    for (let j = 0; j < D; j++) dx[r * D + j] = n > eps ? (g[r * D + j] - y[r * D + j] * dot) / n : g[r * D + j] / eps;
  }
  return dx;
}

// ---------------------------------------------------------------- GELU

/** The standard normal CDF, accurate in both tails. */
export const Phi = (x: number): number => 0.5 * erfc64(-x / Math.SQRT2);
/** GELU, erf form, accurate in the negative tail (no 1 + erf cancellation). */
export const geluRef = (x: number): number => x * Phi(x);
/** d GELU / dx. */
export const geluGradRef = (x: number): number => Phi(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

// ---------------------------------------------------------------- attention

export interface AttentionDims {
  B: number;
  H: number;
  S: number;
  D: number;
}

/** Attention of q, k, v [B, H, S, D] and, with the upstream gradient g, its gradients; mask [B, S]
 *  (1 keep) or undefined. Queries whose keys are all masked output zeros and get zero gradients
 *  (the kernel's convention). */
export function attentionRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  mask: ArrayLike<number> | undefined,
  { B, H, S, D }: AttentionDims,
  scale: number,
  g?: ArrayLike<number>,
): { out: Float64Array; dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const n = B * H * S * D;
  const out = new Float64Array(n);
  const dq = new Float64Array(n);
  const dk = new Float64Array(n);
  const dv = new Float64Array(n);
  const P = new Float64Array(S * S);
  const dS = new Float64Array(S * S);
  for (let bh = 0; bh < B * H; bh++) {
    const b = Math.floor(bh / H);
    const o = bh * S * D;
    for (let i = 0; i < S; i++) {
      let m = -Infinity;
      for (let j = 0; j < S; j++) {
        if (mask && !(mask[b * S + j] > 0.5)) {
          P[i * S + j] = -Infinity;
          continue;
        }
        let s = 0;
        for (let d = 0; d < D; d++) s += q[o + i * D + d] * k[o + j * D + d];
        P[i * S + j] = s * scale;
        m = Math.max(m, s * scale);
      }
      let sum = 0;
      for (let j = 0; j < S; j++) sum += m === -Infinity ? 0 : Math.exp(P[i * S + j] - m);
      for (let j = 0; j < S; j++) P[i * S + j] = sum === 0 ? 0 : Math.exp(P[i * S + j] - m) / sum;
      for (let d = 0; d < D; d++) {
        let acc = 0;
        for (let j = 0; j < S; j++) acc += P[i * S + j] * v[o + j * D + d];
        out[o + i * D + d] = acc;
      }
    }
    if (!g) continue;
    for (let i = 0; i < S; i++) {
      let rowDot = 0;
      for (let j = 0; j < S; j++) {
        let dp = 0;
        for (let d = 0; d < D; d++) dp += g[o + i * D + d] * v[o + j * D + d];
        dS[i * S + j] = dp;
        rowDot += dp * P[i * S + j];
      }
      for (let j = 0; j < S; j++) dS[i * S + j] = P[i * S + j] * (dS[i * S + j] - rowDot);
    }
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        const p = P[i * S + j];
        const ds = dS[i * S + j] * scale;
        for (let d = 0; d < D; d++) {
          dv[o + j * D + d] += p * g[o + i * D + d];
          dq[o + i * D + d] += ds * k[o + j * D + d];
          dk[o + j * D + d] += ds * q[o + i * D + d];
        }
      }
    }
  }
  return { out, dq, dk, dv };
}

/** A padding-style key mask [B, S]: batch b keeps a prefix of length >= 1 (like BERT's padded
 *  captions), with a hole punched inside the kept prefix (the mask is per key, not a length). */
export function prefixMask(B: number, S: number): Float64Array {
  const m = new Float64Array(B * S);
  for (let b = 0; b < B; b++) {
    const len = Math.max(1, S - (Math.floor((b * 0.37 + 0.21) * S) % S));
    for (let j = 0; j < len; j++) m[b * S + j] = 1;
  }
  if (S > 3) m[1] = 0;
  return m;
}

// ---------------------------------------------------------------- focus

/** FocusCLIP's focusing I * (a' + (1 - a') H), a' = clamp(a, 0, 1) when clampA; image [B, C, H, W], heatmap [B, 1, H, W]. */
export function focusRef(img: ArrayLike<number>, heat: ArrayLike<number>, a: number, shape: readonly number[], clampA: boolean): Float64Array {
  const [B, C, H, W] = shape;
  const plane = H * W;
  const av = clampA ? Math.min(1, Math.max(0, a)) : a;
  const out = new Float64Array(img.length);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let q = 0; q < plane; q++) {
        const i = (b * C + c) * plane + q;
        out[i] = img[i] * (av + (1 - av) * heat[b * plane + q]);
      }
  return out;
}

/** Analytic gradients of sum(g * focusRef(...)): the gradient reaching a passes on [0, 1] only when clampA. */
export function focusGradRef(
  img: ArrayLike<number>,
  heat: ArrayLike<number>,
  a: number,
  g: ArrayLike<number>,
  shape: readonly number[],
  clampA: boolean,
): { dImage: Float64Array; dHeatmap: Float64Array; da: number } {
  const [B, C, H, W] = shape;
  const plane = H * W;
  const av = clampA ? Math.min(1, Math.max(0, a)) : a;
  const gate = !clampA || (a >= 0 && a <= 1) ? 1 : 0;
  const dImage = new Float64Array(img.length);
  const dHeatmap = new Float64Array(B * plane);
  let da = 0;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let q = 0; q < plane; q++) {
        const i = (b * C + c) * plane + q;
        const h = heat[b * plane + q];
        dImage[i] = g[i] * (av + (1 - av) * h);
        dHeatmap[b * plane + q] += (1 - av) * g[i] * img[i];
        da += gate * g[i] * img[i] * (1 - h);
      }
  return { dImage, dHeatmap, da };
}

// ---------------------------------------------------------------- embedding

/** table [V, D] gathered at ids; ids outside [0, V) give zero rows. */
export function gatherRef(table: ArrayLike<number>, V: number, D: number, ids: readonly number[]): Float64Array {
  const out = new Float64Array(ids.length * D);
  ids.forEach((id, p) => {
    if (id >= 0 && id < V) for (let d = 0; d < D; d++) out[p * D + d] = table[id * D + d];
  });
  return out;
}

/** Scatter-add of g [P, D] into a [V, D] table in position order; with `f32` every partial sum is
 *  rounded to float32 exactly as the kernel does (it sums each row's positions in order), so the
 *  result must match bit for bit. */
export function scatterRef(V: number, D: number, ids: readonly number[], g: ArrayLike<number>, f32 = false): Float64Array {
  const dt = new Float64Array(V * D);
  ids.forEach((id, p) => {
    if (id >= 0 && id < V) for (let d = 0; d < D; d++) dt[id * D + d] = f32 ? Math.fround(dt[id * D + d] + g[p * D + d]) : dt[id * D + d] + g[p * D + d];
  });
  return dt;
}

// ---------------------------------------------------------------- optimizers

/** Global L2 norm of all gradients and torch's clip coefficient min(1, maxNorm / (norm + 1e-6)). */
export function gradNormRef(grads: readonly ArrayLike<number>[], maxNorm = Infinity): { norm: number; coef: number } {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  return { norm, coef: Math.min(1, maxNorm / (norm + 1e-6)) };
}

/** SGD steps with PyTorch's semantics, one per gradient array: d = coef g + wd p; buf = momentum buf + d;
 *  p -= lr (nesterov ? d + momentum buf : buf) (no buffer when momentum is 0). */
export function sgdRef(
  p0: ArrayLike<number>,
  grads: readonly ArrayLike<number>[],
  o: { lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean; coef?: number },
): { params: Float64Array; momentum: Float64Array } {
  const mu = o.momentum ?? 0;
  const p = Float64Array.from(p0);
  const buf = new Float64Array(p.length);
  for (const g of grads) {
    for (let i = 0; i < p.length; i++) {
      let d = g[i] * (o.coef ?? 1) + (o.weightDecay ?? 0) * p[i];
      if (mu !== 0) {
        buf[i] = mu * buf[i] + d;
        d = o.nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] -= o.lr * d;
    }
  }
  return { params: p, momentum: buf };
}

/** AdamW steps (torch.optim.AdamW: decoupled decay first, bias-corrected), steps 1, 2, ... one per gradient array. */
export function adamwRef(
  p0: ArrayLike<number>,
  grads: readonly ArrayLike<number>[],
  o: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number },
): { params: Float64Array; m: Float64Array; v: Float64Array } {
  const [b1, b2, eps, wd] = [o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.eps ?? 1e-8, o.weightDecay ?? 0.01];
  const p = Float64Array.from(p0);
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - o.lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mh = m[i] / (1 - b1 ** t);
      const vh = v[i] / (1 - b2 ** t);
      p[i] -= (o.lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return { params: p, m, v };
}
