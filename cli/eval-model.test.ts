// The checkpoint loader end to end: a micro model is saved the way focusclip train saves it
// (config + training state with the vocabulary in the metadata, optimizer tensors alongside), loaded
// back through loadZeroShotModel, and must give exactly the original model's embeddings.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine, randArray, relFrobenius } from '../test/helpers.js';
import { makeModelConfig } from '../model/config.js';
import { createModel } from '../model/focusclip.js';
import { encodeParams, META_CONFIG, META_STATE } from '../model/checkpoint.js';
import { buildVocab } from '../model/vocab.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { loadZeroShotModel } from './eval-model.js';
import { asZeroShotModel } from '../train/zeroshot.js';

const getEngine = useEngine();
const tmp = mkdtempSync(join(tmpdir(), 'focusclip-eval-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadZeroShotModel', () => {
  it('rebuilds the model from a trainer-style checkpoint', async () => {
    const e = getEngine();
    const vocab = buildVocab(['a photo of a person riding a horse', 'a photo of a kid person', 'a photo of a person riding a bike'], { minWordCount: 1 });
    const config = makeModelConfig('tiny', {
      vision: { imageSize: 16, patchSize: 8, width: 32, depth: 1, heads: 2, mlpDim: 64 },
      text: { vocabSize: vocab.length, contextLength: 12, width: 32, depth: 1, heads: 2, ffnDim: 64 },
      embedDim: 16,
    });
    const model = createModel(e, config, { seed: 7 });
    const extra = e.randn([5], { seed: 1 });
    const params = new Map([...model.params, ['optimizer.momentum.x', extra]]);
    const bytes = await encodeParams(e, params, { [META_CONFIG]: JSON.stringify(config), [META_STATE]: JSON.stringify({ step: 3, vocab: vocab.join('\n') }) });
    const path = join(tmp, 'micro.safetensors');
    writeFileSync(path, bytes);

    const loaded = await loadZeroShotModel(e, path);
    expect([loaded.imageSize, loaded.embedDim, loaded.name]).toEqual([16, 16, 'micro.safetensors']);
    const direct = asZeroShotModel(e, model, new WordPieceTokenizer(vocab));
    const px = Float32Array.from(randArray(2 * 3 * 16 * 16, 5, 0, 1));
    const a = await loaded.encodeImages(px, 2, 16);
    const b = await direct.encodeImages(px, 2, 16);
    expect(a.length).toBe(2 * 16);
    expect(relFrobenius(a, b)).toBe(0);
    const texts = ['a photo of a person riding a horse', 'a photo of a kid person'];
    const ta = await loaded.encodeTexts(texts);
    const tb = await direct.encodeTexts(texts);
    expect(relFrobenius(ta, tb)).toBe(0);
    expect(Math.max(...ta.map(Math.abs))).toBeGreaterThan(1e-3);
    await expect(loaded.encodeImages(px, 1, 32)).rejects.toThrow(/takes 16px images, got 32px/);

    const bare = join(tmp, 'bare.safetensors');
    writeFileSync(bare, await encodeParams(e, model.params, { [META_CONFIG]: JSON.stringify(config) }));
    await expect(loadZeroShotModel(e, bare)).rejects.toThrow(/carries no vocabulary .* --vocab vocab.txt/);
    const vocabFile = join(tmp, 'vocab.txt');
    writeFileSync(vocabFile, vocab.join('\n') + '\n');
    const withVocab = await loadZeroShotModel(e, bare, { vocab: vocabFile });
    expect(relFrobenius(await withVocab.encodeTexts(texts), tb)).toBe(0);
  });
});
