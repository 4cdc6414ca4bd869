// Random views of an image for contrastive pretraining (SimCLR's augmentations, sized for small
// synthetic images): a random resized crop (area 35-100 %, aspect ratio e^±0.3) sampled bilinearly,
// a horizontal flip half of the time, brightness, contrast and saturation jitter (x0.6-1.4 each) and
// a grey image one time in five. Two views of one image share its content but little of its pixels,
// so matching them teaches what is in an image rather than where its colours are.

import type { Rng } from '../engine/rng.js';
import type { RGBAImage } from './image.js';

/** One augmented view of `img`, written as [3, H, W] floats in [0, 1] at `out[offset]`. */
export function augmentedView(img: RGBAImage, rng: Rng, out: Float32Array, offset: number): void {
  const W = img.width, H = img.height, n = W * H, src = img.data;
  const side = Math.sqrt(rng.uniform(0.35, 1));
  const aspect = Math.exp(rng.uniform(-0.3, 0.3));
  const sx = Math.min(1, side * Math.sqrt(aspect)), sy = Math.min(1, side / Math.sqrt(aspect));
  // Crop centre in normalised [-1, 1] coordinates, so that the crop stays inside the image.
  const tx = rng.uniform(-1, 1) * (1 - sx), ty = rng.uniform(-1, 1) * (1 - sy);
  const flip = rng.next() < 0.5 ? -1 : 1;
  const brightness = rng.uniform(0.6, 1.4), contrast = rng.uniform(0.6, 1.4);
  const saturation = rng.next() < 0.2 ? 0 : rng.uniform(0.6, 1.4);
  let sum = 0;
  for (let oy = 0; oy < H; oy++) {
    const y = Math.min(H - 1, Math.max(0, ((sy * ((2 * oy + 1) / H - 1) + ty + 1) * H - 1) / 2));
    const y0 = Math.floor(y), y1 = Math.min(H - 1, y0 + 1), fy = y - y0;
    for (let ox = 0; ox < W; ox++) {
      const x = Math.min(W - 1, Math.max(0, ((flip * sx * ((2 * ox + 1) / W - 1) + tx + 1) * W - 1) / 2));
      const x0 = Math.floor(x), x1 = Math.min(W - 1, x0 + 1), fx = x - x0;
      const a = 4 * (y0 * W + x0), b = 4 * (y0 * W + x1), c = 4 * (y1 * W + x0), d = 4 * (y1 * W + x1);
      const o = offset + oy * W + ox;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[a + ch] + fx * (src[b + ch] - src[a + ch]);
        const bottom = src[c + ch] + fx * (src[d + ch] - src[c + ch]);
        const v = ((top + fy * (bottom - top)) / 255) * brightness;
        out[o + ch * n] = v;
        sum += v;
      }
    }
  }
  const mean = sum / (3 * n);
  for (let i = 0; i < n; i++) {
    const o = offset + i;
    const r = (out[o] - mean) * contrast + mean, g = (out[o + n] - mean) * contrast + mean, b = (out[o + 2 * n] - mean) * contrast + mean;
    const grey = (r + g + b) / 3;
    out[o] = clamp01((r - grey) * saturation + grey);
    out[o + n] = clamp01((g - grey) * saturation + grey);
    out[o + 2 * n] = clamp01((b - grey) * saturation + grey);
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
