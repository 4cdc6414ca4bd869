import { describe, expect, it } from 'vitest';
import { read, randArray, toF32, useEngine } from '../test/helpers.js';
import { nd, permute as permuteRef } from './reference.js';
import { collapsePermutation, permute } from './layout.js';

describe('permute', () => {
  const E = useEngine();

  it('collapses size-1 dims and runs that stay adjacent, in order', () => {
    // Head split [B, S, H, hd] -> [B, H, S, hd]: nothing merges but hd stays the contiguous run.
    expect(collapsePermutation([2, 5, 3, 4], [0, 2, 1, 3])).toEqual({ sizes: [2, 3, 5, 4], strides: [60, 4, 12, 1] });
    // [a, b, c] -> [c, a, b]: a and b stay adjacent in order and merge into one dim of 35.
    expect(collapsePermutation([5, 7, 3], [2, 0, 1])).toEqual({ sizes: [3, 35], strides: [1, 3] });
    // The identity is one contiguous run; size-1 dims vanish; an all-ones shape is one element.
    expect(collapsePermutation([4, 1, 6], [0, 1, 2])).toEqual({ sizes: [24], strides: [1] });
    expect(collapsePermutation([1, 7, 1], [2, 1, 0])).toEqual({ sizes: [7], strides: [1] });
    expect(collapsePermutation([1, 1], [1, 0])).toEqual({ sizes: [1], strides: [1] });
  });

  it('matches the reference with vec4 runs, scalar runs, dropped and merged dims', async () => {
    const e = E();
    const cases: [number[], number[]][] = [
      [[3, 7, 2, 8], [0, 2, 1, 3]], // vec4 runs of 8
      [[3, 7, 2, 6], [0, 2, 1, 3]], // runs of 6: scalar
      [[5, 1, 9], [2, 1, 0]], // a true transpose after dropping the 1
      [[2, 3, 4, 5, 3], [4, 2, 0, 3, 1]], // rank 5, nothing merges
    ];
    for (const [shape, perm] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = randArray(n, n);
      const want = permuteRef(nd(Array.from(toF32(x)), shape), perm);
      const got = await e.scope(async () => read(permute(e, e.tensor(toF32(x), shape), perm)));
      expect(Array.from(got), `${shape} ${perm}`).toEqual(Array.from(want.data));
    }
  });
});
