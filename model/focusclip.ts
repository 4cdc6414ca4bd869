// FocusCLIP and CLIP (FOCUSCLIP.md sections 1 and 3): one ViT + projection shared by the raw image
// and the heatmap-focused image, a BERT text encoder + projection, and the contrastive loss. CLIP
// is the same model without the heatmap branch. All parameters live in one engine arena and their
// gradients in a second arena of the same layout (param.grad is the view, so autograd accumulates
// straight into it and the optimiser sees two flat buffers).

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { modelParams, validateConfig, type ModelConfig } from './config.js';
import { initialValue } from './init.js';
import { vitForward } from './vit.js';
import { bertForward, poolText } from './text.js';
import { infoNce, LossIndices, ntXent } from './losses.js';
import type { AttentionImpl } from './attention.js';
import { batchNormalize, featureNormSpecs, FeatureMoments } from './feature-norm.js';

export interface Batch {
  /** [B, 3, S, S] f32 in [0, 1]. */
  pixels: Tensor;
  /** [B, 1, S, S] f32 in [0, 1]; required for FocusCLIP. */
  heatmap?: Tensor;
  /** [B, L] i32 token ids. */
  ids: Tensor;
  /** [B, L] f32, 1 = token, 0 = padding. */
  mask: Tensor;
}

export interface LossResult {
  loss: Tensor;
  /** Each contrastive term by pair name: 'focus-image', 'focus-text', 'image-text'. */
  terms: Record<string, Tensor>;
  /** Embeddings (unnormalised projections), for logging and the golden test. */
  z: { image: Tensor; text: Tensor; focus?: Tensor };
}

export interface ModelOptions {
  seed?: number;
  attention?: AttentionImpl;
  /** Skip initialisation (the caller loads a checkpoint next). */
  noInit?: boolean;
}

export class FocusClipModel {
  readonly params: Map<string, Tensor>;
  readonly grads: Map<string, Tensor>;
  /** The whole parameter / gradient arenas as flat f32 tensors (for fused optimiser kernels). */
  readonly paramsFlat: Tensor;
  readonly gradsFlat: Tensor;
  /** Inference statistics of the feature normalisation (empty without featureNorm 'batch'). */
  readonly buffers: Map<string, Tensor>;
  private idx: LossIndices;
  private attn: AttentionImpl;

  constructor(
    readonly engine: Engine,
    readonly config: ModelConfig,
    opts: ModelOptions = {},
  ) {
    validateConfig(config);
    const specs = modelParams(config);
    const p = engine.arena('params', specs);
    const g = engine.arena('grads', specs);
    this.params = p.tensors;
    this.grads = g.tensors;
    this.paramsFlat = p.all;
    this.gradsFlat = g.all;
    for (const [name, t] of this.params) {
      t.requiresGrad = true;
      t.grad = this.grads.get(name)!;
    }
    const bufSpecs = featureNormSpecs(config);
    this.buffers = bufSpecs.length ? engine.arena('buffers', bufSpecs).tensors : new Map();
    this.resetFeatureStats();
    this.idx = new LossIndices(engine);
    this.attn = opts.attention ?? 'auto';
    if (!opts.noInit) this.initialize(opts.seed ?? 0);
  }

  get isFocus(): boolean {
    return this.config.kind === 'focusclip';
  }

