// Where the ViT looks: attention rollout (Abnar & Zuidema 2020) of the CLS token over the image
// patches, and how much of that attention falls inside the subject's heatmap region. The fused
// attention kernel never materialises the S x S probabilities, so they are recomputed here from
// the queries and keys that vitForward hands to its hook; the rest is float64 on the host.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { VisionConfig } from './config.js';
import type { FocusClipModel } from './focusclip.js';
import { vitForward, type ParamLookup } from './vit.js';
import { attentionProbs } from './attention.js';


/**
 * Head-averaged attention probabilities of every block, one Float32Array [B, S, S] per layer
 * (S = patches + 1, CLS first; row i = how query token i spreads its attention over the keys).
 * `pixels` is what the ViT itself takes: preprocess as the model does (see modelAttentionShare).
 */
export async function vitAttentionMaps(e: Engine, v: VisionConfig, p: ParamLookup, pixels: Tensor): Promise<Float32Array[]> {
  const maps = e.noGrad(() =>
    e.scope(() => {
      const out: Tensor[] = [];
      // Mean over heads: [B, H, S, S] -> [B, S, S].
      vitForward(e, v, p, pixels, 'auto', (_layer, q, k) => out.push(e.ops.mean(attentionProbs(e, q, k), 1)));
      return out;
    }),
  );
  try {
    const host: Float32Array[] = [];
    for (const m of maps) host.push((await m.toArray()) as Float32Array);
    return host;
  } finally {
    for (const m of maps) m.dispose();
  }
}

/**
 * CLS rollout [B, S-1] over the patch tokens, each image's row summing to 1. Per layer
 * A' = (A + I) / 2 with rows renormalised (the residual stream carries half of each token through),
 * R = A'_L ... A'_1; only R's CLS row is needed, so it is carried as a row vector from the last
 * layer down (O(L S^2) instead of O(L S^3)).
 */
export function attentionRollout(maps: Float32Array[], B: number, S: number): Float64Array {
  if (!maps.length) throw new Error('attentionRollout: no attention maps (a ViT of depth 0?); pass one [B, S, S] map per layer.');
  if (!(Number.isInteger(B) && B > 0 && Number.isInteger(S) && S > 1)) throw new Error(`attentionRollout: need B >= 1 images and S >= 2 tokens (CLS + patches), got B=${B}, S=${S}.`);
  maps.forEach((m, l) => {
    if (m.length !== B * S * S) throw new Error(`attentionRollout: layer ${l} map has ${m.length} values, expected B*S*S = ${B}*${S}*${S} = ${B * S * S}; check B and S (S = patches + 1).`);
  });
  const N = S - 1;
  const out = new Float64Array(B * N);
  let r = new Float64Array(S);
  let next = new Float64Array(S);
  const row = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    r.fill(0);
    r[0] = 1;
    for (let l = maps.length - 1; l >= 0; l--) {
      const A = maps[l];
      next.fill(0);
      for (let i = 0; i < S; i++) {
        if (r[i] === 0) continue;
        let sum = 0;
        for (let j = 0; j < S; j++) {
          row[j] = 0.5 * A[(b * S + i) * S + j] + (i === j ? 0.5 : 0);
          sum += row[j];
        }
        const w = r[i] / sum;
        for (let j = 0; j < S; j++) next[j] += w * row[j];
      }
      [r, next] = [next, r];
    }
    let mass = 0;
    for (let j = 1; j < S; j++) mass += r[j];
    if (!(mass > 0)) throw new Error(`attentionRollout: image ${b} gives its patches no attention mass (${mass}); the maps are not probabilities (NaN or negative values?).`);
    for (let j = 1; j < S; j++) out[b * N + j - 1] = r[j] / mass;
  }
  return out;
}

/** Mean heatmap value per patch, [B, N] in patchify's order (row-major grid). `heatmap` is [B, size, size] or [B, 1, size, size]. */
export function patchMeans(heatmap: Float32Array, B: number, size: number, patch: number): Float64Array {
  if (!(patch > 0 && size % patch === 0)) throw new Error(`patchMeans: image size ${size} is not a multiple of the patch size ${patch}; use the ViT's imageSize and patchSize.`);
  if (heatmap.length !== B * size * size) throw new Error(`patchMeans: heatmap has ${heatmap.length} values, expected B*size*size = ${B}*${size}*${size} = ${B * size * size}; resize heatmaps to the model's image size.`);
  const g = size / patch;
  const out = new Float64Array(B * g * g);
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) out[b * g * g + Math.floor(y / patch) * g + Math.floor(x / patch)] += heatmap[(b * size + y) * size + x];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= patch * patch;
  return out;
}

