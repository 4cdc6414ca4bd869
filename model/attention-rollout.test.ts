// Attention rollout: the GPU attention maps against a float64 ViT written out here, the rollout
// against a hand-computed example, the heatmap share against cases with known answers, and the
// picture's layout.

import { describe, expect, it } from 'vitest';
import { useEngine, randArray, toF32 } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';
import { erf64 } from '../kernels/gemm-reference.js';
import { makeModelConfig, type VisionConfig } from './config.js';
import { createModel, type FocusClipModel } from './focusclip.js';
import { attentionRollout, attentionShare, modelAttentionShare, patchMeans, uniformShare, vitAttentionMaps } from './attention-rollout.js';
import { attentionGrid } from '../eval/attention-picture.js';
import { createImage } from '../data/image.js';

const getEngine = useEngine();

const CFG = makeModelConfig('tiny', {
  vision: { imageSize: 24, patchSize: 8, width: 16, depth: 2, heads: 2, mlpDim: 32 },
  text: { vocabSize: 16, contextLength: 4, width: 8, depth: 1, heads: 2, ffnDim: 16 },
  embedDim: 8,
});
const V = CFG.vision;
const B = 3;
const N = (V.imageSize / V.patchSize) ** 2;
const S = N + 1;

/** Random parameters (gains near 1, the rest ~0.3) so the attention is far from uniform; host copies by name. */
function randomModel(seed: number): { model: FocusClipModel; host: Map<string, Float64Array> } {
  const model = createModel(getEngine(), CFG, { noInit: true });
  const rng = new Rng(seed);
  const flat = new Float32Array(model.paramsFlat.size);
  const host = new Map<string, Float64Array>();
  for (const [name, t] of model.params) {
    const isGain = /norm\d?\.weight$|LayerNorm\.weight$/.test(name);
    const v = Float32Array.from({ length: t.size }, () => (isGain ? 1 + 0.2 * rng.normal() : 0.3 * rng.normal()));
    flat.set(v, t.offset / 4);
    host.set(name, Float64Array.from(v));
  }
  getEngine().write(model.paramsFlat, flat);
  return { model, host };
}

// ------------------------------------------------------------------ float64 reference ViT

/** x [R, in] W^T [in, out] + b. */
function linear(x: Float64Array, R: number, W: Float64Array, b: Float64Array, out: number): Float64Array {
  const inn = W.length / out;
  const y = new Float64Array(R * out);
  for (let r = 0; r < R; r++)
    for (let o = 0; o < out; o++) {
      let s = b[o];
      for (let i = 0; i < inn; i++) s += x[r * inn + i] * W[o * inn + i];
      y[r * out + o] = s;
    }
  return y;
}

function layerNorm(x: Float64Array, D: number, g: Float64Array, b: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let mu = 0;
    for (let i = 0; i < D; i++) mu += x[r * D + i] / D;
    let varr = 0;
    for (let i = 0; i < D; i++) varr += (x[r * D + i] - mu) ** 2 / D;
    for (let i = 0; i < D; i++) y[r * D + i] = ((x[r * D + i] - mu) / Math.sqrt(varr + eps)) * g[i] + b[i];
  }
  return y;
}

const gelu = (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2));

