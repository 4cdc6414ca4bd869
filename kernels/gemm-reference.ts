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
    r = 1 - erfcTail(ax);
  }
  return x < 0 ? -r : r;
}

/** erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) for x >= 2.5, evaluated bottom-up. */
function erfcTail(x: number): number {
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** erfc to ~1e-15 relative, also deep in the upper tail (never formed as 1 - erf there). */
export function erfc64(x: number): number {
  if (x < 0) return 2 - erfc64(-x);
  return x < 2.5 ? 1 - erf64(x) : erfcTail(x);
}

export function gelu64(x: number): number {
  return 0.5 * x * (1 + erf64(x / Math.SQRT2));
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

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits of x, round to nearest even (what the GPU's f32 -> f16 store does). */
export function f16Bits(x: number): number {
  f32Scratch[0] = x; // f64 -> f32 first: exact for every value this is used on (f32 data)
  const u = u32Scratch[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa into place, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is still right
  return sign | h;
}

/** The value of IEEE binary16 bits h. */
export function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Values rounded to f16, as bits (for an f16 tensor) and as the exact numbers they stand for. */
export function toF16(values: ArrayLike<number>): { bits: Uint16Array; values: Float64Array } {
  const bits = new Uint16Array(values.length);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    bits[i] = f16Bits(values[i]);
    out[i] = f16Value(bits[i]);
  }
  return { bits, values: out };
}