export interface Share {
  perImage: Float64Array;
  mean: number;
}

function checkPatchArrays(what: string, arrays: Record<string, Float64Array>, B: number, N: number): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (a.length !== B * N) throw new Error(`${what}: ${name} has ${a.length} values, expected B*N = ${B}*${N} = ${B * N} (images x patches).`);
  }
}

const meanOf = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / a.length;

/** Per image Σ r_p h_p / Σ r_p: the rollout mass weighted by the soft heatmap region, and its mean. */
export function attentionShare(rollout: Float64Array, patchHeat: Float64Array, B: number, N: number): Share {
  checkPatchArrays('attentionShare', { rollout, patchHeat }, B, N);
  const perImage = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let num = 0;
    let den = 0;
    for (let p = 0; p < N; p++) {
      num += rollout[b * N + p] * patchHeat[b * N + p];
      den += rollout[b * N + p];
    }
    if (!(den > 0)) throw new Error(`attentionShare: image ${b} has no rollout mass (${den}); pass attentionRollout's output.`);
    perImage[b] = num / den;
  }
  return { perImage, mean: meanOf(perImage) };
}

/** The share uniform attention would get (Σ h_p / N): the baseline a model's share should beat. */
export function uniformShare(patchHeat: Float64Array, B: number, N: number): Share {
  checkPatchArrays('uniformShare', { patchHeat }, B, N);
  const perImage = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let p = 0; p < N; p++) s += patchHeat[b * N + p];
    perImage[b] = s / N;
  }
  return { perImage, mean: meanOf(perImage) };
}

export interface ModelAttentionShare {
  /** Mean share of CLS rollout mass inside the heatmap region. */
  mean: number;
  /** What uniform attention would score on the same heatmaps. */
  uniform: number;
  perImage: Float64Array;
  /** [n, patches], each row summing to 1 (for pictures: eval/attention-picture.ts). */
  rollout: Float64Array;
}

/**
 * Rollout and heatmap share of a model's ViT on n images: pixels [n, 3, S, S] in [0, 1] (raw, as
 * encodeImage takes them), heatmaps [n, S, S] or [n, 1, S, S] in [0, 1], S = the model's imageSize.
 */
export async function modelAttentionShare(
  e: Engine,
  model: FocusClipModel,
  pixels: Float32Array,
  heatmaps: Float32Array,
  n: number,
  opts: { batch?: number } = {},
): Promise<ModelAttentionShare> {
  const v = model.config.vision;
  const S = v.imageSize;
  const per = v.channels * S * S;
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`modelAttentionShare: n must be a positive number of images, got ${n}.`);
  if (pixels.length !== n * per) throw new Error(`modelAttentionShare: pixels has ${pixels.length} values, expected n*${v.channels}*${S}*${S} = ${n * per} for n=${n}; resize images to ${S}x${S}.`);
  if (heatmaps.length !== n * S * S) throw new Error(`modelAttentionShare: heatmaps has ${heatmaps.length} values, expected n*${S}*${S} = ${n * S * S} for n=${n}; resize heatmaps to ${S}x${S}.`);
  const batch = Math.max(1, opts.batch ?? 32);
  const tokens = (S / v.patchSize) ** 2 + 1;
  const N = tokens - 1;
  const rollout = new Float64Array(n * N);
  const p: ParamLookup = (name) => model.param('visual.' + name);
  for (let i0 = 0; i0 < n; i0 += batch) {
    const b = Math.min(batch, n - i0);
    const x = e.noGrad(() =>
      e.scope(() => {
        // The model's own input transform, so these are inference's maps.
        return model.vitInput(e.tensor(pixels.subarray(i0 * per, (i0 + b) * per), [b, v.channels, S, S]));
      }),
    );
    let maps: Float32Array[];
    try {
      maps = await vitAttentionMaps(e, v, p, x);
    } finally {
      x.dispose();
    }
    rollout.set(attentionRollout(maps, b, tokens), i0 * N);
  }
  const heat = patchMeans(heatmaps, n, S, v.patchSize);
  const share = attentionShare(rollout, heat, n, N);
  return { mean: share.mean, uniform: uniformShare(heat, n, N).mean, perImage: share.perImage, rollout };
}
