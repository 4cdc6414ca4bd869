// A tiny float64 ndarray library: the independent CPU reference the engine's ops are tested
// against. Written for clarity, not speed; shares no code with the GPU path.

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
