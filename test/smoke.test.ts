import { describe, it, expect } from 'vitest';
import { useEngine, read } from '../test/helpers.js';
describe('smoke', () => {
  const E = useEngine();
  it('adds', async () => {
    const e = E();
    const a = e.tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const b = e.tensor([10, 20, 30], [3], { requiresGrad: true });
    const c = a.mul(b).sum();
    expect(Array.from(await read(c))).toEqual([10 + 40 + 90 + 40 + 100 + 180]);
    c.backward();
    expect(Array.from(await read(a.grad!))).toEqual([10, 20, 30, 10, 20, 30]);
    expect(Array.from(await read(b.grad!))).toEqual([5, 7, 9]);
    const m = e.tensor([1, 5, 3, 9, 2, 4], [2, 3]).max(1);
    expect(Array.from(await read(m))).toEqual([5, 9]);
    const mm = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]).matmul(e.tensor([1, 0, 0, 1, 1, 1], [3, 2]));
    expect(Array.from(await read(mm))).toEqual([4, 5, 10, 11]);
  });
});
