import { describe, expect, it } from 'vitest';
import { useEngine, read } from '../test/helpers.js';
import { makeModelConfig, modelParams, visionParams, textParams } from './config.js';
import { createModel } from './focusclip.js';
import { decodeSafetensors, encodeSafetensors, type TensorInput } from './safetensors.js';
import { initTextFromHf, initVisualFromTimm } from './pretrained.js';

const MICRO = makeModelConfig('tiny', {
  vision: { imageSize: 8, patchSize: 4, width: 8, depth: 2, heads: 2, mlpDim: 12 },
  text: { vocabSize: 11, contextLength: 5, width: 6, depth: 1, heads: 2, ffnDim: 10 },
  embedDim: 4,
});

const fill = (shape: readonly number[], v: number) => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v);

describe('pretrained encoders', () => {
  const E = useEngine();
  it('loads a timm ViT file and a Hugging Face BERT file (task prefix, gamma/beta, pooler) by name', async () => {
    const e = E();
    const m = createModel(e, MICRO, { seed: 1 });
    const projBefore = Array.from(await read(m.param('visual_proj.weight')));
    // timm: bare names + a classifier head that must be ignored.
    const timm: [string, TensorInput][] = visionParams(MICRO.vision).map((s, i) => [s.name, { shape: s.shape, data: fill(s.shape, i + 1) }]);
    timm.push(['head.weight', { shape: [1000, 8], data: fill([1000, 8], 9) }], ['head.bias', { shape: [1000], data: fill([1000], 9) }]);
    const nv = initVisualFromTimm(m, decodeSafetensors(encodeSafetensors(timm)));
    expect(nv).toHaveLength(visionParams(MICRO.vision).length);
    expect(Array.from(await read(m.param('visual.cls_token')))).toEqual(Array.from(fill([8], 1)));
    expect((await read(m.param('visual.norm.bias')))[0]).toBe(timm.length - 2);
    // HF BertForMaskedLM-style: 'bert.' prefix, TF-era LayerNorm gamma/beta, pooler and MLM head.
    const hf: [string, TensorInput][] = textParams(MICRO.text).map((s, i) => [
      'bert.' + s.name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
      { shape: s.shape, data: fill(s.shape, -(i + 1)) },
    ]);
    hf.push(['bert.pooler.dense.weight', { shape: [6, 6], data: fill([6, 6], 0) }], ['cls.predictions.bias', { shape: [11], data: fill([11], 0) }]);
    hf.push(['bert.embeddings.position_ids', { shape: [1, 5], data: new Int32Array(5) }]);
    const nt = initTextFromHf(m, decodeSafetensors(encodeSafetensors(hf)));
    expect(nt).toHaveLength(textParams(MICRO.text).length);
    const lnIdx = textParams(MICRO.text).findIndex((s) => s.name === 'embeddings.LayerNorm.weight');
    expect((await read(m.param('text.embeddings.LayerNorm.weight')))[0]).toBe(-(lnIdx + 1));
    // Projections keep their initialisation.
    expect(Array.from(await read(m.param('visual_proj.weight')))).toEqual(projBefore);
    expect(modelParams(MICRO).length).toBe(nv.length + nt.length + 5);
  });

  it('reports a vocabulary or resolution mismatch tensor by tensor', () => {
    const e = E();
    const m = createModel(e, MICRO, { seed: 1 });
    const big = makeModelConfig('tiny', { ...MICRO, vision: { ...MICRO.vision, imageSize: 12 }, text: { ...MICRO.text, vocabSize: 30 } });
    const vit: [string, TensorInput][] = visionParams(big.vision).map((s) => [s.name, { shape: s.shape, data: fill(s.shape, 1) }]);
    expect(() => initVisualFromTimm(m, decodeSafetensors(encodeSafetensors(vit)), 'vit.safetensors')).toThrow(
      /shape mismatches \(1\):\n  visual\.pos_embed: file has F32\[1, 10, 8\], model has \[1, 5, 8\]/,
    );
    const bert: [string, TensorInput][] = textParams(big.text).filter((s) => !s.name.includes('layer.0.output.dense')).map((s) => [s.name, { shape: s.shape, data: fill(s.shape, 1) }]);
    let msg = '';
    try {
      initTextFromHf(m, decodeSafetensors(encodeSafetensors(bert)), 'bert.safetensors');
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain('missing from the file (2):\n  text.encoder.layer.0.output.dense.weight\n  text.encoder.layer.0.output.dense.bias');
    expect(msg).toContain('text.embeddings.word_embeddings.weight: file has F32[30, 6], model has [11, 6]');
  });
});