  param(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`No parameter "${name}" in this ${this.config.kind} model (preset ${this.config.preset}).`);
    return t;
  }

  /** Fresh values from a seed, written with one upload. */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    const host = new Float32Array(this.paramsFlat.size);
    for (const spec of modelParams(this.config)) {
      const t = this.params.get(spec.name)!;
      host.set(initialValue(this.config, spec, rng), t.offset / 4);
    }
    this.engine.write(this.paramsFlat, host);
  }

  /** Parameters and buffers: everything a checkpoint holds about the model. */
  get weights(): Map<string, Tensor> {
    return new Map([...this.params, ...this.buffers]);
  }

  /** Identity statistics (mean 0, variance 1) until calibrated. */
  resetFeatureStats(): void {
    for (const [name, t] of this.buffers) this.engine.write(t, new Float32Array(t.size).fill(name.endsWith('running_var') ? 1 : 0));
  }

  /**
   * Measure the inference statistics of the feature normalisation over batches of training
   * samples (raw images and captions, as zero-shot inference sees them); no gradients, no
   * parameter changes.
   */
  async calibrateFeatureStats(batches: Iterable<{ pixels: Tensor; ids: Tensor; mask: Tensor }>): Promise<void> {
    if (!this.buffers.size) return;
    const e = this.engine;
    const img = new FeatureMoments(this.config.vision.width);
    const txt = new FeatureMoments(this.config.text.width);
    for (const b of batches) {
      const [fi, ft] = e.scope(() => e.noGrad(() => [this.imageFeatures(b.pixels), this.textFeatures(b.ids, b.mask)]));
      img.add((await fi.toArray()) as Float32Array);
      txt.add((await ft.toArray()) as Float32Array);
      fi.dispose();
      ft.dispose();
    }
    for (const [tower, m] of [['visual', img], ['text', txt]] as const) {
      const r = m.result();
      e.write(this.buffers.get(`${tower}_norm.running_mean`)!, r.mean);
      e.write(this.buffers.get(`${tower}_norm.running_var`)!, r.var);
    }
  }

  private normStats(tower: 'visual' | 'text') {
    return { mean: this.buffers.get(`${tower}_norm.running_mean`)!, var: this.buffers.get(`${tower}_norm.running_var`)! };
  }

  zeroGrad(): void {
    this.engine.clear(this.gradsFlat);
    for (const g of this.grads.values()) g.knownZero = true;
  }

  private prefixed(prefix: string) {
    return (n: string) => this.param(prefix + n);
  }

  /** What the ViT sees of [0, 1] pixels (2x - 1 for the from-scratch presets). */
  vitInput(pixels: Tensor): Tensor {
    const e = this.engine;
    return this.config.centerPixels ? e.ops.add(e.ops.mul(pixels, 2), -1) : pixels;
  }

  /** Pooled ViT features [B, width] (before normalisation and projection). */
  imageFeatures(pixels: Tensor): Tensor {
    return vitForward(this.engine, this.config.vision, this.prefixed('visual.'), this.vitInput(pixels), this.attn);
  }

  /**
   * Projected image embeddings [B, embedDim] (not L2-normalised). With featureNorm 'batch',
   * `batchStats` normalises with the statistics of each group of rows (training; groups: views
   * stacked in one batch), otherwise with the calibrated inference statistics.
   */
  encodeImage(pixels: Tensor, o: { batchStats?: boolean; groups?: number } = {}): Tensor {
    return this.project('visual', this.imageFeatures(pixels), o);
  }

  private project(tower: 'visual' | 'text', f: Tensor, o: { batchStats?: boolean; groups?: number }): Tensor {
    const e = this.engine;
    if (this.config.featureNorm === 'batch') f = batchNormalize(e, f, o.batchStats ? { groups: o.groups } : { stats: this.normStats(tower) });
    return e.nn.linear(f, this.param(`${tower}_proj.weight`), this.param(`${tower}_proj.bias`));
  }

  /** I * (a + (1 - a) H) with the learnable a. */
  focusImage(pixels: Tensor, heatmap: Tensor): Tensor {
    return this.engine.nn.focus(pixels, heatmap, this.param('focus_alpha'), { clampA: this.config.clampAlpha });
  }

  /** Pooled text features [B, width] (before normalisation and projection). */
  textFeatures(ids: Tensor, mask: Tensor): Tensor {
    const t = this.config.text;
    return poolText(this.engine, t, bertForward(this.engine, t, this.prefixed('text.'), ids, mask, this.attn), mask);
  }

  /** Projected text embeddings [B, embedDim] (not L2-normalised); `batchStats` as for encodeImage. */
  encodeText(ids: Tensor, mask: Tensor, o: { batchStats?: boolean; groups?: number } = {}): Tensor {
    return this.project('text', this.textFeatures(ids, mask), o);
  }

  loss(batch: Batch): LossResult {
    const e = this.engine;
    const cfg = this.config;
    const B = batch.pixels.shape[0];
    if (batch.ids.shape[0] !== B) throw new Error(`loss: ${B} images but ${batch.ids.shape[0]} captions in the batch.`);
    const zT = this.encodeText(batch.ids, batch.mask, { batchStats: true });
    const T = cfg.temperature;
    if (!this.isFocus) {
      const zI = this.encodeImage(batch.pixels, { batchStats: true });
      const l = cfg.loss === 'infonce' ? infoNce(e, this.idx, zI, zT, this.param('logit_scale')) : ntXent(e, this.idx, zI, zT, T);
      return { loss: l, terms: { 'image-text': l }, z: { image: zI, text: zT } };
    }
    if (!batch.heatmap) throw new Error('loss: a FocusCLIP batch needs heatmaps [B, 1, S, S] (or build the model with kind "clip").');
    // Both views through the shared ViT as one batch of 2B: same result, one pass of bigger GEMMs.
    const focused = this.focusImage(batch.pixels, batch.heatmap);
    const both = this.encodeImage(e.ops.concat([batch.pixels, focused], 0), { batchStats: true, groups: 2 });
    const zI = e.ops.slice(both, 0, 0, B);
    const zM = e.ops.slice(both, 0, B, 2 * B);
    const terms: Record<string, Tensor> = {};
    if (cfg.loss === 'focus3') terms['focus-image'] = ntXent(e, this.idx, zM, zI, T);
    terms['focus-text'] = ntXent(e, this.idx, zM, zT, T);
    terms['image-text'] = ntXent(e, this.idx, zI, zT, T);
    const vals = Object.values(terms);
    let loss = vals[0];
    for (const v of vals.slice(1)) loss = e.ops.add(loss, v);
    return { loss, terms, z: { image: zI, text: zT, focus: zM } };
  }

  dispose(): void {
    this.idx.dispose();
  }
}

export function createModel(engine: Engine, config: ModelConfig, opts: ModelOptions = {}): FocusClipModel {
  return new FocusClipModel(engine, config, opts);
}
