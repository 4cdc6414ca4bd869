// Shared by every GPU test file: one engine per file, destroyed at the end, plus float64 references
// and finite differences. Nothing here uses Node built-ins, so the same test bodies can run in the
// browser harness.

import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../ops/engine.js';
import { Rng } from '../engine/rng.js';
import type { Tensor } from '../engine/tensor.js';

/** One engine for the whole test file; `get()` inside tests. */
export function useEngine(): () => Engine {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await Engine.create();
  });
  afterAll(() => engine?.destroy());
  return () => {
    if (!engine) throw new Error('engine not ready: useEngine() must be called at the top of a describe/file');
    return engine;
  };
}

/** Random values in [-1, 1) (never all zeros), reproducible from the seed. */
export function randArray(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

export function toF32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

/** Max |a - b| / (atol + rtol |b|) <= 1, with a message that says where it fails. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: { rtol?: number; atol?: number; what?: string } = {}): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  if (actual.length !== expected.length) throw new Error(`${opts.what ?? 'values'}: length ${actual.length} vs expected ${expected.length}`);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const ratio = Math.abs(a - b) / (atol + rtol * Math.abs(b));
    if (!(ratio <= 1) && !(ratio < worstRatio) ) {
      worst = i;
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
    }
  }
  if (worst >= 0) {
    throw new Error(`${opts.what ?? 'values'} differ at index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol}; error ${worstRatio.toFixed(2)}x tolerance)`);
  }
}

/** Relative Frobenius error ||a - b|| / ||b||. */
export function relFrobenius(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i] - expected[i]) ** 2;
    den += expected[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** Central finite differences of a scalar float64 function. */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    x[i] = old + h;
    const fp = f(x);
    x[i] = old - h;
    const fm = f(x);
    x[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

export async function read(t: Tensor): Promise<Float32Array> {
  return (await t.toArray()) as Float32Array;
}
