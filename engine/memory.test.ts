// Running out of GPU memory must say which buffer wanted how much and what holds the rest, and the
// pool must give its cached buffers back before it gives up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../ops/engine.js';
import { bucketSize, OutOfMemoryError, parseBytes } from './memory.js';
import { createModel } from '../model/focusclip.js';
import { makeModelConfig } from '../model/config.js';

describe('memory sizes', () => {
  it('parses units and rejects nonsense with the expected format', () => {
    expect(parseBytes('512MiB')).toBe(512 * 2 ** 20);
    expect(parseBytes('4 GiB')).toBe(4 * 2 ** 30);
    expect(parseBytes('1.5kb')).toBe(1500);
    expect(parseBytes('3000')).toBe(3000);
    expect(parseBytes(12345)).toBe(12345);
    expect(() => parseBytes('lots')).toThrow(/Cannot read "lots" as a memory size: write e\.g\. 512MiB/);
    expect(() => parseBytes('-5MiB')).toThrow(/memory size/);
  });
});

describe('a GPU memory budget', () => {
  let e: Engine;
  const MiB = 2 ** 20;
  beforeAll(async () => {
    e = await Engine.create({ memoryLimit: '3MiB' });
  });
  afterAll(() => e?.destroy());

  it('fails the allocation that does not fit, naming the tensor, its size and the holders', () => {
    const n = MiB / 4 - 3; // an odd element count; its bucket is exactly 1 MiB
    expect(bucketSize(n * 4)).toBe(MiB);
    const held = [e.empty([n]), e.empty([n])];
    let err: unknown;
    try {
      e.empty([7, 3, 113, 181]); // 1.6 MiB in a 1.75 MiB bucket: 2 + 1.75 > 3 MiB
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(String(err)).toMatch(
      /Out of GPU memory: tensor f32\[7, 3, 113, 181\] needs 1\.8 MiB but 2\.0 MiB of the 3\.0 MiB budget are in use \(live tensors 2\.0 MiB in 2 buffers, arenas 0 B\)\. Use a smaller --batch-size/,
    );
    // nothing was leaked by the failed attempt: a tensor that fits still fits
    const third = e.empty([n]);
    expect(e.memory().deviceBytes).toBe(3 * MiB);
    for (const t of [...held, third]) t.dispose();
  });

  it('gives cached pool buffers back before refusing', () => {
    e.pool.trim();
    const a = e.empty([MiB / 4]);
    const b = e.empty([MiB / 4]);
    a.dispose();
    b.dispose(); // 2 MiB now cached in the pool, nothing live
    expect(e.memory().pooledBytes).toBe(2 * MiB);
    const big = e.empty([5 * 2 ** 17 + 1]); // bucket 2.5 MiB: fits only if the cache is dropped
    expect(e.memory().pooledBytes).toBe(0);
    expect(e.memory().deviceBytes).toBeLessThanOrEqual(3 * MiB);
    big.dispose();
  });

  it('names the arena when a model does not fit', () => {
    e.pool.trim();
    expect(() => createModel(e, makeModelConfig('tiny'), { seed: 1 })).toThrow(/Out of GPU memory: arena "[^"]+" needs \d+\.\d MiB but .* of the 3\.0 MiB budget/);
  });
});
