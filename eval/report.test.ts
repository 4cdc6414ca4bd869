import { describe, expect, it } from 'vitest';
import { compare, compareMarkdown, headlineAggregate, makeRunReport, PAPER, paperLayoutTable, reportJson, reportMarkdown } from './report.js';
import { headlineK } from './metrics.js';
import type { EvalResult, Task } from './types.js';

function result(dataset: string, task: Task, headlinePct: number, n = 100): EvalResult {
  const h = headlinePct / 100;
  return {
    dataset, kind: dataset, task, classes: ['a', 'b', 'c'], prompts: [['p a'], ['p b'], ['p c']], n,
    top1: h / 2, top3: h, top5: 1, headlineK: headlineK(task), headline: h,
    chance: { top1: 1 / 3, top3: 1, top5: 1, headline: 1 / 3 },
    perClass: [{ name: 'a', n: 40, top1: 0.5, topK: 0.75 }, { name: 'b', n: 30, top1: 0.2, topK: 0.4 }, { name: 'c', n: 30, top1: 0, topK: 0.1 }],
    confusion: [[20, 10, 10], [10, 6, 14], [15, 15, 0]],
    skipped: { count: 2, examples: [{ id: 'x.jpg', reason: 'Cannot decode x.jpg' }] },
    annotationSkips: { count: 0, examples: [] },
    notes: ['test split'], seconds: 1.5,
  };
}

/** The paper's own per-dataset numbers as results, to check the aggregate reproduces its averages. */
const asPaper = (f: 'clip' | 'focusclip') => Object.entries(PAPER).map(([k, v]) => result(k, v.task, v[f]));

describe('paper aggregate', () => {
  it('reproduces the published averages from the published per-dataset numbers', () => {
    const clip = headlineAggregate(asPaper('clip'));
    const focus = headlineAggregate(asPaper('focusclip'));
    expect(clip.complete).toBe(true);
    expect(clip.headline).toBeCloseTo(25.04, 2);
    expect(focus.headline).toBeCloseTo(33.65, 2);
    expect(focus.tasks.activity.mean - clip.tasks.activity.mean).toBeCloseTo(3.98, 2);
    expect(focus.tasks.age.mean - clip.tasks.age.mean).toBeCloseTo(14.79, 2);
    expect(focus.tasks.emotion.mean - clip.tasks.emotion.mean).toBeCloseTo(7.065, 2);
  });
  it('marks a partial run and gives the paper numbers on the same subset', () => {
    const agg = headlineAggregate([result('stanford40', 'activity', 12), result('fer2013', 'emotion', 60), result('utkface', 'age', 30)]);
    expect(agg.complete).toBe(false);
    expect(agg.headline).toBeCloseTo((12 + 30 + 60) / 3, 10);
    expect(agg.tasks.age.missing).toEqual(['emotic-age', 'lagenda-body', 'lagenda-face']);
    expect(agg.paperSameSubset.clip).toBeCloseTo((6.49 + 27.02 + 52.56) / 3, 10);
  });
});

describe('reports', () => {
  it('writes JSON and Markdown with the paper rows next to ours', () => {
    const rep = makeRunReport([result('stanford40', 'activity', 12.5), result('lagenda-face', 'age', 50)], 'ours.safetensors', '2024-01-01T00:00:00Z');
    const md = reportMarkdown(rep);
    expect(md).toContain('| FocusCLIP (paper) | 15.18 | 10.47 | 41.80 | 59.44 | 71.41 |');
    expect(md).toMatch(/\| ours.safetensors \| - \| 12.50 \| - \| - \| 50.00 \|/);
    expect(md).toContain('Skipped 2 unreadable images');
    expect(md).toContain('*Partial:');
    const back = JSON.parse(reportJson(rep));
    expect(back.results[1].headline).toBe(0.5);
    expect(back.aggregate.headline).toBeCloseTo((12.5 + 50) / 2, 10);
  });
  it('compares two models side by side', () => {
    const a = [result('stanford40', 'activity', 6), result('utkface', 'age', 27), result('fer2013', 'emotion', 52)];
    const b = [result('stanford40', 'activity', 10), result('utkface', 'age', 35), result('fer2013', 'emotion', 63), result('fairface', 'race', 15)];
    const c = compare(a, b, ['clip', 'focus']);
    expect(c.rows.map((r) => [r.dataset, +r.diff.toFixed(6)])).toEqual([
      ['stanford40', 4],
      ['utkface', 8],
      ['fer2013', 11],
    ]);
    expect(c.headline.diff).toBeCloseTo((4 + 8 + 11) / 3, 10);
    expect(compareMarkdown(c)).toContain('| utkface | age | 1 | 27.00 | 35.00 | +8.00 |');
    expect(() => compare(a, [result('utkface', 'age', 20, 99)])).toThrow(/100 images for A but 99 for B/);
  });
  it('lays out synthetic results like the paper table', () => {
    const clip = [result('syn-act', 'activity', 20), result('syn-age', 'age', 40), result('syn-age2', 'age', 50)];
    const focus = [result('syn-act', 'activity', 30), result('syn-age', 'age', 45), result('syn-age2', 'age', 65)];
    const t = paperLayoutTable([{ name: 'CLIP', results: clip }, { name: 'FocusCLIP', results: focus }]).split('\n');
    expect(t[0]).toBe('|  | syn-act (top-3) | **activity** | syn-age (top-1) | syn-age2 (top-1) | **age** | **average** |');
    expect(t[3]).toBe('| CLIP | 20.00 | **20.00** | 40.00 | 50.00 | **45.00** | **32.50** |');
    expect(t[4]).toBe('| FocusCLIP | 30.00 | **30.00** | 45.00 | 65.00 | **55.00** | **42.50** |');
    expect(t[5]).toBe('| FocusCLIP - CLIP | +10.00 | **+10.00** | +5.00 | +15.00 | **+10.00** | **+10.00** |');
    expect(t[2]).toContain('| chance | 33.33 |');
  });
});
