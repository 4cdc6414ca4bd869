// A world without people for pretraining the image tower: one to three coloured shapes on the
// training world's background families. Each image is labelled by the shape of its largest object
// (8 classes) and the cell of a 3x3 grid holding that object's centre; neither label is an activity,
// an age, a clothing colour or a head count, so pretraining on it teaches what shapes, colours and
// positions look like without telling the model anything the held-out tasks ask.
import { Rng } from '../../engine/rng.js';
import { hashSeed } from '../describe.js';
import type { RGBAImage } from '../image.js';
import { TRAIN_BACKGROUNDS, fillBackground } from './background.js';
import { Canvas } from './raster.js';

export const OBJECT_SHAPES = ['disc', 'square', 'triangle', 'star', 'ring', 'cross', 'diamond', 'hexagon'] as const;
export type ObjectShape = (typeof OBJECT_SHAPES)[number];
export const POSITION_CELLS = 9;

export interface ObjectImage {
  image: RGBAImage;
  /** Index into OBJECT_SHAPES of the largest object. */
  shape: number;
  /** Grid cell (row * 3 + column) of the largest object's centre. */
  cell: number;
}

function regular(cx: number, cy: number, r: number, n: number, rot: number, inner = 1): [number, number][] {
  const pts: [number, number][] = [];
  const k = inner < 1 ? 2 * n : n;
  for (let i = 0; i < k; i++) {
    const a = rot + (i * 2 * Math.PI) / k;
    const rr = inner < 1 && i % 2 ? r * inner : r;
    pts.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  return pts;
}

function drawShape(cv: Canvas, shape: ObjectShape, cx: number, cy: number, r: number, rot: number, c: number[]): void {
  switch (shape) {
    case 'disc': cv.disc(cx, cy, r, c, 0); break;
    case 'square': cv.polygon(regular(cx, cy, r * 1.2, 4, rot + Math.PI / 4), c, 0); break;
    case 'triangle': cv.polygon(regular(cx, cy, r * 1.25, 3, rot - Math.PI / 2), c, 0); break;
    case 'star': cv.polygon(regular(cx, cy, r * 1.3, 5, rot - Math.PI / 2, 0.45), c, 0); break;
    case 'ring': cv.ring(cx, cy, r * 0.8, Math.max(1, r * 0.3), c, 0); break;
    case 'cross': {
      const w = Math.max(0.8, r * 0.3), ca = Math.cos(rot) * r, sa = Math.sin(rot) * r;
      cv.capsule(cx - ca, cy - sa, cx + ca, cy + sa, w, c, 0, 0);
      cv.capsule(cx + sa, cy - ca, cx - sa, cy + ca, w, c, 0, 0);
      break;
    }
    case 'diamond': cv.polygon([[cx, cy - r * 1.3], [cx + r * 0.75, cy], [cx, cy + r * 1.3], [cx - r * 0.75, cy]], c, 0); break;
    default: cv.polygon(regular(cx, cy, r * 1.1, 6, rot), c, 0);
  }
}

/** Image i depends only on (seed, i), as in the people world. */
export function generateObjectImage(seed: number, i: number, size: number): ObjectImage {
  const rng = new Rng(hashSeed(`objects:${i}`, seed));
  const cv = new Canvas(size, size);
  fillBackground(cv, rng, rng.pick(TRAIN_BACKGROUNDS));
  const n = 1 + rng.int(3);
  // Radii drawn first and sorted so the largest is drawn last (on top) and is clearly the largest.
  const radii = Array.from({ length: n }, () => size * rng.uniform(0.08, 0.2)).sort((a, b) => a - b);
  radii[n - 1] = Math.max(radii[n - 1], size * 0.14) * (n > 1 ? 1.25 : 1);
  let shape = 0, cell = 0;
  for (let k = 0; k < n; k++) {
    const r = radii[k];
    const s = rng.int(OBJECT_SHAPES.length);
    const cx = rng.uniform(r, size - r), cy = rng.uniform(r, size - r);
    const colour = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    drawShape(cv, OBJECT_SHAPES[s], cx, cy, r, rng.uniform(0, Math.PI), colour);
    if (k === n - 1) {
      shape = s;
      cell = Math.min(2, Math.floor((3 * cy) / size)) * 3 + Math.min(2, Math.floor((3 * cx) / size));
    }
  }
  return { image: cv.toImage(), shape, cell };
}

export function generateObjectImages(opts: { seed?: number; count: number; size: number; onProgress?: (done: number) => void }): ObjectImage[] {
  const out: ObjectImage[] = [];
  for (let i = 0; i < opts.count; i++) {
    out.push(generateObjectImage(opts.seed ?? 0, i, opts.size));
    opts.onProgress?.(i + 1);
  }
  return out;
}
