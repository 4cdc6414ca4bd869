// A picture of where each model looks: one row per image, the image itself and then, per model,
// the image under its CLS attention rollout (model/attention-rollout.ts) as a red overlay. Write it
// with data/image-node.ts writePng. No Node built-ins: runs in the browser too.

import { createImage, resizeBilinear, type RGBAImage } from '../data/image.js';
import { ADVANCE } from './font5x7.js';
import { sceneToImage, type Prim } from './plot.js';

const GAP = 4;
const HEADER = 16;
const RED = [255, 0, 0];
/** Opacity of the overlay where attention peaks; the image stays readable underneath. */
const MAX_ALPHA = 0.75;

function paste(dst: RGBAImage, src: RGBAImage, ox: number, oy: number): void {
  for (let y = 0; y < src.height; y++) dst.data.set(src.data.subarray(y * src.width * 4, (y + 1) * src.width * 4), ((oy + y) * dst.width + ox) * 4);
}

/** One image's grid x grid rollout scaled to its own peak, upsampled to tile x tile, as 0..1 opacity. */
function overlayAlpha(maps: Float64Array, i: number, grid: number, tile: number): Float32Array {
  const N = grid * grid;
  let peak = 0;
  for (let p = 0; p < N; p++) peak = Math.max(peak, maps[i * N + p]);
  // The map travels as a one-channel grid x grid image so resizeBilinear does the upsampling.
  const small = createImage(grid, grid);
  for (let p = 0; p < N; p++) small.data[4 * p] = peak > 0 ? Math.round((255 * Math.max(0, maps[i * N + p])) / peak) : 0;
  const big = resizeBilinear(small, tile, tile);
  const alpha = new Float32Array(tile * tile);
  for (let k = 0; k < alpha.length; k++) alpha[k] = (MAX_ALPHA * big.data[4 * k]) / 255;
  return alpha;
}

function tint(base: RGBAImage, alpha: Float32Array): RGBAImage {
  const out: RGBAImage = { width: base.width, height: base.height, data: new Uint8Array(base.data) };
  for (let k = 0; k < alpha.length; k++) {
    for (let c = 0; c < 3; c++) out.data[4 * k + c] = Math.round(base.data[4 * k + c] * (1 - alpha[k]) + RED[c] * alpha[k]);
  }
  return out;
}

/**
 * Rows: each image, then per model the image with its rollout (maps [images, grid*grid], patchify's
 * row-major order, as modelAttentionShare returns) upsampled bilinearly as a red overlay whose
 * opacity is the attention relative to that image's peak. Column labels across the top.
 */
export function attentionGrid(images: RGBAImage[], rollouts: { label: string; maps: Float64Array }[], grid: number, tile = 128): RGBAImage {
  if (!(Number.isInteger(grid) && grid > 0)) throw new Error(`attentionGrid: grid must be the number of patches per side (imageSize / patchSize), got ${grid}.`);
  if (!(Number.isInteger(tile) && tile > 0)) throw new Error(`attentionGrid: tile must be a positive number of pixels, got ${tile}.`);
  for (const r of rollouts) {
    if (r.maps.length !== images.length * grid * grid) {
      throw new Error(`attentionGrid: rollout "${r.label}" has ${r.maps.length} values, expected images*grid*grid = ${images.length}*${grid}*${grid} = ${images.length * grid * grid}; pass one rollout row per image, grid = patches per side.`);
    }
  }
  const cols = 1 + rollouts.length;
  const width = GAP + cols * (tile + GAP);
  const height = HEADER + GAP + images.length * (tile + GAP);
  // Labels cut to the tile width so neighbours never overlap.
  const fit = (s: string) => s.slice(0, Math.max(1, Math.floor((tile + 1) / ADVANCE)));
  const items: Prim[] = ['image', ...rollouts.map((r) => r.label)].map((label, c) => ({
    t: 'text', x: GAP + c * (tile + GAP) + tile / 2, y: HEADER / 2 + 2, text: fit(label), color: [230, 230, 230], scale: 1, anchor: 'middle',
  }));
  const sheet = sceneToImage({ width, height, background: [24, 24, 24], items });
  images.forEach((img, i) => {
    const base = resizeBilinear(img, tile, tile);
    const oy = HEADER + GAP + i * (tile + GAP);
    paste(sheet, base, GAP, oy);
    rollouts.forEach((r, m) => paste(sheet, tint(base, overlayAlpha(r.maps, i, grid, tile)), GAP + (m + 1) * (tile + GAP), oy));
  });
  return sheet;
}
