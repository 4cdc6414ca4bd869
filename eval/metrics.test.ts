import { describe, expect, it } from 'vitest';
import { useEngine, randArray, relFrobenius } from '../test/helpers.js';
import {
  AccuracyAccumulator,
  chanceTopK,
  CosineScorer,
  cosineScoresCpu,
  ensembleClassEmbeddings,
  headlineK,
  l2NormalizeRows,
  rankOf,
  topKIndices,
} from './metrics.js';
import { applyPromptOverrides, buildPrompts, ensembleTemplates } from './prompts.js';
import type { EvalDataset } from './types.js';

const getEngine = useEngine();

describe('normalisation and ensembling', () => {
  it('normalises rows and keeps a zero row at zero', () => {
    const x = l2NormalizeRows(new Float32Array([3, 4, 0, 0, -2, 0]), 3, 2);
    expect([...x]).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, -1, 0]);
  });
  it('rejects NaN embeddings with a clear error', () => {
    expect(() => l2NormalizeRows(new Float32Array([1, NaN]), 1, 2)).toThrow(/non-finite/);
  });
  it('averages normalised prompt embeddings per class and renormalises', () => {
    // class 0: prompts [2,0] and [0,5] -> [1,0],[0,1] -> mean [.5,.5] -> [.7071,.7071]; class 1: [0,3] -> [0,1]
    const e = ensembleClassEmbeddings(new Float32Array([2, 0, 0, 5, 0, 3]), [2, 1], 2);
    expect(e[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(e[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect([e[2], e[3]]).toEqual([0, 1]);
    expect(() => ensembleClassEmbeddings(new Float32Array([1, 0]), [1, 0], 2)).toThrow(/class 1 has no prompt/);
  });
});

describe('ranking', () => {
  it('ranks with ties to the lower index', () => {
    const row = [0.2, 0.9, 0.5, 0.9, 0.1];
    expect(rankOf(row, 1)).toBe(0);
    expect(rankOf(row, 3)).toBe(1);
    expect(rankOf(row, 2)).toBe(2);
    expect(rankOf(row, 4)).toBe(4);
    expect(topKIndices(row, 3)).toEqual([1, 3, 2]);
    expect(topKIndices(row, 9)).toEqual([1, 3, 2, 0, 4]);
  });
  it('computes chance levels', () => {
    expect(chanceTopK(7, 3)).toBeCloseTo(3 / 7, 12);
    expect(chanceTopK(400, 3)).toBeCloseTo(0.0075, 12);
    expect(chanceTopK(26, 3, 2)).toBeCloseTo(1 - (24 * 23 * 22) / (26 * 25 * 24), 12);
    expect(chanceTopK(3, 5)).toBe(1);
  });
  it('uses the paper k per task', () => {
    expect([headlineK('activity'), headlineK('emotion'), headlineK('age'), headlineK('race')]).toEqual([3, 3, 1, 1]);
  });
});

describe('accuracy accumulator', () => {
  it('matches a hand-computed case', () => {
    const acc = new AccuracyAccumulator(['a', 'b', 'c', 'd'], 3);
    // item 1: label a, ranking a>b>c>d          -> rank 0
    acc.add([4, 3, 2, 1], 0);
    // item 2: label b, ranking c>a>b>d          -> rank 2 (top-3 hit, top-1 miss, pred c)
    acc.add([3, 2, 4, 1], 1);
    // item 3: label d, ranking a>b>c>d          -> rank 3 (miss; pred a)
    acc.add([4, 3, 2, 1], 3);
    // item 4: labels {c, d}, ranking d>...      -> rank 0 (hit via d, confusion row d)
    acc.add([1, 2, 3, 4], [2, 3]);
    const r = acc.result();
    expect(r.n).toBe(4);
    expect(r.top1).toBe(2 / 4);
    expect(r.top3).toBe(3 / 4);
    expect(r.top5).toBe(1);
    expect(r.headline).toBe(3 / 4);
    expect(r.headlineK).toBe(3);
    // per class: a 1/1; b top1 0/1 top3 1/1; c (item 4, rank 1) top1 0/1 top3 1/1; d: items 3 (rank 3) and 4 (rank 0)
    expect(r.perClass.map((p) => [p.n, p.top1, p.topK])).toEqual([
      [1, 1, 1],
      [1, 0, 1],
      [1, 0, 1],
      [2, 0.5, 0.5],
    ]);
    expect(r.confusion).toEqual([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
      [1, 0, 0, 1],
    ]);
    // chance: top1 (1/4 + 1/4 + 1/4 + 1/2) / 4; top3 (3/4 * 3 + 1) / 4
    expect(r.chance.top1).toBeCloseTo(1.25 / 4, 12);
    expect(r.chance.top3).toBeCloseTo(3.25 / 4, 12);
  });
  it('rejects labels outside the classes', () => {
    const acc = new AccuracyAccumulator(['a', 'b'], 1);
    expect(() => acc.add([1, 2], 2)).toThrow(/label 2 is outside the 2 classes/);
    expect(() => acc.add([1, 2, 3], 0)).toThrow(/3 entries for 2 classes/);
  });
});

describe('cosine scorer', () => {
  it('CPU: hand case', () => {
    // img rows [1,0], [.6,.8]; classes [0,1], [1,0] -> classesT = [[0,1],[1,0]]
    const s = cosineScoresCpu([1, 0, 0.6, 0.8], [0, 1, 1, 0], 2, 2, 2);
    expect([...s].map((v) => +v.toFixed(6))).toEqual([0, 1, 0.8, 0.6]);
  });
  it('GPU matmul matches the CPU reference on awkward sizes', async () => {
    const e = getEngine();
    for (const [n, d, C] of [
      [1, 7, 3],
      [7, 33, 5],
      [33, 257, 41],
    ]) {
      const cls = l2NormalizeRows(Float32Array.from(randArray(C * d, n + d)), C, d);
      const img = l2NormalizeRows(Float32Array.from(randArray(n * d, 3 * C)), n, d);
      const gpu = new CosineScorer(cls, C, d, e);
      const cpu = new CosineScorer(cls, C, d);
      const a = await gpu.score(img, n);
      const b = await cpu.score(img, n);
      gpu.dispose();
      expect(a.length).toBe(n * C);
      expect(relFrobenius(a, b)).toBeLessThan(1e-5);
      // cosine of unit vectors stays in [-1, 1] and is not trivially zero
      expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0.05);
    }
  });
  it('rejects embeddings of the wrong width', async () => {
    const s = new CosineScorer(new Float32Array(6), 3, 2);
    await expect(s.score(new Float32Array(3), 2)).rejects.toThrow(/embedDim/);
  });
});

describe('prompts', () => {
  it('fills templates with articles', () => {
    expect(buildPrompts(['a photo of {a} {} looking face'], ['angry', 'happy'])).toEqual([
      ['a photo of an angry looking face'],
      ['a photo of a happy looking face'],
    ]);
    expect(() => buildPrompts(['a photo'], ['x'])).toThrow(/no \{\} placeholder/);
  });
  it('applies overrides by name, checking classes', () => {
    const ds: EvalDataset = { name: 'fer2013', kind: 'fer2013', task: 'emotion', classes: ['fear', 'joy'], templates: ['{}'], promptNames: ['fearful', 'happy'], items: [] };
    const o = applyPromptOverrides(ds, { fer2013: { templates: ['x {}', 'y {}'], promptNames: { fear: 'scared' } } });
    expect(buildPrompts(o.templates, o.promptNames)).toEqual([
      ['x scared', 'y scared'],
      ['x happy', 'y happy'],
    ]);
    expect(() => applyPromptOverrides(ds, { fer2013: { promptNames: { anger: 'mad' } } })).toThrow(/unknown class "anger"/);
    expect(() => applyPromptOverrides(ds, { fer2013: { promptNames: ['a'] } })).toThrow(/1 entries but the dataset has 2/);
  });
  it('expands "a photo of" templates for ensembling', () => {
    expect(ensembleTemplates(['a photo of {a} {} looking face', '{} bird'])).toEqual([
      'a photo of {a} {} looking face', 'a picture of {a} {} looking face', 'an image of {a} {} looking face',
      'a cropped photo of {a} {} looking face', 'a close-up photo of {a} {} looking face', '{} bird',
    ]);
  });
});