/** Head-averaged attention probabilities [S, S] per layer for each image, from timm's ViT forward in float64. */
function referenceMaps(v: VisionConfig, P: (n: string) => Float64Array, pixels: Float64Array, nImg: number): Float64Array[] {
  const { imageSize: I, patchSize: p, channels: C, width: D, heads: H } = v;
  const g = I / p;
  const hd = D / H;
  const maps = Array.from({ length: v.depth }, () => new Float64Array(nImg * S * S));
  for (let n = 0; n < nImg; n++) {
    // Patch rows ordered (c, py, px), as the conv weight.
    const rows = new Float64Array(N * C * p * p);
    for (let gy = 0; gy < g; gy++)
      for (let gx = 0; gx < g; gx++)
        for (let c = 0; c < C; c++)
          for (let py = 0; py < p; py++)
            for (let px = 0; px < p; px++) rows[(gy * g + gx) * C * p * p + (c * p + py) * p + px] = pixels[((n * C + c) * I + gy * p + py) * I + gx * p + px];
    const emb = linear(rows, N, P('patch_embed.proj.weight'), P('patch_embed.proj.bias'), D);
    let x = new Float64Array(S * D);
    const cls = P('cls_token');
    const pos = P('pos_embed');
    for (let i = 0; i < D; i++) x[i] = cls[i] + pos[i];
    for (let t = 1; t < S; t++) for (let i = 0; i < D; i++) x[t * D + i] = emb[(t - 1) * D + i] + pos[t * D + i];
    for (let l = 0; l < v.depth; l++) {
      const b = (s: string) => P(`blocks.${l}.${s}`);
      const h = layerNorm(x, D, b('norm1.weight'), b('norm1.bias'), v.lnEps);
      const qkv = linear(h, S, b('attn.qkv.weight'), b('attn.qkv.bias'), 3 * D);
      const at = (t: number, j: number, head: number, i: number) => qkv[t * 3 * D + j * D + head * hd + i];
      const merged = new Float64Array(S * D);
      for (let head = 0; head < H; head++) {
        for (let s = 0; s < S; s++) {
          const sc = new Float64Array(S);
          let mx = -Infinity;
          for (let t = 0; t < S; t++) {
            let dot = 0;
            for (let i = 0; i < hd; i++) dot += at(s, 0, head, i) * at(t, 1, head, i);
            sc[t] = dot / Math.sqrt(hd);
            mx = Math.max(mx, sc[t]);
          }
          let z = 0;
          for (let t = 0; t < S; t++) z += (sc[t] = Math.exp(sc[t] - mx));
          for (let t = 0; t < S; t++) {
            const pr = sc[t] / z;
            maps[l][(n * S + s) * S + t] += pr / H;
            for (let i = 0; i < hd; i++) merged[s * D + head * hd + i] += pr * at(t, 2, head, i);
          }
        }
      }
      const proj = linear(merged, S, b('attn.proj.weight'), b('attn.proj.bias'), D);
      x = x.map((val, i) => val + proj[i]);
      const h2 = layerNorm(x, D, b('norm2.weight'), b('norm2.bias'), v.lnEps);
      const f1 = linear(h2, S, b('mlp.fc1.weight'), b('mlp.fc1.bias'), v.mlpDim).map(gelu);
      const f2 = linear(f1, S, b('mlp.fc2.weight'), b('mlp.fc2.bias'), D);
      x = x.map((val, i) => val + f2[i]);
    }
  }
  return maps;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// ------------------------------------------------------------------ tests

describe('vitAttentionMaps', () => {
  it('matches a float64 ViT forward to < 1e-4, and every row is a distribution', async () => {
    const e = getEngine();
    const { model, host } = randomModel(11);
    const px = randArray(B * 3 * V.imageSize * V.imageSize, 5);
    const pixels = e.tensor(toF32(px), [B, 3, V.imageSize, V.imageSize]);
    const live = e.memory().liveBuffers;
    const maps = await vitAttentionMaps(e, V, (n) => model.param('visual.' + n), pixels);
    expect(e.memory().liveBuffers).toBe(live); // nothing leaked
    pixels.dispose();
    const ref = referenceMaps(V, (n) => host.get('visual.' + n)!, px, B);
    expect(maps.length).toBe(V.depth);
    for (let l = 0; l < V.depth; l++) {
      expect(maps[l].length).toBe(B * S * S);
      expect(maxAbsDiff(maps[l], ref[l])).toBeLessThan(1e-4);
      // Not a near-uniform map by accident: the check above would then be weak.
      expect(Math.max(...ref[l]) - Math.min(...ref[l])).toBeGreaterThan(0.1);
      for (let r = 0; r < B * S; r++) {
        let s = 0;
        for (let t = 0; t < S; t++) s += maps[l][r * S + t];
        expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      }
    }
    model.dispose();
  });
});

describe('attentionRollout', () => {
  // Hand-worked: A' = A/2 + I/2, R = A'_2 A'_1, CLS row = row 0 of A'_2 times A'_1.
  const A1 = [0.5, 0.25, 0.25, 0, 1, 0, 0.2, 0.3, 0.5];
  const A2 = [0.1, 0.6, 0.3, 0.3, 0.3, 0.4, 1 / 3, 1 / 3, 1 / 3];

  it('matches a hand-computed 2-layer, 3-token example (layer order matters)', () => {
    // Image 0 has layers (A1, A2); image 1 the same matrices in the other order.
    const r = attentionRollout([toF32([...A1, ...A2]), toF32([...A2, ...A1])], 2, 3);
    // Image 0: row0(A2') = [0.55, 0.3, 0.15]; times A1' = [[.75,.125,.125],[0,1,0],[.1,.15,.75]]
    // gives [0.4275, 0.39125, 0.18125]; the patches renormalised over 0.5725.
    // Image 1: row0(A1') = [0.75, 0.125, 0.125]; times A2' = [[.55,.3,.15],[.15,.65,.2],[1/6,1/6,2/3]]
    // gives [.., 0.225 + 0.08125 + 1/48, 0.1125 + 0.025 + 1/12].
    const b1 = [0.225 + 0.08125 + 1 / 48, 0.1125 + 0.025 + 1 / 12];
    const want = [0.39125 / 0.5725, 0.18125 / 0.5725, b1[0] / (b1[0] + b1[1]), b1[1] / (b1[0] + b1[1])];
    // The inputs are float32, so agreement is to float32 rounding.
    expect(maxAbsDiff(r, want)).toBeLessThan(1e-7);
  });

  it('renormalises rows that do not sum to 1', () => {
    // Layer 1 given as 3 A1: A1'' = (3 A1 + I) / 4 row by row = [[.625,.1875,.1875],[0,1,0],[.15,.225,.625]],
    // so the CLS row is [.55,.3,.15] A1'' = [.36625, .436875, .196875], not image 0 above.
    const r = attentionRollout([toF32(A1.map((x) => 3 * x)), toF32(A2)], 1, 3);
    expect(maxAbsDiff(r, [0.436875 / 0.63375, 0.196875 / 0.63375])).toBeLessThan(1e-7);
  });
});

describe('heatmap share', () => {
  it('patchMeans averages each patch in row-major grid order', () => {
    // 4x4 heatmap, 2x2 patches: value = patch index + offset inside, so means are known.
    const h = new Float32Array(16);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) h[y * 4 + x] = 0.1 * (Math.floor(y / 2) * 2 + Math.floor(x / 2)) + (x % 2) * 0.04;
    expect(maxAbsDiff(patchMeans(h, 1, 4, 2), [0.02, 0.12, 0.22, 0.32])).toBeLessThan(1e-7);
  });

  it('a one-hot heatmap on patch j gives r_j; uniform gives the patch mean', () => {
    const r = new Float64Array([0.1, 0.2, 0.3, 0.4, /* image 2 */ 0.25, 0.25, 0.4, 0.1]);
    const heat = new Float64Array([0, 0, 1, 0, /* image 2 */ 0, 1, 0, 0]);
    const s = attentionShare(r, heat, 2, 4);
    expect(s.perImage[0]).toBeCloseTo(0.3, 12);
    expect(s.perImage[1]).toBeCloseTo(0.25, 12);
    expect(s.mean).toBeCloseTo(0.275, 12);
    const soft = new Float64Array([0.5, 0.5, 1, 0, 0.2, 0.2, 0.2, 0.2]);
    const u = uniformShare(soft, 2, 4);
    expect(u.perImage[0]).toBeCloseTo(0.5, 12);
    expect(u.perImage[1]).toBeCloseTo(0.2, 12);
    expect(u.mean).toBeCloseTo(0.35, 12);
    // Uniform attention scores exactly the uniform baseline.
    expect(attentionShare(new Float64Array(8).fill(0.25), soft, 2, 4).mean).toBeCloseTo(u.mean, 12);
  });

  it('modelAttentionShare batches, centres pixels like encodeImage, and matches the pieces', async () => {
    const e = getEngine();
    const { model } = randomModel(12);
    expect(CFG.centerPixels).toBe(true);
    const I = V.imageSize;
    const px = toF32(randArray(B * 3 * I * I, 8, 0, 1));
    const heat = toF32(randArray(B * I * I, 9, 0, 1));
    const got = await modelAttentionShare(e, model, px, heat, B, { batch: 2 });
    const centred = e.tensor(px.map((x) => 2 * x - 1), [B, 3, I, I]);
    const maps = await vitAttentionMaps(e, V, (n) => model.param('visual.' + n), centred);
    centred.dispose();
    const roll = attentionRollout(maps, B, S);
    expect(maxAbsDiff(got.rollout, roll)).toBeLessThan(1e-5);
    const ph = patchMeans(heat, B, I, V.patchSize);
    expect(got.mean).toBeCloseTo(attentionShare(roll, ph, B, N).mean, 5);
    expect(got.uniform).toBeCloseTo(uniformShare(ph, B, N).mean, 12);
    expect(got.perImage.length).toBe(B);
    model.dispose();
  });
});

