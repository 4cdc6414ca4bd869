import { describe, expect, it } from 'vitest';
import { assertClose, numericGrad, randArray, toF32, useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as R from '../test/reference.js';
import { erf64, erfc64 } from './gemm-reference.js';
import { geluGradRef, geluRef } from './reference.js';

let seed = 3000;
const nextSeed = () => seed++;

describe('gelu', () => {
  const E = useEngine();

  it('the float64 reference erf is right', () => {
    expect(erf64(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf64(-1.5)).toBeCloseTo(-0.9661051464753108, 14);
    expect(erf64(3)).toBeCloseTo(0.9999779095030014, 14);
    // erfc(4) = 1.541725790028002e-8
    expect(erfc64(4) / 1.541725790028002e-8).toBeCloseTo(1, 13);
    expect(erfc64(7) / 4.183825607779414e-23).toBeCloseTo(1, 12);
    expect(erfc64(-1) + erfc64(1)).toBeCloseTo(2, 14);
  });

  it('forward matches float64 to ~3e-7 relative, including the tails', async () => {
    const xs = [...randArray(1031, 1, -6, 6), -20, -10, -5.5, 0, 1e-8, -1e-8, 7, 30];
    const { y, expected } = await checkOp(
      E(),
      {
        name: 'gelu',
        shapes: [[xs.length]],
        values: [xs],
        gpu: (e, x) => e.nn.gelu(x),
        ref: (x) => R.map(x, geluRef),
        // erfc with relative error 1.2e-7 plus f32 rounding of exp(-z^2) at large z.
        forward: { rtol: 2e-6, atol: 3e-8 },
        noGrad: true,
      },
      nextSeed,
    );
    // The negative tail keeps relative accuracy (no 1 + erf cancellation): gelu(-5.5) ~ -1.05e-7.
    for (const v of [-5.5, -10]) {
      const i = xs.indexOf(v);
      expect(Math.abs(y[i] / expected.data[i] - 1)).toBeLessThan(1e-5);
    }
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('backward matches the analytic derivative and finite differences', async () => {
    const n = 257;
    const xs = randArray(n, 2, -5, 5);
    const gs = randArray(n, 3);
    await checkOp(
      E(),
      {
        name: 'gelu',
        shapes: [[n]],
        values: [xs],
        weights: gs,
        gpu: (e, x) => e.nn.gelu(x),
        ref: (x) => R.map(x, geluRef),
        refGrad: (w, x) => [x.data.map((v, i) => w.data[i] * geluGradRef(v))],
        backward: { rtol: 1e-6, atol: 3e-7 },
      },
      nextSeed,
    );
    // The analytic derivative itself against finite differences of the float64 forward.
    const x64 = Float64Array.from(toF32(xs));
    const want = Array.from(x64, (v, i) => gs[i] * geluGradRef(v));
    const fd = numericGrad((a) => a.reduce((s, v, i) => s + gs[i] * geluRef(v), 0), x64, 1e-5);
    assertClose(want, fd, { rtol: 1e-6, atol: 1e-8, what: 'analytic vs finite differences' });
  });
});
