import { describe, expect, it } from 'vitest';
import { countParams, makeModelConfig, modelParams } from './config.js';

describe('model configs', () => {
  it('paper preset counts equal timm vit_base_patch16_224 (no head) and HF bert-base-uncased (no pooler)', () => {
    const c = countParams(makeModelConfig('paper'));
    expect(c.visual).toBe(85_798_656);
    // bert-base-uncased: 109,482,240 with the pooler (768*768 + 768 = 590,592).
    expect(c.text).toBe(109_482_240 - 590_592);
    expect(c.visual_proj).toBe(768 * 512 + 512);
    expect(c.text_proj).toBe(768 * 512 + 512);
    expect(c.focus_alpha).toBe(1);
    expect(c.total).toBe(85_798_656 + 108_891_648 + 2 * 393_728 + 1);
    const clip = countParams(makeModelConfig('paper', { kind: 'clip' }));
    expect(clip.total).toBe(c.total - 1);
    expect(countParams(makeModelConfig('paper', { kind: 'clip', loss: 'infonce' })).logit_scale).toBe(1);
  });
  it('uses timm and Hugging Face names', () => {
    const names = modelParams(makeModelConfig('tiny')).map((s) => s.name);
    for (const n of [
      'visual.cls_token', 'visual.pos_embed', 'visual.patch_embed.proj.weight', 'visual.blocks.3.attn.qkv.weight',
      'visual.blocks.0.mlp.fc2.bias', 'visual.norm.weight', 'text.embeddings.word_embeddings.weight',
      'text.encoder.layer.2.attention.self.query.weight', 'text.encoder.layer.0.attention.output.LayerNorm.weight',
      'text.encoder.layer.1.intermediate.dense.weight', 'visual_proj.weight', 'text_proj.bias', 'focus_alpha',
    ]) expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    const pe = modelParams(makeModelConfig('paper')).find((s) => s.name === 'visual.patch_embed.proj.weight')!;
    expect(pe.shape).toEqual([768, 3, 16, 16]);
  });
  it('rejects inconsistent configs naming each problem', () => {
    expect(() => makeModelConfig('huge')).toThrow(/Unknown model preset "huge"; choose one of tiny, small, paper/);
    let msg = '';
    try {
      makeModelConfig('tiny', { vision: { imageSize: 60, heads: 3 }, text: { pooling: 'max' as any } });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('vision.imageSize 60 is not a multiple of vision.patchSize 16');
    expect(msg).toContain('vision.width 128 is not divisible by vision.heads 3');
    expect(msg).toContain('text.pooling "max"');
    expect(() => makeModelConfig('tiny', { kind: 'clip', loss: 'focus3' })).toThrow(/needs kind "focusclip"/);
    expect(makeModelConfig('tiny', { kind: 'clip' }).loss).toBe('ntxent');
  });
});
