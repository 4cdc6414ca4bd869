import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { useEngine, assertClose } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';
import { makeModelConfig } from '../model/config.js';
import { createModel } from '../model/focusclip.js';
import { decodeSafetensors } from '../model/safetensors.js';
import { checkPretrainedFile, encodeVisionWeights, initVisualFromTimm, META_PRETRAIN } from '../model/pretrained.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { generateObjectImages } from '../data/synthetic/objects.js';
import { augmentedView } from '../data/augment.js';
import { createImage } from '../data/image.js';
import { featureCheck, knnShapeAccuracy, pooledFeatures, pretrainVision, VISION_PRETRAIN_DEFAULTS } from './pretrain-vision.js';
import { demoInitVisual } from '../cli/demo.js';

const MICRO = makeModelConfig('tiny', {
  kind: 'clip',
  featureNorm: 'batch',
  vision: { imageSize: 16, patchSize: 8, width: 16, depth: 1, heads: 2, mlpDim: 24 },
  text: { vocabSize: 11, contextLength: 5, width: 8, depth: 1, heads: 2, ffnDim: 12 },
  embedDim: 8,
});

describe('augmented views', () => {
  it('keeps a uniform grey image uniform, scaled by the brightness factor only', () => {
    const img = createImage(13, 11, [100, 100, 100]);
    const out = new Float32Array(3 * 13 * 11 + 5);
    augmentedView(img, new Rng(3), out, 5);
    const v = out[5];
    expect(v).toBeGreaterThanOrEqual((100 / 255) * 0.6 - 1e-6);
    expect(v).toBeLessThanOrEqual((100 / 255) * 1.4 + 1e-6);
    for (let i = 5; i < out.length; i++) expect(out[i]).toBeCloseTo(v, 5);
    expect(out.slice(0, 5).every((x) => x === 0)).toBe(true); // nothing written before the offset
  });

  it('is a pure function of the generator state, stays in [0, 1] and differs between two draws', () => {
    const [im] = generateObjectImages({ seed: 1, count: 1, size: 24 }).map((o) => o.image);
    const a = new Float32Array(3 * 24 * 24), b = new Float32Array(a.length), c = new Float32Array(a.length);
    augmentedView(im, new Rng(9), a, 0);
    augmentedView(im, new Rng(9), b, 0);
    const r = new Rng(9);
    augmentedView(im, r, c, 0);
    augmentedView(im, r, c, 0);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});

describe('k nearest neighbours', () => {
  it('votes by the k most similar bank vectors', () => {
    const v = (x: number, y: number) => Float32Array.from([x, y].map((t) => t / Math.hypot(x, y)));
    const bank = [v(1, 0), v(1, 0.1), v(0, 1), v(0.1, 1), v(0.2, 1)];
    const labels = [2, 2, 5, 5, 5];
    // k = 2: (1, 0.05) -> shapes 2, 2; (0.05, 1) -> 5, 5; (1, 1) nearest are 1,0.1 and 0.2,1: a tie goes to the lower label.
    expect(knnShapeAccuracy(bank, labels, [v(1, 0.05), v(0.05, 1)], [2, 5], 2)).toBe(100);
    expect(knnShapeAccuracy(bank, labels, [v(1, 0.05), v(0.05, 1)], [5, 5], 2)).toBe(50);
    expect(knnShapeAccuracy(bank, labels, [v(1, 1)], [2], 2)).toBe(100);
  });
});

describe('vision pretraining', () => {
  const E = useEngine();

  it('lowers the SimCLR loss on object images and is deterministic', async () => {
    const e = E();
    const images = generateObjectImages({ seed: 4, count: 24, size: 16 });
    const o = { ...VISION_PRETRAIN_DEFAULTS, steps: 25, batchSize: 8, lr: 3e-3, warmupSteps: 3 };
    const run = async () => {
      const m = createModel(e, MICRO, { seed: 2 });
      const logs = await pretrainVision(e, m, images, o);
      const f = await pooledFeatures(e, m, images.slice(0, 3));
      m.dispose();
      return { logs, f };
    };
    const a = await run();
    const b = await run();
    expect(a.logs.map((l) => l.loss)).toEqual(b.logs.map((l) => l.loss));
    expect(a.f.map((x) => Array.from(x))).toEqual(b.f.map((x) => Array.from(x)));
    const mean = (xs: { loss: number }[]) => xs.reduce((s, l) => s + l.loss, 0) / xs.length;
    expect(mean(a.logs.slice(-5))).toBeLessThan(mean(a.logs.slice(0, 5)) - 0.1);
  });

  it('writes weights that load into a fresh model and give the same features', async () => {
    const e = E();
    const m = createModel(e, MICRO, { seed: 7 });
    const check = await featureCheck(e, m, 3);
    const bytes = await encodeVisionWeights(m, { check: { seed: 3, features: check } });
    const file = decodeSafetensors(bytes);
    expect([...file.tensors.keys()].every((n) => !n.startsWith('visual.'))).toBe(true); // timm names
    const fresh = createModel(e, MICRO, { seed: 8 });
    expect((await featureCheck(e, fresh, 3))[0]).not.toEqual(check[0]);
    initVisualFromTimm(fresh, file);
    expect(await featureCheck(e, fresh, 3)).toEqual(check);
    m.dispose();
    fresh.dispose();
  });

  it('refuses a file pretrained for another preset or tower, naming the fix', async () => {
    const e = E();
    const m = createModel(e, MICRO, { seed: 7 });
    const file = decodeSafetensors(await encodeVisionWeights(m, {}));
    const other = makeModelConfig('small');
    expect(() => checkPretrainedFile(file, 'vision', other, 'v.safetensors')).toThrow(
      /v\.safetensors was pretrained for preset tiny \(imageSize 16, patchSize 8, width 16.*but this model is small \(imageSize 128, patchSize 16, width 256.*focusclip pretrain vision --preset small.*--from-scratch/,
    );
    expect(() => checkPretrainedFile(file, 'text', MICRO, 'v.safetensors')).toThrow(/holds a pretrained vision tower, not a text one; pass it to --init-visual/);
    const damaged = { ...file, metadata: { ...file.metadata, [META_PRETRAIN]: '{oops' } };
    expect(() => checkPretrainedFile(damaged, 'vision', MICRO, 'v.safetensors')).toThrow(/not JSON; the file is damaged/);
    m.dispose();
  });

  it('the demo starts from the shipped tower unless told otherwise, with clear errors', () => {
    expect(() => demoInitVisual('tiny', { fromScratch: true, initVisual: 'x' })).toThrow(/contradict/);
    expect(demoInitVisual('tiny', { fromScratch: true })).toBeUndefined();
    expect(demoInitVisual('tiny', { initVisual: 'mine.safetensors' })).toBe('mine.safetensors');
    expect(demoInitVisual('tiny', {})).toMatch(/weights[/\\]tiny-vision\.safetensors$/);
    expect(() => demoInitVisual('small', {})).toThrow(/No pretrained image tower is shipped for preset small.*focusclip pretrain vision --preset small.*--from-scratch/);
    expect(() => readFileBytes('/nonexistent/tiny-vision.safetensors')).toThrow(/Could not read \/nonexistent\/tiny-vision\.safetensors: ENOENT/);
  });

  it('the shipped tiny tower gives the features it gave when it was written', async () => {
    const path = demoInitVisual('tiny', {})!;
    expect(existsSync(path)).toBe(true);
    const file = decodeSafetensors(readFileBytes(path));
    const info = checkPretrainedFile(file, 'vision', makeModelConfig('tiny'), path)!;
    const stored = info.check as { seed: number; features: number[][] };
    const e = E();
    const m = createModel(e, makeModelConfig('tiny', { kind: 'clip', featureNorm: 'batch' }), { seed: 0 });
    initVisualFromTimm(m, file, path);
    const got = await featureCheck(e, m, stored.seed);
    for (let k = 0; k < got.length; k++) assertClose(got[k], stored.features[k], { rtol: 1e-4, atol: 1e-4, what: `check image ${k}` });
    m.dispose();
  });
});
