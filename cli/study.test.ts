// The study at a toy size (two seeds), its statistics on hand-made numbers, and its bad input.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learningCurve, parseSeeds, runStudy, summarise, type SeedSummary } from './study.js';
import type { StepLog } from '../train/trainer.js';
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

  it('measures how early the loss falls: the drop by 15 % of training and the first step below the collapse value', () => {
    // 100 steps of a one-term loss at batch 4: collapse value ln(7) = 1.9459. Loss 3 for steps 0-9,
    // then 2.5 to step 14, then 1.5. Mean of steps 5-14 = 2.75 -> drop 8.33 %. The 10-step mean is
    // 2.0 at step 19 (five at 2.5, five at 1.5) and 1.9 at step 20 (four and six): below 1.9459 first at 20.
    const loss = (i: number) => (i < 10 ? 3 : i < 15 ? 2.5 : 1.5);
    const logs = Array.from({ length: 100 }, (_, i) => ({ step: i, loss: loss(i), terms: { 'image-text': loss(i) } }) as unknown as StepLog);
    const c = learningCurve(logs, 4);
    expect(c.dropBy15).toBeCloseTo(100 * (1 - 2.75 / 3), 10);
    expect(c.belowCollapseAt).toBe(20);
    // Three terms: the collapse value is 3 ln(7) = 5.84, never reached by a loss of 6.
    const three = logs.map((l) => ({ ...l, loss: 6, terms: { a: 2, b: 2, c: 2 } }));
    expect(learningCurve(three, 4)).toEqual({ dropBy15: 0, belowCollapseAt: null });
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
