// The study at a toy size (two seeds), its statistics on hand-made numbers, and its bad input.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSeeds, runStudy, summarise, type SeedSummary } from './study.js';
import { runCommand } from './run.js';

const options: SeedSummary['options'] = { trainCount: 12, evalCount: 8, steps: 2, batchSize: 4, preset: 'tiny', recipe: 'modern', backgroundBias: 0.8 };

describe('focusclip study', () => {
  it('pairs the models per seed and gives the difference a hand-checked t-interval', () => {
    const seed = (s: number, a: number, b: number): SeedSummary => ({ seed: s, options, seconds: 1, metrics: { clip: { average: a, chance: 20 }, focusclip: { average: b, chance: 20 } } });
    const r = summarise([seed(1, 20, 21), seed(2, 22, 24), seed(3, 21, 24), seed(4, 23, 27), seed(5, 20, 30)]);
    const avg = r.metrics.find((m) => m.name === 'average')!;
    expect(avg.difference.diffs).toEqual([1, 2, 3, 4, 10]);
    // Same numbers as eval/stats.test.ts: mean 4, half width 2.7764 * sqrt(12.5) / sqrt(5).
    expect(avg.difference.lo).toBeCloseTo(4 - 4.38989, 4);
    expect(avg.clip.mean).toBeCloseTo(21.2, 10);
    expect(r.metrics.map((m) => m.name)).toEqual(['average']);
  });

  it('parses seeds and rejects 0, junk and repeats by name', () => {
    expect(parseSeeds('3')).toEqual([1, 2, 3]);
    expect(parseSeeds('42, 7')).toEqual([42, 7]);
    expect(() => parseSeeds('0')).toThrow('--seeds must be at least 1, got 0');
    expect(() => parseSeeds('a,b')).toThrow('--seeds must be a count (5) or a list');
    expect(() => parseSeeds('1,1')).toThrow('lists a seed twice');
  });

  it('runs two seeds end to end, writes study.md/json and the picture, and resumes from finished seeds', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fc-study-'));
    const s = await runStudy(runCommand, { out, seeds: [1, 2], demo: options, quiet: true });
    expect(s.seeds).toEqual([1, 2]);
    const names = s.metrics.map((m) => m.name);
    for (const n of ['activity', 'age', 'clothing', 'count', 'average', 'bg-aligned', 'bg-swapped', 'bg-drop', 'attention-share']) expect(names).toContain(n);
    for (const f of ['study.md', 'study.json', 'study-diffs.png', 'study-diffs.svg', 'seed-1/summary.json', 'seed-2/report.md']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'study.md'), 'utf8')).toMatch(/first step below the collapse value/);
    expect(readFileSync(join(out, 'study.md'), 'utf8')).toMatch(/\| average \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [-+][\d.]+ \| \[[-+][\d.]+, [-+][\d.]+\] \|/);
    const t0 = performance.now();
    const again = await runStudy(runCommand, { out, seeds: [1, 2], demo: options, quiet: true });
    expect(performance.now() - t0).toBeLessThan(5000); // read back, not retrained
    expect(again.metrics).toEqual(s.metrics);
    await expect(runStudy(runCommand, { out, seeds: [], demo: options, quiet: true })).rejects.toThrow('--seeds must be at least 1');
  }, 120_000);
});
