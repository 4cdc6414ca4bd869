// The TensorFlow.js (WebGPU backend) peer of the end-to-end benchmark: FocusCLIP / CLIP written
// with tfjs-core ops the way a TF.js user would write it (conv2d patch embedding, batched matMul
// attention, gather embeddings, autodiff through tf.variableGrads), trained with the same update
// as our trainer: global-norm clipping (torch's clip_grad_norm_ rule) then AdamW with decoupled
// weight decay on every parameter. Benchmark-only: tfjs is a dev dependency.
//
// Parity details that matter for the loss check: GELU is the erf form (torch's default and ours);
// the [PAD] word-embedding row gets no gradient (HF's padding_idx, which ours mirrors); both image
// views go through the ViT as one batch of 2B like ours; NT-Xent excludes the self-similarity.

import type * as TF from '@tensorflow/tfjs-core';
import type { TfjsPeer } from './peers.js';
import type { HostBatch, PeerCase } from './e2e-case.js';
import type { ModelConfig, TextConfig, VisionConfig } from '../model/config.js';
import { FEATURE_NORM_EPS } from '../model/feature-norm.js';

type T = TF.Tensor;

/** Large enough that exp() underflows to 0 after the softmax's max subtraction, as -inf would. */
const MASKED = -1e9;

export interface TfjsTrainer {
  /** One training step; resolves with the loss of the weights before the update and the gradient
   *  norm before clipping. */
  step(i: number): Promise<{ loss: number; gradNorm: number }>;
  /** One training step, waiting for the GPU but reading back nothing but one element. */
  stepQuiet(i: number): Promise<void>;
  dispose(): void;
}

/**
 * tfjs-core alone registers no gradients (the @tensorflow/tfjs umbrella package imports its
 * dist/register_all_gradients). That file is ES modules written for bundlers, with extensionless
 * and folder imports that Node cannot resolve, so a resolve hook adds the `.js` (or `/index.js`)
 * inside tfjs-core's dist/ while it loads. The gradients land in tfjs's global registry, shared with the package's
 * Node build that `import('@tensorflow/tfjs-core')` returns.
 */
async function registerTfjsGradients(): Promise<void> {
  const hook = `export async function resolve(specifier, context, next) {
    try { return await next(specifier, context); } catch (e) {
      const inTfjs = context.parentURL && context.parentURL.includes('/@tensorflow/tfjs-core/dist/');
      if (!inTfjs || !/^[.][.]?[/]/.test(specifier) || specifier.endsWith('.js')) throw e;
      if (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw e;
      // A bundler's order: the file, then the folder's index.
      try { return await next(specifier + '.js', context); } catch { return next(specifier + '/index.js', context); }
    }
  }`;
  const { register } = await import('node:module');
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
}