describe('bad input', () => {
  it('names the sizes that do not match', async () => {
    expect(() => attentionRollout([new Float32Array(8)], 1, 3)).toThrow(/layer 0 map has 8 values, expected B\*S\*S = 1\*3\*3 = 9/);
    expect(() => attentionRollout([], 1, 3)).toThrow(/no attention maps/);
    expect(() => patchMeans(new Float32Array(15), 1, 4, 2)).toThrow(/heatmap has 15 values, expected B\*size\*size = 1\*4\*4 = 16/);
    expect(() => patchMeans(new Float32Array(25), 1, 5, 2)).toThrow(/image size 5 is not a multiple of the patch size 2/);
    expect(() => attentionShare(new Float64Array(4), new Float64Array(6), 2, 3)).toThrow(/rollout has 4 values, expected B\*N = 2\*3 = 6/);
    expect(() => uniformShare(new Float64Array(5), 2, 3)).toThrow(/patchHeat has 5 values, expected B\*N = 2\*3 = 6/);
    expect(() => attentionGrid([createImage(8, 8)], [{ label: 'm', maps: new Float64Array(4) }], 3)).toThrow(/rollout "m" has 4 values, expected images\*grid\*grid = 1\*3\*3 = 9/);
    const e = getEngine();
    const model = createModel(e, CFG, { noInit: true });
    const I = V.imageSize;
    await expect(modelAttentionShare(e, model, new Float32Array(3 * I * I), new Float32Array(2 * I * I), 2)).rejects.toThrow(
      /pixels has 1728 values, expected n\*3\*24\*24 = 3456 for n=2/,
    );
    await expect(modelAttentionShare(e, model, new Float32Array(3 * I * I), new Float32Array(16), 1)).rejects.toThrow(/heatmaps has 16 values, expected n\*24\*24 = 576/);
    model.dispose();
  });
});

