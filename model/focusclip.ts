// FocusCLIP and CLIP (FOCUSCLIP.md sections 1 and 3): one ViT + projection shared by the raw image
// and the heatmap-focused image, a BERT text encoder + projection, and the contrastive loss. CLIP
// is the same model without the heatmap branch. All parameters live in one engine arena and their
// gradients in a second arena of the same layout (param.grad is the view, so autograd accumulates
// straight into it and the optimiser sees two flat buffers).

import type { Engine } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { focus } from '../kernels/focus.js';
import { modelParams, validateConfig, type ModelConfig } from './config.js';
import { initialValue } from './init.js';
import { vitForward } from './vit.js';
import { bertForward, poolText } from './text.js';
import { infoNce, LossIndices, ntXent } from './losses.js';
import type { AttentionImpl } from './attention.js';

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

  zeroGrad(): void {
    this.engine.clear(this.gradsFlat);
  }

  private prefixed(prefix: string) {
    return (n: string) => this.param(prefix + n);
  }

  /** Projected image embeddings [B, embedDim] (not normalised). */
  encodeImage(pixels: Tensor): Tensor {
    const e = this.engine;
    const x = this.config.centerPixels ? e.ops.add(e.ops.mul(pixels, 2), -1) : pixels;
    const f = vitForward(e, this.config.vision, this.prefixed('visual.'), x, this.attn);
    return this.engine.nn.linear(f, this.param('visual_proj.weight'), this.param('visual_proj.bias'));
  }

  /** I * (a + (1 - a) H) with the learnable a. */
  focusImage(pixels: Tensor, heatmap: Tensor): Tensor {
    return focus(this.engine, pixels, heatmap, this.param('focus_alpha'), { clampA: this.config.clampAlpha });
  }

  /** Projected text embeddings [B, embedDim] (not normalised). */
  encodeText(ids: Tensor, mask: Tensor): Tensor {
    const t = this.config.text;
    const h = bertForward(this.engine, t, this.prefixed('text.'), ids, mask, this.attn);
    return this.engine.nn.linear(poolText(this.engine, t, h, mask), this.param('text_proj.weight'), this.param('text_proj.bias'));
  }

  loss(batch: Batch): LossResult {
    const e = this.engine;
    const cfg = this.config;
    const B = batch.pixels.shape[0];
    if (batch.ids.shape[0] !== B) throw new Error(`loss: ${B} images but ${batch.ids.shape[0]} captions in the batch.`);
    const zT = this.encodeText(batch.ids, batch.mask);
    const T = cfg.temperature;
    if (!this.isFocus) {
      const zI = this.encodeImage(batch.pixels);
      const l = cfg.loss === 'infonce' ? infoNce(e, this.idx, zI, zT, this.param('logit_scale')) : ntXent(e, this.idx, zI, zT, T);
      return { loss: l, terms: { 'image-text': l }, z: { image: zI, text: zT } };
    }
    if (!batch.heatmap) throw new Error('loss: a FocusCLIP batch needs heatmaps [B, 1, S, S] (or build the model with kind "clip").');
    // Both views through the shared ViT as one batch of 2B: same result, one pass of bigger GEMMs.
    const focused = this.focusImage(batch.pixels, batch.heatmap);
    const both = this.encodeImage(e.ops.concat([batch.pixels, focused], 0));
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
