import { describe, expect, it } from 'vitest';
import { randArray, read, toF32, useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { dropoutKeep } from './dropout.js';

let seed = 11000;
const nextSeed = () => seed++;

describe('dropout', () => {
  const E = useEngine();

  it('keeps exactly the host-mirrored mask, scaled by 1/(1-p), and the backward uses the same mask', async () => {
    const n = 4099;
    const p = 0.3;
    // Kept elements times fround(1/(1-p)), rounded to f32 as the kernel does; dropped ones 0.
    const masked = (v: ArrayLike<number>) => Float64Array.from(v, (x, i) => (dropoutKeep(1234, i, p) ? Math.fround(x * Math.fround(1 / (1 - p))) : 0));
    await checkOp(
      E(),
      {
        name: 'dropout p 0.3',
        shapes: [[n]],
        values: [randArray(n, 1, 0.5, 1.5)],
        weights: randArray(n, 2, 0.5, 1.5),
        gpu: (e, x) => e.nn.dropout(x, p, 1234),
        ref: (x) => Ref.nd(masked(x.data), [n]),
        refGrad: (w) => [masked(w.data)],
        forward: 'exact',
        backward: 'exact',
      },
      nextSeed,
    );
    let kept = 0;
    for (let i = 0; i < n; i++) kept += dropoutKeep(1234, i, p) ? 1 : 0;
    // Binomial(4099, 0.7): mean 2869, sd 29.
    expect(Math.abs(kept - 0.7 * n)).toBeLessThan(5 * 29);
  });

  it('different seeds give different masks; the mean is preserved', async () => {
    const e = E();
    const n = 20000;
    const ones = e.full([n], 1);
    ones.requiresGrad = true;
    const a = await read(e.nn.dropout(ones, 0.5, 1));
    const b = await read(e.nn.dropout(ones, 0.5, 2));
    let same = 0;
    for (let i = 0; i < n; i++) same += (a[i] > 0) === (b[i] > 0) ? 1 : 0;
    expect(Math.abs(same / n - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(a.reduce((s, v) => s + v, 0) / n - 1)).toBeLessThan(0.03);
  });

  it('is the identity under noGrad and for p = 0, and rejects p outside [0, 1)', async () => {
    const e = E();
    const xs = toF32(randArray(33, 3));
    const x = e.tensor(xs, [33], { requiresGrad: true });
    expect(Array.from(await read(e.noGrad(() => e.nn.dropout(x, 0.5, 7))))).toEqual(Array.from(xs));
    const y = e.nn.dropout(x, 0, 7);
    expect(Array.from(await read(y))).toEqual(Array.from(xs));
    y.backward(e.tensor(xs, [33]));
    expect(Array.from(await read(x.grad!))).toEqual(Array.from(xs));
    expect(() => e.nn.dropout(x, 1, 7)).toThrow(/p must be in \[0, 1\)/);
  });
});