describe('attentionGrid', () => {
  it('lays out image + one overlay per model and reddens where attention peaks', () => {
    const img = createImage(24, 24, [0, 0, 200]);
    const oneHot = new Float64Array(2 * 9);
    oneHot[0] = 1; // image 0: all attention on the top-left patch
    oneHot[9 + 8] = 1; // image 1: on the bottom-right patch
    const tile = 30;
    const sheet = attentionGrid([img, img], [{ label: 'focusclip', maps: oneHot }], 3, tile);
    expect(sheet.width).toBe(4 + 2 * (tile + 4));
    expect(sheet.height).toBe(16 + 4 + 2 * (tile + 4));
    const px = (x: number, y: number) => Array.from(sheet.data.subarray((y * sheet.width + x) * 4, (y * sheet.width + x) * 4 + 3));
    const top0 = 16 + 4;
    const ox = 4 + tile + 4;
    expect(px(4 + 1, top0 + 1)).toEqual([0, 0, 200]); // the plain image
    expect(px(ox + 1, top0 + 1)[0]).toBeGreaterThan(150); // overlay: red at the attended patch
    expect(px(ox + tile - 2, top0 + tile - 2)).toEqual([0, 0, 200]); // untouched far away
    const top1 = top0 + tile + 4;
    expect(px(ox + tile - 2, top1 + tile - 2)[0]).toBeGreaterThan(150);
    expect(px(ox + 1, top1 + 1)).toEqual([0, 0, 200]);
  });
});
