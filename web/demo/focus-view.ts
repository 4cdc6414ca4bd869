// The demo's heatmap and focus panel: a synthetic sample, its ROI heatmap rasterised on the GPU
// (kernels/heatmap.ts) and the focused image I * (a + (1 - a) H) (kernels/focus.ts). It returns
// numbers the page checks (the focus output against the formula on the host, the heatmap's range
// and where it is hot), so the browser suite can tell a working demo from a blank one.

import type { Engine } from '../../ops/engine.js';
import { generateDataset } from '../../data/synthetic/generate.js';
import { blend, fromCHW, heatColor, toCHW, type RGBAImage } from '../../data/image.js';
import type { PoseRecord } from '../../data/record.js';
import { heatmapsFromPeople } from '../../model/heatmaps.js';
import { focus } from '../../ops/focus.js';
import type { HeatmapMode } from '../../data/heatmap-ref.js';

export interface FocusSample {
  image: RGBAImage;
  record: PoseRecord;
}

export interface FocusView {
  heat: Float32Array;
  focused: Float32Array;
  pictures: { original: RGBAImage; overlay: RGBAImage; heatmap: RGBAImage; focused: RGBAImage };
  stats: {
    heatMin: number;
    heatMax: number;
    /** Fraction of pixels with heat > 0.5. */
    hotFraction: number;
    /** Mean heat at visible joints / mean heat over the image. */
    jointContrast: number;
    /** Max |GPU focus - host formula|. */
    focusMaxError: number;
    ms: number;
  };
}

export function syntheticSample(seed: number, size: number): FocusSample {
  const ds = generateDataset({ seed, count: 1, size });
  return { image: ds.images[0], record: ds.records[0] };
}

export async function renderFocus(e: Engine, sample: FocusSample, mode: HeatmapMode, a: number): Promise<FocusView> {
  const { width, height } = sample.image;
  const people = sample.record.people.map((p) => ({ kpts: p.kpts, vis: p.kpts_vis }));
  const pixels = toCHW(sample.image);
  const t0 = performance.now();
  const [heat, focused] = await e.scope(async () => {
    const H = heatmapsFromPeople(e, [people], [{ width, height }], { width, height, mode });
    const I = e.tensor(pixels, [1, 3, height, width]);
    const out = e.noGrad(() => focus(e, I, H, e.tensor([a], [1])));
    return [(await H.toArray()) as Float32Array, (await out.toArray()) as Float32Array];
  });
  const ms = performance.now() - t0;

  const plane = width * height;
  let focusMaxError = 0;
  for (let i = 0; i < focused.length; i++) {
    const want = pixels[i] * (a + (1 - a) * heat[i % plane]);
    focusMaxError = Math.max(focusMaxError, Math.abs(focused[i] - want));
  }
  let heatMin = Infinity;
  let heatMax = -Infinity;
  let hot = 0;
  let sum = 0;
  for (const v of heat) {
    heatMin = Math.min(heatMin, v);
    heatMax = Math.max(heatMax, v);
    if (v > 0.5) hot++;
    sum += v;
  }
  let jointSum = 0;
  let joints = 0;
  for (const p of people)
    p.kpts.forEach(([x, y], j) => {
      if (!(p.vis[j] > 0) || x < 0 || y < 0 || x >= width || y >= height) return;
      jointSum += heat[Math.floor(y) * width + Math.floor(x)];
      joints++;
    });
  const heatmap = heatColor(heat, width, height);
  return {
    heat,
    focused,
    pictures: { original: sample.image, overlay: blend(sample.image, heatmap, 0.55), heatmap, focused: fromCHW(focused, width, height) },
    stats: {
      heatMin,
      heatMax,
      hotFraction: hot / plane,
      jointContrast: joints ? jointSum / joints / Math.max(sum / plane, 1e-9) : 0,
      focusMaxError,
      ms,
    },
  };
}

export function drawImage(canvas: HTMLCanvasElement, img: RGBAImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}
