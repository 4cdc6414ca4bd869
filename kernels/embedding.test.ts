import { describe, expect, it } from 'vitest';
import { assertClose, randArray, read, toF32, useEngine } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';

function gatherRef(table: ArrayLike<number>, V: number, D: number, ids: number[]): Float64Array {
  const out = new Float64Array(ids.length * D);
  ids.forEach((id, p) => {
    if (id >= 0 && id < V) for (let d = 0; d < D; d++) out[p * D + d] = table[id * D + d];
  });
  return out;
}

/** Scatter-add in position order; with `f32` every partial sum is rounded to float32 exactly as the
 *  kernel does (it sums each row's positions in order), so the result must match bit for bit. */
function scatterRef(V: number, D: number, ids: number[], g: ArrayLike<number>, f32 = false): Float64Array {
  const dt = new Float64Array(V * D);
  ids.forEach((id, p) => {
    if (id >= 0 && id < V) for (let d = 0; d < D; d++) dt[id * D + d] = f32 ? Math.fround(dt[id * D + d] + g[p * D + d]) : dt[id * D + d] + g[p * D + d];
  });
  return dt;
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
      const g = randArray(P * D, 2);
      const tt = e.tensor(toF32(table), [V, D], { requiresGrad: true });
      const out = e.nn.embedding(tt, e.tensor(Int32Array.from(ids), [P]));
      expect(out.shape).toEqual([P, D]);
      expect(Array.from(await read(out))).toEqual(Array.from(gatherRef(toF32(table), V, D, ids)));
      out.backward(e.tensor(toF32(g), [P, D]));
      const dt = await read(tt.grad!);
      assertClose(dt, scatterRef(V, D, ids, toF32(g)), { rtol: 1e-5, atol: 1e-7 * Math.sqrt(P), what: 'dtable' });
      expect(Array.from(dt)).toEqual(Array.from(scatterRef(V, D, ids, toF32(g), true)));
    });
  }

  it('keeps the ids shape, gives zero rows for out-of-range ids, and is deterministic', async () => {
    const e = E();
    const [V, D] = [5, 3];
    const ids = [0, 4, -1, 5, 2, 2];
    const table = randArray(V * D, 3);
    const g = randArray(ids.length * D, 4);
    const tt = e.tensor(toF32(table), [V, D], { requiresGrad: true });
    const out = e.nn.embedding(tt, e.tensor(Int32Array.from(ids), [2, 3]));
    expect(out.shape).toEqual([2, 3, D]);
    expect(Array.from(await read(out))).toEqual(Array.from(gatherRef(toF32(table), V, D, ids)));
    out.backward(e.tensor(toF32(g), [2, 3, D]));
    const first = await read(tt.grad!);
    assertClose(first, scatterRef(V, D, ids, toF32(g)), { rtol: 1e-6, atol: 1e-7 });
    tt.grad = undefined;
    e.nn.embedding(tt, e.tensor(Int32Array.from(ids), [2, 3])).backward(e.tensor(toF32(g), [2, 3, D]));
    expect(Array.from(await read(tt.grad!))).toEqual(Array.from(first));
    expect(() => e.nn.embedding(tt, e.tensor([1, 2], [2]))).toThrow(/ids must be i32/);
  });
});
