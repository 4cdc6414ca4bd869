// Model configurations: named presets plus overrides, and the parameter list (names, shapes) they
// imply. Names follow timm's VisionTransformer and Hugging Face's BertModel so that pretrained
// weights load and our checkpoints open in PyTorch; the counts printed by `focusclip info --model`
// come from here.

import type { ParamSpec } from '../engine/runtime.js';

export interface VisionConfig {
  imageSize: number;
  patchSize: number;
  channels: number;
  width: number;
  depth: number;
  heads: number;
  mlpDim: number;
  /** timm ViT: 1e-6. */
  lnEps: number;
}

export type TextPooling = 'mean-all' | 'mean-masked' | 'cls';

export interface TextConfig {
  vocabSize: number;
  /** Tokens per caption, also the size of the position table (BERT: 512). */
  contextLength: number;
  width: number;
  depth: number;
  heads: number;
  ffnDim: number;
  /** BERT: 1e-12. */
  lnEps: number;
  /** BERT's token-type table (2); all our tokens are type 0 but the row exists so HF weights load. */
  typeVocabSize: number;
  /** 'mean-all' is the released code: mean over every position, padding included. */
  pooling: TextPooling;
}

/**
 * focus3: NTX(zM,zI) + NTX(zM,zT) + NTX(zI,zT) (released code); focus2: NTX(zM,zT) + NTX(zI,zT)
 * (v3 figure); ntxent: NTX(zI,zT) (the paper's CLIP baseline); infonce: CLIP's cross-modal loss with
 * a learnable logit scale.
 */
export type LossKind = 'focus3' | 'focus2' | 'ntxent' | 'infonce';

export interface ModelConfig {
  preset: string;
  /** 'focusclip' has the heatmap branch and `focus_alpha`; 'clip' has neither. */
  kind: 'focusclip' | 'clip';
  vision: VisionConfig;
  text: TextConfig;
  /** Shared embedding width of both projections. */
  embedDim: number;
  loss: LossKind;
  /** NT-Xent temperature (paper: 0.5, fixed). */
  temperature: number;
  /** Clamp the focus parameter `a` to [0, 1] in the forward pass (the released code does not). */
  clampAlpha: boolean;
  /** Initial focus parameter (paper: 0.5). */
  alphaInit: number;
  /** InfoNCE only: initial log logit scale (CLIP: log(1 / 0.07)). */
  logitScaleInit: number;
  /** Feed the ViT 2x - 1 instead of the [0, 1] pixels (after focusing). The paper feeds [0, 1] to
   *  pretrained encoders; trained from scratch, [0, 1] inputs make every image embedding start out
   *  nearly equal and the contrastive loss first collapses all embeddings to one point, costing
   *  ~100 steps to recover (seen here and in PyTorch). The from-scratch presets centre. */
  centerPixels: boolean;
  /** Init std of the word embeddings (HF BERT: 0.02). From scratch, 0.02 words next to 0.02
   *  positions make mean-pooled captions nearly identical at init (cosine ~0.99), and the
   *  contrastive loss then collapses every embedding onto that point; larger word vectors let
   *  the caption's content show from step 0. */
  wordEmbedStd: number;
  /** 'batch': batch-normalise (no affine) the pooled features of both towers before their
   *  projections (model/feature-norm.ts); 'none': the paper's model. */
  featureNorm: 'none' | 'batch';
}

const BASE = {
  loss: 'focus3' as LossKind,
  temperature: 0.5,
  clampAlpha: false,
  alphaInit: 0.5,
  logitScaleInit: Math.log(1 / 0.07),
  centerPixels: false,
  wordEmbedStd: 0.02,
  featureNorm: 'none' as 'none' | 'batch',
};

// `tiny` was sized from measured FocusCLIP training steps (forward + backward, both image views)
// on the shared 2-core lavapipe machine, batch 32 (docs/model.md has the table): 64 px with 8 px
// patches (65 tokens) took ~6 s a step, 16 px patches (17 tokens) ~3.3 s; sequence length is what
// costs, so tiny uses 16 px patches. Its vocabulary is built from the captions, so vocabSize is
// replaced by the built vocab's size at training time.
export const PRESETS: Record<string, ModelConfig> = {
  tiny: {
    preset: 'tiny',
    kind: 'focusclip',
    vision: { imageSize: 64, patchSize: 16, channels: 3, width: 128, depth: 4, heads: 4, mlpDim: 512, lnEps: 1e-6 },
    text: { vocabSize: 2048, contextLength: 48, width: 128, depth: 3, heads: 4, ffnDim: 512, lnEps: 1e-12, typeVocabSize: 2, pooling: 'mean-all' },
    embedDim: 128,
    ...BASE,
    centerPixels: true,
  },
  small: {
    preset: 'small',
    kind: 'focusclip',
    vision: { imageSize: 128, patchSize: 16, channels: 3, width: 256, depth: 6, heads: 8, mlpDim: 1024, lnEps: 1e-6 },
    text: { vocabSize: 8192, contextLength: 96, width: 256, depth: 4, heads: 8, ffnDim: 1024, lnEps: 1e-12, typeVocabSize: 2, pooling: 'mean-all' },
    embedDim: 256,
    ...BASE,
    centerPixels: true,
  },
  paper: {
    preset: 'paper',
    kind: 'focusclip',
    vision: { imageSize: 224, patchSize: 16, channels: 3, width: 768, depth: 12, heads: 12, mlpDim: 3072, lnEps: 1e-6 },
    text: { vocabSize: 30522, contextLength: 512, width: 768, depth: 12, heads: 12, ffnDim: 3072, lnEps: 1e-12, typeVocabSize: 2, pooling: 'mean-all' },
    embedDim: 512,
    ...BASE,
  },
};

