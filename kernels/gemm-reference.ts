// Plain float64 CPU references for the GEMM family and its epilogues: what the WGSL kernels and
// their tests are checked against. Slow on purpose (obvious loops), never used at run time.

import type { Activation } from './gemm-wgsl.js';

export interface GemmRefSpec {
  M: number;
  N: number;
  K: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  strideA?: number;
  strideB?: number;
  alpha?: number;
  bias?: ArrayLike<number>;
  act?: Activation;
  /** Existing C to add to (accumulate). */
  accumulateInto?: ArrayLike<number>;
}

/** erf to ~1e-15: Taylor series near 0, continued fraction for erfc in the tails. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated bottom-up.
    let f = ax;
    for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

export function gelu64(x: number): number {
  return 0.5 * x * (1 + erf64(x / Math.SQRT2));
}

export function geluGrad64(x: number): number {
  return 0.5 * (1 + erf64(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

export function act64(act: Activation | undefined, x: number): number {
  return act === 'relu' ? Math.max(x, 0) : act === 'gelu' ? gelu64(x) : x;
}

/** C[b] = act(alpha * op(A[b]) op(B[b]) + bias) (+ accumulateInto), as a Float64Array [batch, M, N]. */
export function gemmRef(A: ArrayLike<number>, B: ArrayLike<number>, s: GemmRefSpec): Float64Array {
  const { M, N, K } = s;
  const batch = s.batch ?? 1;
  const sA = s.strideA ?? M * K;
  const sB = s.strideB ?? K * N;
  const out = new Float64Array(batch * M * N);
  for (let b = 0; b < batch; b++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const a = A[b * sA + (s.transA ? k * M + m : m * K + k)];
          const bv = B[b * sB + (s.transB ? n * K + k : k * N + n)];
          acc += a * bv;
        }
        const i = b * M * N + m * N + n;
        let v = (s.alpha ?? 1) * acc + (s.bias ? s.bias[n] : 0);
        v = act64(s.act, v);
        out[i] = v + (s.accumulateInto ? s.accumulateInto[i] : 0);
      }
    }
  }
  return out;
}
