import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { useEngine } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';
import { makeModelConfig } from '../model/config.js';
import { createModel } from '../model/focusclip.js';
import { decodeSafetensors } from '../model/safetensors.js';
import { checkPretrainedFile, encodeTextWeights, initTextFromHf, pretrainedVocab } from '../model/pretrained.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { captionTokenizer } from './pipeline.js';
import { noisyView, pretrainText, textValidation, TEXT_PRETRAIN_DEFAULTS } from './pretrain-text.js';
import { shippedWeights } from '../cli/package-file.js';

const CAPTIONS = [
  'a person is standing with both arms raised above the head',
  'a person is sitting with the left arm raised and the right leg bent',
  'two people are walking, one with the right arm forward',
  'a person is lying down with both legs straight',
  'a person is jumping with both arms out to the sides',
  'a person is kneeling with the left hand on the knee',
  'a person is running with the left leg forward and the right arm back',
  'a person is bending over with both hands near the feet',
];
const tok = captionTokenizer([...CAPTIONS, ...CAPTIONS], 256);

const micro = (vocabSize: number) =>
  makeModelConfig('tiny', {
    kind: 'clip',
    featureNorm: 'batch',
    vision: { imageSize: 8, patchSize: 4, width: 8, depth: 1, heads: 2, mlpDim: 12 },
    text: { vocabSize, contextLength: 24, width: 16, depth: 1, heads: 2, ffnDim: 24 },
    embedDim: 8,
  });

describe('noisy caption views', () => {
  it('keep [CLS] first, [SEP] last, drop or mask some tokens and keep the rest in order', () => {
    const body = tok.tokenizer.tokenIds(CAPTIONS[6]);
    const L = 24;
    const ids = new Int32Array(2 * L), mask = new Float32Array(2 * L);
    const rng = new Rng(5);
    let dropped = 0, masked = 0;
    for (let trial = 0; trial < 50; trial++) {
      noisyView(body, tok.tokenizer, rng, L, ids, mask, 1);
      const row = Array.from(ids.slice(L, 2 * L));
      const n = Array.from(mask.slice(L, 2 * L)).filter((m) => m === 1).length;
      expect(row[0]).toBe(tok.tokenizer.clsId);
      expect(row[n - 1]).toBe(tok.tokenizer.sepId);
      expect(row.slice(n).every((t) => t === tok.tokenizer.padId)).toBe(true);
      const inner = row.slice(1, n - 1);
      dropped += body.length - inner.length;
      masked += inner.filter((t) => t === tok.tokenizer.maskId).length;
      // The unmasked tokens are a subsequence of the caption.
      let j = 0;
      for (const t of inner) {
        if (t === tok.tokenizer.maskId) { j++; continue; }
        while (j < body.length && body[j] !== t) j++;
        expect(j).toBeLessThan(body.length);
        j++;
      }
    }
    const total = 50 * body.length;
    expect(dropped / total).toBeGreaterThan(0.05);
    expect(dropped / total).toBeLessThan(0.16);
    expect(masked / total).toBeGreaterThan(0.09);
    expect(masked / total).toBeLessThan(0.22);
    expect(Array.from(ids.slice(0, L)).every((t) => t === 0)).toBe(true); // row 0 untouched
  });
});

describe('text pretraining', () => {
  const E = useEngine();

  it('tells captions apart after a few steps and is deterministic', async () => {
    const e = E();
    const o = { ...TEXT_PRETRAIN_DEFAULTS, steps: 30, batchSize: 8, lr: 3e-3, warmupSteps: 3 };
    const run = async () => {
      const m = createModel(e, micro(tok.vocab.length), { seed: 3 });
      const before = await textValidation(e, m, tok.tokenizer, CAPTIONS, 1);
      const logs = await pretrainText(e, m, tok.tokenizer, CAPTIONS, o);
      const after = await textValidation(e, m, tok.tokenizer, CAPTIONS, 1);
      m.dispose();
      return { before, after, logs };
    };
    const a = await run();
    const b = await run();
    expect(a.logs.map((l) => l.loss)).toEqual(b.logs.map((l) => l.loss));
    const mean = (xs: { loss: number }[]) => xs.reduce((s, l) => s + l.loss, 0) / xs.length;
    expect(mean(a.logs.slice(-5))).toBeLessThan(mean(a.logs.slice(0, 5)) - 0.1);
    expect(a.after.meanCosine).toBeLessThan(a.before.meanCosine);
  });

  it('writes weights with their vocabulary that load into a fresh model and give the same features', async () => {
    const e = E();
    const m = createModel(e, micro(tok.vocab.length), { seed: 3 });
    const file = decodeSafetensors(await encodeTextWeights(m, tok.vocab, { note: 'test' }));
    expect(pretrainedVocab(file)).toEqual(tok.vocab);
    expect(checkPretrainedFile(file, 'text', micro(tok.vocab.length), 't.safetensors')!.note).toBe('test');
    const fresh = createModel(e, micro(tok.vocab.length), { seed: 4 });
    initTextFromHf(fresh, file);
    const feats = async (model: typeof m) => {
      const enc = tok.tokenizer.encode(CAPTIONS.slice(0, 3), 24);
      const f = e.noGrad(() => e.scope(() => e.keep(model.textFeatures(e.tensor(enc.ids, [3, 24], { dtype: 'i32' }), e.tensor(enc.mask, [3, 24])))));
      const v = Array.from(await f.toArray());
      f.dispose();
      return v;
    };
    expect(await feats(fresh)).toEqual(await feats(m));
    expect(() => checkPretrainedFile(file, 'vision', micro(tok.vocab.length), 't.safetensors')).toThrow(/holds a pretrained text tower, not a vision one; pass it to --init-text/);
    m.dispose();
    fresh.dispose();
  });

  it('the shipped tiny text tower loads with its vocabulary', () => {
    const path = shippedWeights('tiny', 'text');
    expect(path && existsSync(path)).toBeTruthy();
    const file = decodeSafetensors(readFileBytes(path!));
    const vocab = pretrainedVocab(file)!;
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const e = E();
    const m = createModel(e, makeModelConfig('tiny', { kind: 'clip', featureNorm: 'batch', text: { vocabSize: vocab.length } }), { seed: 0 });
    expect(initTextFromHf(m, file, path)).toHaveLength([...m.params.keys()].filter((n) => n.startsWith('text.')).length);
    m.dispose();
  });
});