export type ConfigOverrides = Partial<Omit<ModelConfig, 'vision' | 'text'>> & { vision?: Partial<VisionConfig>; text?: Partial<TextConfig> };

/** A preset by name with overrides applied and checked. CLIP presets: pass { kind: 'clip', loss: 'ntxent' }. */
export function makeModelConfig(preset: string, overrides: ConfigOverrides = {}): ModelConfig {
  const base = PRESETS[preset];
  if (!base) throw new Error(`Unknown model preset "${preset}"; choose one of ${Object.keys(PRESETS).join(', ')}.`);
  const kind = overrides.kind ?? base.kind;
  const cfg: ModelConfig = {
    ...base,
    // A CLIP model defaults to the paper's baseline loss rather than the FocusCLIP one.
    loss: kind === 'clip' && !overrides.loss ? 'ntxent' : base.loss,
    ...overrides,
    kind,
    vision: { ...base.vision, ...overrides.vision },
    text: { ...base.text, ...overrides.text },
  };
  validateConfig(cfg);
  return cfg;
}

export function validateConfig(cfg: ModelConfig): void {
  const errs: string[] = [];
  const v = cfg.vision;
  const t = cfg.text;
  const posInt = (what: string, x: number) => {
    if (!Number.isInteger(x) || x < 1) errs.push(`${what} must be a positive integer, got ${x}`);
  };
  for (const [k, x] of Object.entries(v)) if (k !== 'lnEps') posInt(`vision.${k}`, x);
  for (const [k, x] of Object.entries(t)) if (k !== 'lnEps' && k !== 'pooling') posInt(`text.${k}`, x as number);
  posInt('embedDim', cfg.embedDim);
  if (v.imageSize % v.patchSize) errs.push(`vision.imageSize ${v.imageSize} is not a multiple of vision.patchSize ${v.patchSize}`);
  if (v.width % v.heads) errs.push(`vision.width ${v.width} is not divisible by vision.heads ${v.heads}`);
  if (t.width % t.heads) errs.push(`text.width ${t.width} is not divisible by text.heads ${t.heads}`);
  if (t.contextLength < 2) errs.push(`text.contextLength ${t.contextLength} leaves no room for [CLS] and [SEP]`);
  if (!['mean-all', 'mean-masked', 'cls'].includes(t.pooling)) errs.push(`text.pooling "${t.pooling}" is not one of mean-all, mean-masked, cls`);
  if (!['focus3', 'focus2', 'ntxent', 'infonce'].includes(cfg.loss)) errs.push(`loss "${cfg.loss}" is not one of focus3, focus2, ntxent, infonce`);
  if (cfg.kind === 'clip' && (cfg.loss === 'focus3' || cfg.loss === 'focus2')) errs.push(`a CLIP model has no heatmap branch, so loss "${cfg.loss}" needs kind "focusclip"`);
  if (cfg.kind === 'focusclip' && (cfg.loss === 'ntxent' || cfg.loss === 'infonce')) errs.push(`loss "${cfg.loss}" ignores the heatmap branch; use kind "clip"`);
  if (!(cfg.temperature > 0)) errs.push(`temperature must be > 0, got ${cfg.temperature}`);
  if (cfg.featureNorm !== undefined && !['none', 'batch'].includes(cfg.featureNorm)) errs.push(`featureNorm "${cfg.featureNorm}" is not one of none, batch`);
  if (errs.length) throw new Error(`Invalid model config (${cfg.preset}):\n  ${errs.join('\n  ')}`);
}

export function numPatches(v: VisionConfig): number {
  return (v.imageSize / v.patchSize) ** 2;
}

