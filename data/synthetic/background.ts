// Backgrounds and clutter: the things that make subject focus matter. Textures are busy enough to
// compete with the figure, clutter includes limb-like strokes in skin and clothing colours that a
// model without focus can mistake for people. Training and evaluation draw from disjoint texture
// families, so evaluation measures transfer rather than memorised backdrops.
import type { Rng } from '../../engine/rng.js';
import type { Canvas } from './raster.js';

export const TRAIN_BACKGROUNDS = ['wall-floor', 'noise', 'stripes', 'checker'] as const;
export const EVAL_BACKGROUNDS = ['bricks', 'plaid', 'radial'] as const;
export type Background = (typeof TRAIN_BACKGROUNDS)[number] | (typeof EVAL_BACKGROUNDS)[number];

const randColour = (rng: Rng, lo = 30, hi = 230) => [rng.uniform(lo, hi), rng.uniform(lo, hi), rng.uniform(lo, hi)];
const mix = (a: number[], b: number[], t: number) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** Fill the canvas with a texture of the given family; returns the floor line (y in pixels). */
export function fillBackground(cv: Canvas, rng: Rng, kind: Background): number {
  const W = cv.width, Hh = cv.height, rgb = cv.rgb;
  const horizon = Hh * rng.uniform(0.45, 0.72);
  const c1 = randColour(rng), c2 = randColour(rng), c3 = randColour(rng, 60, 200);
  // Low-frequency value noise shared by several families (a small random grid, bilinear).
  const G = 2 + rng.int(5);
  const grid = Array.from({ length: (G + 1) * (G + 1) }, () => rng.uniform(-1, 1));
  const noise = (x: number, y: number) => {
    const fx = (x / W) * G, fy = (y / Hh) * G;
    const i = Math.min(G - 1, Math.floor(fx)), j = Math.min(G - 1, Math.floor(fy));
    const u = fx - i, v = fy - j;
    const a = grid[j * (G + 1) + i], b = grid[j * (G + 1) + i + 1], c = grid[(j + 1) * (G + 1) + i], d = grid[(j + 1) * (G + 1) + i + 1];
    return (a * (1 - u) + b * u) * (1 - v) + (c * (1 - u) + d * u) * v;
  };
  const period = W * rng.uniform(0.05, 0.2);
  const theta = rng.uniform(0, Math.PI), ct = Math.cos(theta), st = Math.sin(theta);
  const cx = W * rng.uniform(0.2, 0.8), cy = Hh * rng.uniform(0.2, 0.8);
  const amp = rng.uniform(15, 45);
  for (let y = 0; y < Hh; y++) {
    for (let x = 0; x < W; x++) {
      let c: number[];
      switch (kind) {
        case 'wall-floor':
          c = y < horizon ? mix(c1, c2, y / horizon) : mix(c3, c2, (y - horizon) / (Hh - horizon) * 0.5);
          break;
        case 'noise':
          c = mix(c1, c2, 0.5 + 0.5 * noise(x, y));
          break;
        case 'stripes': {
          const s = Math.sin(((x * ct + y * st) / period) * Math.PI);
          c = mix(c1, c2, 0.5 + 0.5 * Math.max(-1, Math.min(1, 3 * s)));
          break;
        }
        case 'checker': {
          const k = (Math.floor(x / period) + Math.floor((y + (y > horizon ? period / 2 : 0)) / period)) & 1;
          c = k ? c1 : c2;
          break;
        }
        case 'bricks': {
          const bh = period * 0.6, row = Math.floor(y / bh);
          const bx = (x + (row & 1 ? period / 2 : 0)) % period;
          const mortar = y % bh < 1 || bx < 1;
          c = mortar ? c3 : mix(c1, c2, 0.3 + 0.2 * noise(x, y));
          break;
        }
        case 'plaid': {
          const a = Math.sin((x / period) * Math.PI) > 0.3 ? 1 : 0, b = Math.sin((y / period) * Math.PI) > 0.3 ? 1 : 0;
          c = mix(mix(c1, c2, a * 0.6), c3, b * 0.4);
          break;
        }
        default: { // radial
          const r = Math.hypot(x - cx, y - cy);
          c = mix(c1, c2, 0.5 + 0.5 * Math.sin(r / period * Math.PI));
        }
      }
      const grain = amp * 0.15 * noise(y * 1.7, x * 1.3);
      const o = 3 * (y * W + x);
      rgb[o] = c[0] + grain; rgb[o + 1] = c[1] + grain; rgb[o + 2] = c[2] + grain;
    }
  }
  return kind === 'wall-floor' || kind === 'checker' ? horizon : horizon;
}

const SKINISH = [[240, 195, 160], [175, 120, 80], [210, 160, 120], [90, 60, 40]];
const CLOTHISH = [[200, 40, 40], [40, 80, 200], [40, 150, 60], [30, 30, 32], [235, 235, 235], [230, 200, 40]];

/** Background objects: boxes, poles, balls, plants and picture frames (owner 0: not a person). */
export function drawClutter(cv: Canvas, rng: Rng, count: number, floorY: number): void {
  const W = cv.width, Hh = cv.height;
  for (let i = 0; i < count; i++) {
    const kind = rng.int(5);
    const col = randColour(rng);
    const x = rng.uniform(0, W), s = rng.uniform(0.08, 0.3) * Hh;
    const base = Math.min(Hh, floorY + rng.uniform(0, Hh - floorY));
    if (kind === 0) cv.rect(x - s / 2, base - s, x + s / 2, base, col, 0, 0.3);
    else if (kind === 1) cv.capsule(x, base, x + rng.uniform(-0.05, 0.05) * W, base - rng.uniform(0.4, 1) * Hh, rng.uniform(0.01, 0.03) * W, col, 0);
    else if (kind === 2) cv.disc(x, base - s / 3, s / 3, col, 0);
    else if (kind === 3) for (let k = 0; k < 6; k++) cv.disc(x + rng.uniform(-s, s) / 2, base - s * rng.uniform(0.2, 1), s * rng.uniform(0.15, 0.3), [40 + rng.uniform(0, 40), 110 + rng.uniform(0, 60), 40], 0);
    else {
      const y = rng.uniform(0.05, 0.5) * Hh, w = s, th = Math.max(0.7, 0.012 * W);
      for (const [a, b, c, d] of [[x, y, x + w, y], [x + w, y, x + w, y + w * 0.7], [x + w, y + w * 0.7, x, y + w * 0.7], [x, y + w * 0.7, x, y]]) cv.capsule(a, b, c, d, th, col, 0, 0);
    }
  }
}

/** Limb-like strokes: two jointed capsules in skin or clothing colours, sized like a person's limbs. */
export function drawLimbDistractors(cv: Canvas, rng: Rng, count: number, limbPx: number): void {
  for (let i = 0; i < count; i++) {
    const c = rng.next() < 0.5 ? rng.pick(SKINISH) : rng.pick(CLOTHISH);
    let x = rng.uniform(0, cv.width), y = rng.uniform(0, cv.height);
    let a = rng.uniform(0, 2 * Math.PI);
    const r = limbPx * rng.uniform(0.1, 0.18);
    for (let k = 0; k < 2; k++) {
      const l = limbPx * rng.uniform(0.7, 1.1);
      const x2 = x + l * Math.cos(a), y2 = y + l * Math.sin(a);
      cv.capsule(x, y, x2, y2, r * (k ? 0.8 : 1), c, 0);
      x = x2; y = y2; a += rng.uniform(-1.6, 1.6);
    }
  }
}
