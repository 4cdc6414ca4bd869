// The FLOP count against hand-counted products of a small config, and against the published
// compute of ViT-B/16 at 224 px (17.56 G multiply-adds, as timm and DeiT report it).
import { describe, expect, it } from 'vitest';
import { modelFlops } from './flops.js';
import { makeModelConfig } from './config.js';

describe('model FLOPs', () => {
  it('counts every matrix product of an odd-sized model', () => {
    const cfg = makeModelConfig('tiny', {
      vision: { imageSize: 48, patchSize: 16, channels: 3, width: 24, depth: 2, heads: 3, mlpDim: 40, lnEps: 1e-6 },
      text: { vocabSize: 50, contextLength: 7, width: 12, depth: 3, heads: 2, ffnDim: 20, lnEps: 1e-12, typeVocabSize: 2, pooling: 'mean-all' },
      embedDim: 10,
    });
    // vision: 9 patches + CLS = 10 tokens
    const patch = 9 * (3 * 16 * 16) * 24;
    const vLayer = 10 * 24 * 72 + 10 * 10 * 24 + 10 * 10 * 24 + 10 * 24 * 24 + 10 * 24 * 40 + 10 * 40 * 24;
    const image = 2 * (patch + 2 * vLayer + 24 * 10);
    const tLayer = 7 * 12 * 36 + 7 * 7 * 12 * 2 + 7 * 12 * 12 + 7 * 12 * 20 * 2;
    const text = 2 * (3 * tLayer + 12 * 10);
    const f = modelFlops(cfg);
    expect(f.image).toBe(image);
    expect(f.text).toBe(text);
    expect(f.views).toBe(2);
    expect(f.train).toBe(3 * (2 * image + text));
    expect(modelFlops({ ...cfg, kind: 'clip' }).forward).toBe(image + text);
  });

  it('agrees with the published compute of ViT-B/16', () => {
    const paper = makeModelConfig('paper');
    const vitMacs = (modelFlops(paper).image - 2 * 768 * paper.embedDim) / 2;
    expect(Math.abs(vitMacs / 17.56e9 - 1)).toBeLessThan(0.01);
  });
});
