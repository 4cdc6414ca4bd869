import { describe, expect, it } from 'vitest';
import { randArray, toF32, useEngine } from '../test/helpers.js';
import { checkOp, type OpCase } from '../test/check-op.js';
import * as Ref from '../test/reference.js';
import { Rng } from '../engine/rng.js';
import { gatherRef, scatterRef } from './reference.js';

let seed = 8000;
const nextSeed = () => seed++;

/** Gather rows of table [V, D] at `ids` (shape idsShape); the table's gradient is the scatter-add of g. */
function embeddingCase(V: number, D: number, ids: number[], idsShape: number[], table: Float64Array, g: Float64Array, dtable: OpCase['backward']): OpCase {
  return {
    name: `embedding ${V}x${D} at ${ids.length} ids`,
    shapes: [[V, D], idsShape],
    values: [table, ids],
    ints: [1],
    weights: g,
    gpu: (e, tt, it) => e.nn.embedding(tt, it),
    ref: (tr) => Ref.nd(gatherRef(tr.data, V, D, ids), [...idsShape, D]),
    refGrad: (w) => [scatterRef(V, D, ids, w.data)],
    forward: 'exact',
    backward: dtable,
  };
}

describe('embedding', () => {
  const E = useEngine();

  for (const [V, D, P, repeats] of [
    [1, 1, 1, false],
    [7, 17, 33, true],
    [1000, 129, 77, true],
    [50, 768, 7, false],
    [30, 8, 1000, true],
  ] as const) {
    it(`gather and scatter-add: vocab ${V}, dim ${D}, ${P} positions${repeats ? ', repeated ids' : ''}`, async () => {
      const e = E();
      const rng = new Rng(V + D + P);
      // With repeats a few ids are very frequent (like [PAD] and [CLS]); otherwise ids are spread.
      const ids = Array.from({ length: P }, (_, i) => (repeats && i % 3 ? rng.int(Math.min(V, 4)) : rng.int(V)));
      const table = randArray(V * D, 1);
      const g = toF32(randArray(P * D, 2));
      const { grads } = await checkOp(e, embeddingCase(V, D, ids, [P], table, Float64Array.from(g), { rtol: 1e-5, atol: 1e-7 * Math.sqrt(P) }), nextSeed);
      expect(Array.from(grads[0]!)).toEqual(Array.from(scatterRef(V, D, ids, g, true)));
    });
  }

  it('keeps the ids shape, gives zero rows for out-of-range ids, and is deterministic', async () => {
    const e = E();
    const [V, D] = [5, 3];
    const ids = [0, 4, -1, 5, 2, 2];
    const table = randArray(V * D, 3);
    const g = Float64Array.from(toF32(randArray(ids.length * D, 4)));
    const c = embeddingCase(V, D, ids, [2, 3], table, g, { rtol: 1e-6, atol: 1e-7 });
    const first = await checkOp(e, c, nextSeed);
    const again = await checkOp(e, c, nextSeed);
    expect(Array.from(again.grads[0]!)).toEqual(Array.from(first.grads[0]!));
    const tt = e.tensor(toF32(table), [V, D], { requiresGrad: true });
    expect(() => e.nn.embedding(tt, e.tensor([1, 2], [2]))).toThrow(/ids must be i32/);
  });
});
