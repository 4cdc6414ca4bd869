import { describe, expect, it } from 'vitest';
import { read, randArray, toF32, useEngine } from '../test/helpers.js';
import { accumulate, broadcastStrides, collapseBroadcast, mapElementwise } from './elementwise.js';

describe('elementwise', () => {
  const E = useEngine();

  it('collapses a broadcast to its real rank', () => {
    // Bias add [B, S, D] + [D]: B and S merge (both contiguous in x, both broadcast in the bias).
    const out = [4, 5, 6];
    expect(collapseBroadcast(out, [broadcastStrides(out, out), broadcastStrides([6], out)])).toEqual({ shape: [20, 6], strides: [[6, 1], [0, 1]] });
    // Positions [1, S, D] + x [B, S, D]: S and D merge, B stays.
    expect(collapseBroadcast(out, [broadcastStrides([1, 5, 6], out), broadcastStrides(out, out)])).toEqual({ shape: [4, 30], strides: [[0, 1], [30, 1]] });
    // Size-1 dims vanish; a column [7, 1] against [7, 9] keeps two dims.
    expect(collapseBroadcast([7, 1, 9], [broadcastStrides([7, 1, 1], [7, 1, 9]), broadcastStrides([9], [7, 1, 9])])).toEqual({ shape: [7, 9], strides: [[1, 0], [0, 1]] });
  });

  it('broadcast maps over three inputs match the reference', async () => {
    const e = E();
    const a = randArray(3 * 5 * 7, 1);
    const b = randArray(5 * 1, 2);
    const c = randArray(7, 3);
    const got = await e.scope(async () =>
      read(mapElementwise(e, { name: 'fma3', expr: 'a * b + c * s0', scalars: [0.5], inputs: [e.tensor(toF32(a), [3, 5, 7]), e.tensor(toF32(b), [5, 1]), e.tensor(toF32(c), [7])] })),
    );
    const fa = toF32(a), fb = toF32(b), fc = toF32(c);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 5; j++)
        for (let k = 0; k < 7; k++) {
          const at = (i * 5 + j) * 7 + k;
          expect(got[at]).toBeCloseTo(fa[at] * fb[j] + fc[k] * 0.5, 5);
        }
  });

  it('accumulates in place with vec4 and scalar lanes', async () => {
    const e = E();
    for (const n of [12, 7, 1028]) {
      const acc0 = randArray(n, n);
      const x = randArray(n, n + 1);
      const got = await e.scope(async () => {
        const acc = e.tensor(toF32(acc0), [n]);
        accumulate(e, acc, e.tensor(toF32(x), [n]), -0.25);
        return read(acc);
      });
      const f0 = toF32(acc0), fx = toF32(x);
      for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(f0[i] - 0.25 * fx[i], 6);
    }
  });
});
