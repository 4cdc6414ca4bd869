import { describe, expect, it } from 'vitest';
import { useEngine } from '../test/helpers.js';
import { createImage, type RGBAImage } from '../data/image.js';
import { decodeImage } from '../data/image-node.js';
import { evaluate } from './zeroshot.js';
import type { EvalDataset, EvalItem, ZeroShotModel } from './types.js';

const getEngine = useEngine();

const COLOURS: Record<string, [number, number, number]> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255] };

/** Image embedding = 7 x mean colour (unnormalised on purpose); text embedding = one-hot of the
 *  colour word it contains, plus 0.5 on the next axis for "the colour ..." prompts. */
function fakeModel(calls = { texts: 0, images: 0 }): ZeroShotModel & { calls: typeof calls } {
  const words = ['red', 'green', 'blue'];
  return {
    calls,
    embedDim: 3,
    imageSize: 4,
    name: 'fake',
    async encodeImages(px, n, size) {
      calls.images++;
      const out = new Float32Array(n * 3);
      const hw = size * size;
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < hw; j++) s += px[i * 3 * hw + c * hw + j];
        out[i * 3 + c] = (7 * s) / hw;
      }
      return out;
    },
    async encodeTexts(texts) {
      calls.texts++;
      const out = new Float32Array(texts.length * 3);
      texts.forEach((t, i) => {
        const w = words.findIndex((x) => t.includes(x));
        out[i * 3 + w] = 1;
        if (t.startsWith('the colour')) out[i * 3 + ((w + 1) % 3)] = 0.5;
      });
      return out;
    },
  };
}

const solid = (c: string, w = 5, h = 3): RGBAImage => createImage(w, h, COLOURS[c]);
const item = (id: string, colour: string, label: number | number[]): EvalItem => ({ id, label, load: () => solid(colour) });

function dataset(items: EvalItem[], over: Partial<EvalDataset> = {}): EvalDataset {
  return { name: 'colours', kind: 'folder', task: 'age', classes: ['red', 'green', 'blue'], templates: ['a {} photo'], promptNames: ['red', 'green', 'blue'], items, ...over };
}

describe('evaluate', () => {
  const items = () => [
    item('r', 'red', 0),
    item('g', 'green', 1),
    { id: 'broken', label: 0, load: () => decodeImage(new Uint8Array([0xff, 0xd8, 1, 2, 3]), 'broken.jpg') },
    item('b-as-red', 'blue', 0), // wrong: top-1 blue; red ties green at 0 and wins the tie -> rank 1
    { id: 'missing', label: 2, load: () => { throw new Error('Image file not found or unreadable: /x/missing.jpg (ENOENT)'); } },
  ];

  it('scores a hand-checked case on the GPU, skipping undecodable images', async () => {
    const model = fakeModel();
    const r = await evaluate(model, dataset(items()), { batchSize: 2, engine: getEngine(), keepPredictions: true });
    expect(r.n).toBe(3);
    expect(r.top1).toBeCloseTo(2 / 3, 12);
    expect(r.top3).toBe(1);
    expect(r.headlineK).toBe(1);
    expect(r.headline).toBeCloseTo(2 / 3, 12);
    expect(r.skipped.count).toBe(2);
    expect(r.skipped.examples.map((s) => s.id)).toEqual(['broken', 'missing']);
    expect(r.skipped.examples[0].reason).toMatch(/Cannot decode broken.jpg/);
    expect(r.confusion).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    expect(r.predictions!.map((p) => p.top)).toEqual([
      [0, 1, 2],
      [1, 0, 2],
      [2, 0, 1],
    ]);
    expect(r.prompts).toEqual([['a red photo'], ['a green photo'], ['a blue photo']]);
    expect(model.calls).toEqual({ texts: 1, images: 2 });
    expect(r.chance.top1).toBeCloseTo(1 / 3, 12);
  });

  it('gives the same numbers on the CPU path, with async items and a paper k', async () => {
    async function* gen() {
      for (const it of items()) yield it;
    }
    const r = await evaluate(fakeModel(), dataset([], { items: gen(), task: 'emotion' }), { batchSize: 3 });
    expect([r.n, r.top1, r.headlineK, r.headline, r.skipped.count]).toEqual([3, 2 / 3, 3, 1, 2]);
  });

  it('ensembles templates per class', async () => {
    // Image (0, 200, 255). One template: green . img = 200, blue . img = 255 -> blue.
    // Two templates: class green = norm((0,1,0) + norm(0,1,.5)) ~ (0, 1.894, .447)/|.|, class blue
    // = norm((0,0,1) + norm(.5,0,1)) ~ (.447, 0, 1.894)/|.| (same norm): 200*1.894 + 255*.447 = 492.8
    // beats 255*1.894 = 483.0 -> green.
    const teal: EvalItem = { id: 'teal', label: 2, load: () => createImage(3, 3, [0, 200, 255]) };
    const one = await evaluate(fakeModel(), dataset([teal]), { keepPredictions: true });
    const two = await evaluate(fakeModel(), dataset([teal], { templates: ['a {} photo', 'the colour {}'] }), { keepPredictions: true });
    expect(two.prompts[1]).toEqual(['a green photo', 'the colour green']);
    expect(one.predictions![0].top).toEqual([2, 1, 0]);
    expect(two.predictions![0].top[0]).toBe(1);
  });

  it('survives thousands of items with periodic failures', async () => {
    const many: EvalItem[] = [];
    for (let i = 0; i < 3000; i++) {
      many.push(i % 97 === 5 ? { id: `bad${i}`, label: 1, load: () => { throw new Error('truncated'); } } : item(`ok${i}`, ['red', 'green', 'blue'][i % 3], i % 3));
    }
    const r = await evaluate(fakeModel(), dataset(many), { batchSize: 64 });
    const bad = many.filter((m) => m.id.startsWith('bad')).length;
    expect(r.skipped.count).toBe(bad);
    expect(r.n).toBe(3000 - bad);
    expect(r.top1).toBe(1);
    expect(r.skipped.examples.length).toBe(20);
  });

  it('fails clearly on bad models, labels and empty sets', async () => {
    const wrongDim = { ...fakeModel(), embedDim: 4 };
    await expect(evaluate(wrongDim, dataset(items()))).rejects.toThrow(/encodeTexts returned 9 values for 3 prompts; expected 3 x embedDim 4/);
    await expect(evaluate(fakeModel(), dataset([item('x', 'red', 3)]))).rejects.toThrow(/item x has label 3, outside the 3 classes/);
    await expect(evaluate(fakeModel(), dataset([items()[2]]))).rejects.toThrow(/no image could be evaluated. All 1 failed to load, e.g. broken: Cannot decode/);
    await expect(evaluate(fakeModel(), dataset([], { promptNames: ['red'] }))).rejects.toThrow(/1 prompt names for 3 classes/);
  });
});
