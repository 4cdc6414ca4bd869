import { describe, expect, it } from 'vitest';
import { classifyImage } from './classify.js';
import { createImage } from '../data/image.js';
import type { ZeroShotModel } from './types.js';

// A model whose embeddings are fixed vectors, so the probabilities can be computed by hand in float64.
function fixedModel(image: number[], texts: Record<string, number[]>): ZeroShotModel {
  return {
    imageSize: 4,
    embedDim: image.length,
    async encodeImages(_pixels, n) {
      return new Float32Array(Array.from({ length: n }, () => image).flat());
    },
    async encodeTexts(list) {
      return new Float32Array(list.flatMap((t) => texts[t]));
    },
  };
}

describe('classifyImage', () => {
  it('is the softmax of 100 x cosine over the prompts', async () => {
    const m = fixedModel([3, 4, 0], { a: [3, 4, 0], b: [0, 0, 2], c: [4, 3, 0] });
    const r = await classifyImage(m, createImage(9, 7), ['a', 'b', 'c']);
    const cos = [1, 0, 24 / 25];
    const ex = cos.map((c) => Math.exp(100 * c));
    const z = ex.reduce((s, x) => s + x, 0);
    r.cosines.forEach((c, i) => expect(c).toBeCloseTo(cos[i], 6));
    r.probs.forEach((p, i) => expect(p).toBeCloseTo(ex[i] / z, 6));
    expect(r.best).toBe(0);
  });

  it('takes another logit scale', async () => {
    const m = fixedModel([1, 0], { x: [1, 0], y: [0, 1] });
    const r = await classifyImage(m, createImage(4, 4), ['x', 'y'], { logitScale: 1 });
    expect(r.probs[0]).toBeCloseTo(Math.E / (Math.E + 1), 6);
  });

  it('needs two prompts', async () => {
    await expect(classifyImage(fixedModel([1], { x: [1] }), createImage(4, 4), ['x'])).rejects.toThrow(/at least 2 prompts/);
  });
});
