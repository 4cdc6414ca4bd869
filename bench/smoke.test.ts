import { describe, expect, it } from 'vitest';
import { useEngine } from '../test/helpers.js';
import { compare, gemmVariants, REFERENCES, runSmoke, smokeTable, SMOKE_FAMILIES, type References } from './smoke.js';
import { variantName } from '../kernels/gemm-wgsl.js';

describe('bench all: the correctness smoke', () => {
  const E = useEngine();

  // Cold (no Mesa shader cache) the GEMM and attention kernels take ~50 s to compile on lavapipe;
  // with the cache, a few seconds.
  it('passes every check of every kernel family at tiny sizes on this adapter', async () => {
    const e = E();
    const results = await runSmoke(e, { size: 'tiny' });
    const failed = results.filter((r) => !r.pass);
    expect(failed.map((r) => `${r.family} / ${r.variant} / ${r.shape}: ${r.error ?? JSON.stringify(r.outputs.filter((o) => !o.pass))}`)).toEqual([]);
    // Every family ran, and every GEMM kernel, the discrete-GPU `tiled` ones included.
    const families = new Set(results.map((r) => r.family.split(' ')[0]));
    for (const f of ['gemm', 'attention', 'softmax', 'layernorm', 'gelu', 'l2norm', 'elementwise', 'reduce', 'layout', 'embedding', 'dropout', 'focus', 'heatmap', 'optimizer', 'linear']) expect(families, f).toContain(f);
    const gemm = results.filter((r) => r.family === 'gemm');
    for (const v of gemmVariants(e, 'f32')) expect(gemm.map((r) => r.variant), variantName(v)).toContain(variantName(v));
    expect(gemm.some((r) => r.variant.startsWith('tiled') && !r.skipped)).toBe(true);
    expect(results.every((r) => r.skipped || r.outputs.length > 0)).toBe(true);
    // The table: no failure lines, one row per family.
    const table = smokeTable(results);
    expect(table.some((l) => l.startsWith('FAIL'))).toBe(false);
    expect(table.length).toBe(1 + new Set(results.map((r) => r.family)).size);
  }, 300_000);

  it('a wrong reference makes its check fail, and only that one', async () => {
    const e = E();
    const wrong: References = {
      ...REFERENCES,
      softmaxRef: (x, R, C) => {
        const y = REFERENCES.softmaxRef(x, R, C);
        y[R * C - 1] += 1e-3; // one element off by 1e-3
        return y;
      },
    };
    const results = await runSmoke(e, { size: 'tiny', families: ['softmax', 'gelu'], refs: wrong });
    const softmax = results.filter((r) => r.family === 'softmax' && !r.skipped);
    expect(softmax.length).toBeGreaterThanOrEqual(2);
    for (const r of softmax) {
      expect(r.pass, `${r.variant} ${r.shape}`).toBe(false);
      expect(r.outputs.find((o) => o.what === 'y')!.pass).toBe(false);
      expect(r.maxAbsErr).toBeGreaterThan(9e-4);
    }
    expect(results.filter((r) => r.family === 'gelu').every((r) => r.pass)).toBe(true);
    // Failed checks first, then the families with failures first.
    const table = smokeTable(results);
    expect(table[0]).toMatch(/^FAIL  softmax \/ row per invocation \/ \[3, 7\]: y error .*x the tolerance/);
    expect(table[softmax.length + 1]).toMatch(/^FAIL\s+softmax\s+/);
    expect(table[softmax.length + 2]).toMatch(/^pass\s+gelu\s+/);
  }, 120_000);

  it('compares within a tolerance, bit for bit, and fails on NaN or a length mismatch', () => {
    expect(compare('x', [1, 2.00001], [1, 2], { atol: 0, rtol: 1e-5 }).pass).toBe(true);
    expect(compare('x', [1, 2.0001], [1, 2], { atol: 0, rtol: 1e-5 })).toMatchObject({ pass: false, maxAbsErr: expect.closeTo(1e-4, 9) });
    expect(compare('x', [0, 1], [0, 1], { exact: true }).pass).toBe(true);
    expect(compare('x', [0, 1 + 2 ** -52], [0, 1], { exact: true }).pass).toBe(false);
    expect(compare('x', [NaN], [1], { frobenius: 1 }).pass).toBe(false);
    expect(compare('x', [1, 2], [1], { atol: 1, rtol: 1 }).pass).toBe(false);
    expect(compare('x', [3, 4.0004], [3, 4], { frobenius: 1e-4 })).toMatchObject({ pass: true, relFrobenius: expect.closeTo(8e-5, 9) });
  });

  it('names an unknown family', async () => {
    await expect(runSmoke(E(), { families: ['gemmm'] })).rejects.toThrow(new RegExp(`unknown kernel family gemmm; families: ${SMOKE_FAMILIES.join(', ')}`));
  });
});