export async function tfjsTrainer(peer: TfjsPeer, c: PeerCase): Promise<TfjsTrainer> {
  await registerTfjsGradients();
  const { tf } = peer;
  const cfg = c.config;
  if (cfg.loss === 'infonce') throw new Error('TF.js peer: the InfoNCE loss is not mirrored; benchmark CLIP with loss "ntxent" (the default for kind clip).');
  if (c.train.optimizer !== 'adamw') throw new Error(`TF.js peer: only the AdamW recipe is mirrored, got optimizer "${c.train.optimizer}".`);
  const vars = new Map<string, TF.Variable>();
  for (const [name, p] of c.params) vars.set(name, tf.variable(tf.tensor(p.data, p.shape), true, `p_${name}`));
  const m = new Map<string, TF.Variable>();
  const v = new Map<string, TF.Variable>();
  for (const [name, p] of vars) {
    m.set(name, tf.variable(tf.zerosLike(p), false));
    v.set(name, tf.variable(tf.zerosLike(p), false));
  }
  const P = (n: string): T => {
    const t = vars.get(n);
    if (!t) throw new Error(`TF.js peer: no parameter "${n}"`);
    return t;
  };
  const { B, S, L } = c.batches[0];
  /** A step's batch as tensors; made inside the step's tape, so freed with its temporaries. */
  const upload = (hb: HostBatch) => {
    if (hb.B !== B) throw new Error(`TF.js peer: every batch must have ${B} samples, got ${hb.B}.`);
    const ids = tf.tensor2d(hb.ids, [B, L], 'int32');
    const mask = tf.tensor2d(hb.mask, [B, L]);
    return {
      pixels: tf.tensor4d(hb.pixels, [B, 3, S, S]),
      heatmap: hb.heatmap ? tf.tensor4d(hb.heatmap, [B, 1, S, S]) : undefined,
      ids,
      mask,
      notPad: tf.expandDims(tf.cast(tf.notEqual(ids, 0), 'float32'), 2), // [B, L, 1]
      keyBias: tf.reshape(tf.mul(tf.sub(1, mask), MASKED), [B, 1, 1, L]),
    };
  };
  type Inputs = ReturnType<typeof upload>;
  // HF's padding_idx: the [PAD] row's forward value is used, its gradient is dropped.
  const dropPadGradient = tf.customGrad((...args) => ({ value: tf.clone(args[0] as T), gradFunc: (dy: T | T[]) => [tf.mul(dy as T, args[1] as T), tf.zerosLike(args[1] as T)] }));
  const ntx = new Map<number, { diag: T; onehot: T }>();
  const ntxConst = (n: number) => {
    let k = ntx.get(n);
    if (!k) {
      const half = n / 2;
      const target = tf.tensor1d(Array.from({ length: n }, (_, r) => (r < half ? r + half : r - half)), 'int32');
      // Made inside the first step's tidy: kept, or they would be freed with its temporaries.
      k = { diag: tf.keep(tf.mul(tf.eye(n), MASKED)), onehot: tf.keep(tf.oneHot(target, n)) };
      target.dispose();
      ntx.set(n, k);
    }
    return k;
  };

  const linear = (x: T, w: string, b: string): T => {
    const shape = x.shape;
    const y = tf.add(tf.matMul(tf.reshape(x, [-1, shape[shape.length - 1]]), P(w), false, true), P(b));
    return tf.reshape(y, [...shape.slice(0, -1), y.shape[1]!]);
  };
  const layerNorm = (x: T, g: string, b: string, eps: number): T => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), P(g)), P(b));
  };
  const gelu = (x: T): T => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const heads = (x: T, h: number): T => {
    const [b, s, d] = x.shape;
    return tf.transpose(tf.reshape(x, [b, s, h, d / h]), [0, 2, 1, 3]);
  };
  const merge = (x: T): T => {
    const [b, h, s, hd] = x.shape;
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, s, h * hd]);
  };
  const attention = (q: T, k: T, val: T, bias?: T): T => {
    let s = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(q.shape[3]!));
    if (bias) s = tf.add(s, bias);
    return tf.matMul(tf.softmax(s), val);
  };

  // model/feature-norm.ts: BatchNorm1d without affine on the pooled features, batch statistics per
  // group of rows (FocusCLIP's raw and focused views are normalised apart), biased variance.
  const featureNorm = (f: T, groups: number): T => {
    if (c.config.featureNorm !== 'batch') return f;
    const [N, D] = f.shape as [number, number];
    const g = tf.reshape(f, [groups, N / groups, D]);
    const centred = tf.sub(g, tf.mean(g, 1, true));
    const variance = tf.mean(tf.mul(centred, centred), 1, true);
    return tf.reshape(tf.div(centred, tf.sqrt(tf.add(variance, FEATURE_NORM_EPS))), [N, D]);
  };

  const vit = (x: T, vc: VisionConfig, groups = 1): T => {
    const n = x.shape[0];
    const D = vc.width;
    const p = (k: string) => `visual.${k}`;
    // Patch embedding as the conv it is (NHWC, the layout tfjs convolves in).
    const filt = tf.transpose(P(p('patch_embed.proj.weight')), [2, 3, 1, 0]) as TF.Tensor4D;
    const conv = tf.add(tf.conv2d(tf.transpose(x, [0, 2, 3, 1]) as TF.Tensor4D, filt, vc.patchSize, 'valid'), P(p('patch_embed.proj.bias')));
    const N = (vc.imageSize / vc.patchSize) ** 2;
    const cls = tf.tile(P(p('cls_token')), [n, 1, 1]);
    let h = tf.add(tf.concat([cls, tf.reshape(conv, [n, N, D])], 1), P(p('pos_embed')));
    for (let i = 0; i < vc.depth; i++) {
      const b = (k: string) => p(`blocks.${i}.${k}`);
      const qkv = tf.split(linear(layerNorm(h, b('norm1.weight'), b('norm1.bias'), vc.lnEps), b('attn.qkv.weight'), b('attn.qkv.bias')), 3, 2);
      const a = attention(heads(qkv[0], vc.heads), heads(qkv[1], vc.heads), heads(qkv[2], vc.heads));
      h = tf.add(h, linear(merge(a), b('attn.proj.weight'), b('attn.proj.bias')));
      const f = linear(gelu(linear(layerNorm(h, b('norm2.weight'), b('norm2.bias'), vc.lnEps), b('mlp.fc1.weight'), b('mlp.fc1.bias'))), b('mlp.fc2.weight'), b('mlp.fc2.bias'));
      h = tf.add(h, f);
    }
    const clsOut = tf.reshape(tf.slice(h, [0, 0, 0], [n, 1, D]), [n, D]);
    return linear(featureNorm(layerNorm(clsOut, p('norm.weight'), p('norm.bias'), vc.lnEps), groups), 'visual_proj.weight', 'visual_proj.bias');
  };

  const bert = (tc: TextConfig, { ids, mask, notPad, keyBias }: Inputs): T => {
    const p = (k: string) => `text.${k}`;
    const D = tc.width;
    const words = dropPadGradient(tf.gather(P(p('embeddings.word_embeddings.weight')), ids), notPad);
    const pos = tf.slice(P(p('embeddings.position_embeddings.weight')), [0, 0], [L, D]);
    const type0 = tf.slice(P(p('embeddings.token_type_embeddings.weight')), [0, 0], [1, D]);
    let x = layerNorm(tf.add(tf.add(words, pos), type0), p('embeddings.LayerNorm.weight'), p('embeddings.LayerNorm.bias'), tc.lnEps);
    for (let i = 0; i < tc.depth; i++) {
      const l = (k: string) => p(`encoder.layer.${i}.${k}`);
      const proj = (k: string) => heads(linear(x, l(`attention.self.${k}.weight`), l(`attention.self.${k}.bias`)), tc.heads);
      const a = attention(proj('query'), proj('key'), proj('value'), keyBias);
      x = layerNorm(tf.add(x, linear(merge(a), l('attention.output.dense.weight'), l('attention.output.dense.bias'))), l('attention.output.LayerNorm.weight'), l('attention.output.LayerNorm.bias'), tc.lnEps);
      const f = linear(gelu(linear(x, l('intermediate.dense.weight'), l('intermediate.dense.bias'))), l('output.dense.weight'), l('output.dense.bias'));
      x = layerNorm(tf.add(x, f), l('output.LayerNorm.weight'), l('output.LayerNorm.bias'), tc.lnEps);
    }
    let pooled: T;
    if (tc.pooling === 'mean-all') pooled = tf.mean(x, 1);
    else if (tc.pooling === 'cls') pooled = tf.reshape(tf.slice(x, [0, 0, 0], [B, 1, D]), [B, D]);
    else pooled = tf.div(tf.sum(tf.mul(x, tf.expandDims(mask, 2)), 1), tf.sum(mask, 1, true));
    return linear(featureNorm(pooled, 1), 'text_proj.weight', 'text_proj.bias');
  };

  const ntXent = (a: T, b: T, temperature: number): T => {
    const z = tf.concat([a, b], 0);
    const zn = tf.div(z, tf.maximum(tf.norm(z, 2, 1, true), 1e-12));
    const k = ntxConst(z.shape[0]);
    const sims = tf.add(tf.mul(tf.matMul(zn, zn, false, true), 1 / temperature), k.diag);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(sims), k.onehot), 1)));
  };

  const lossFn = (model: ModelConfig, hb: HostBatch): TF.Scalar => {
    const T = model.temperature;
    const inputs = upload(hb);
    const { pixels, heatmap } = inputs;
    const zT = bert(model.text, inputs);
    const center = (x: T) => (model.centerPixels ? tf.sub(tf.mul(x, 2), 1) : x);
    if (model.kind === 'clip') return ntXent(vit(center(pixels), model.vision), zT, T) as TF.Scalar;
    if (!heatmap) throw new Error('TF.js peer: a FocusCLIP case needs input.heatmap');
    const alpha = model.clampAlpha ? tf.clipByValue(P('focus_alpha'), 0, 1) : P('focus_alpha');
    const focused = tf.mul(pixels, tf.add(alpha, tf.mul(tf.sub(1, alpha), heatmap)));
    const both = vit(center(tf.concat([pixels, focused], 0)), model.vision, 2);
    const zI = tf.slice(both, [0, 0], [B, -1]);
    const zM = tf.slice(both, [B, 0], [B, -1]);
    let loss = tf.add(ntXent(zM, zT, T), ntXent(zI, zT, T));
    if (model.loss === 'focus3') loss = tf.add(ntXent(zM, zI, T), loss);
    return loss as TF.Scalar;
  };

  // addN binds every input at once and WebGPU allows 8 storage buffers per stage: add in sevens.
  const sumAll = (xs: T[]): T => {
    while (xs.length > 1) {
      const next: T[] = [];
      for (let i = 0; i < xs.length; i += 7) next.push(xs.length - i === 1 ? xs[i] : tf.addN(xs.slice(i, i + 7)));
      xs = next;
    }
    return xs[0];
  };

  const tr = c.train;
  const varList = [...vars.values()];
  /** Forward + backward + clip + AdamW; returns the loss and the gradient norm (kept). */
  const record = (i: number): [TF.Scalar, T] => {
    const lr = tr.lrs[Math.min(i, tr.lrs.length - 1)];
    const t = i + 1;
    const bc1 = 1 - tr.beta1 ** t;
    const sqrtBc2 = Math.sqrt(1 - tr.beta2 ** t);
    const { value, grads } = tf.variableGrads(() => lossFn(cfg, c.batches[Math.min(i, c.batches.length - 1)]), varList);
    const gradNorm = tf.tidy(() => {
      const names = Object.keys(grads);
      const norm = tf.sqrt(sumAll(names.map((n) => tf.sum(tf.square(grads[n])))));
      const coef = tr.clipNorm > 0 ? tf.minimum(1, tf.div(tr.clipNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      for (const n of names) {
        const name = n.slice(2);
        const g = tf.mul(grads[n], coef);
        const mi = tf.add(tf.mul(m.get(name)!, tr.beta1), tf.mul(g, 1 - tr.beta1));
        const vi = tf.add(tf.mul(v.get(name)!, tr.beta2), tf.mul(tf.square(g), 1 - tr.beta2));
        m.get(name)!.assign(mi);
        v.get(name)!.assign(vi);
        const w = vars.get(name)!;
        const decayed = tf.mul(w, 1 - lr * tr.weightDecay);
        w.assign(tf.sub(decayed, tf.mul(lr / bc1, tf.div(mi, tf.add(tf.div(tf.sqrt(vi), sqrtBc2), 1e-8)))));
      }
      return norm;
    });
    for (const g of Object.values(grads)) g.dispose();
    return [value, gradNorm];
  };

  return {
    async step(i) {
      const [loss, norm] = record(i);
      const out = { loss: (await loss.data())[0], gradNorm: (await norm.data())[0] };
      loss.dispose();
      norm.dispose();
      return out;
    },
    async stepQuiet(i) {
      const [loss, norm] = record(i);
      await peer.wait(loss);
      loss.dispose();
      norm.dispose();
    },
    dispose() {
      for (const t of [...vars.values(), ...m.values(), ...v.values()]) t.dispose();
      for (const k of ntx.values()) {
        k.diag.dispose();
        k.onehot.dispose();
      }
    },
  };
}