/** timm VisionTransformer parameters (no classifier head), without the `visual.` prefix. */
export function visionParams(v: VisionConfig): ParamSpec[] {
  const D = v.width;
  const specs: ParamSpec[] = [
    { name: 'cls_token', shape: [1, 1, D] },
    { name: 'pos_embed', shape: [1, numPatches(v) + 1, D] },
    { name: 'patch_embed.proj.weight', shape: [D, v.channels, v.patchSize, v.patchSize] },
    { name: 'patch_embed.proj.bias', shape: [D] },
  ];
  for (let i = 0; i < v.depth; i++) {
    const b = `blocks.${i}.`;
    specs.push(
      { name: b + 'norm1.weight', shape: [D] },
      { name: b + 'norm1.bias', shape: [D] },
      { name: b + 'attn.qkv.weight', shape: [3 * D, D] },
      { name: b + 'attn.qkv.bias', shape: [3 * D] },
      { name: b + 'attn.proj.weight', shape: [D, D] },
      { name: b + 'attn.proj.bias', shape: [D] },
      { name: b + 'norm2.weight', shape: [D] },
      { name: b + 'norm2.bias', shape: [D] },
      { name: b + 'mlp.fc1.weight', shape: [v.mlpDim, D] },
      { name: b + 'mlp.fc1.bias', shape: [v.mlpDim] },
      { name: b + 'mlp.fc2.weight', shape: [D, v.mlpDim] },
      { name: b + 'mlp.fc2.bias', shape: [D] },
    );
  }
  specs.push({ name: 'norm.weight', shape: [D] }, { name: 'norm.bias', shape: [D] });
  return specs;
}

/** Hugging Face BertModel parameters (no pooler), without the `text.` prefix. */
export function textParams(t: TextConfig): ParamSpec[] {
  const D = t.width;
  const specs: ParamSpec[] = [
    { name: 'embeddings.word_embeddings.weight', shape: [t.vocabSize, D] },
    { name: 'embeddings.position_embeddings.weight', shape: [t.contextLength, D] },
    { name: 'embeddings.token_type_embeddings.weight', shape: [t.typeVocabSize, D] },
    { name: 'embeddings.LayerNorm.weight', shape: [D] },
    { name: 'embeddings.LayerNorm.bias', shape: [D] },
  ];
  for (let i = 0; i < t.depth; i++) {
    const l = `encoder.layer.${i}.`;
    for (const m of ['query', 'key', 'value']) specs.push({ name: `${l}attention.self.${m}.weight`, shape: [D, D] }, { name: `${l}attention.self.${m}.bias`, shape: [D] });
    specs.push(
      { name: l + 'attention.output.dense.weight', shape: [D, D] },
      { name: l + 'attention.output.dense.bias', shape: [D] },
      { name: l + 'attention.output.LayerNorm.weight', shape: [D] },
      { name: l + 'attention.output.LayerNorm.bias', shape: [D] },
      { name: l + 'intermediate.dense.weight', shape: [t.ffnDim, D] },
      { name: l + 'intermediate.dense.bias', shape: [t.ffnDim] },
      { name: l + 'output.dense.weight', shape: [D, t.ffnDim] },
      { name: l + 'output.dense.bias', shape: [D] },
      { name: l + 'output.LayerNorm.weight', shape: [D] },
      { name: l + 'output.LayerNorm.bias', shape: [D] },
    );
  }
  return specs;
}

/** Every parameter of the model, in arena order, with full names. */
export function modelParams(cfg: ModelConfig): ParamSpec[] {
  const E = cfg.embedDim;
  const specs: ParamSpec[] = [
    ...visionParams(cfg.vision).map((s) => ({ ...s, name: 'visual.' + s.name })),
    ...textParams(cfg.text).map((s) => ({ ...s, name: 'text.' + s.name })),
    { name: 'visual_proj.weight', shape: [E, cfg.vision.width] },
    { name: 'visual_proj.bias', shape: [E] },
    { name: 'text_proj.weight', shape: [E, cfg.text.width] },
    { name: 'text_proj.bias', shape: [E] },
  ];
  if (cfg.kind === 'focusclip') specs.push({ name: 'focus_alpha', shape: [] });
  if (cfg.loss === 'infonce') specs.push({ name: 'logit_scale', shape: [] });
  return specs;
}

export interface ParamCounts {
  visual: number;
  text: number;
  visual_proj: number;
  text_proj: number;
  focus_alpha: number;
  logit_scale: number;
  total: number;
}

export function countParams(cfg: ModelConfig): ParamCounts {
  const c: ParamCounts = { visual: 0, text: 0, visual_proj: 0, text_proj: 0, focus_alpha: 0, logit_scale: 0, total: 0 };
  for (const s of modelParams(cfg)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const part = s.name.split('.')[0] as keyof ParamCounts;
    c[part] += n;
    c.total += n;
  }
  return c;
}
