// Images in memory: RGBA bytes, resizing, conversion to the model's [3, H, W] floats in [0, 1],
// and a few drawing primitives for pictures (skeletons, overlays). No Node built-ins here: this
// file runs in the browser too; file formats are in image-node.ts.

export interface RGBAImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major RGBA. */
  data: Uint8Array;
}

export function createImage(width: number, height: number, fill: [number, number, number] = [0, 0, 0]): RGBAImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = fill[0];
    data[4 * i + 1] = fill[1];
    data[4 * i + 2] = fill[2];
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

/** Bilinear resize (pixel centres aligned, as PIL/torchvision do without antialias). */
export function resizeBilinear(img: RGBAImage, width: number, height: number): RGBAImage {
  if (img.width === width && img.height === height) return img;
  const out = new Uint8Array(width * height * 4);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const a = img.data[(y0 * img.width + x0) * 4 + c];
        const b = img.data[(y0 * img.width + x1) * 4 + c];
        const d = img.data[(y1 * img.width + x0) * 4 + c];
        const e = img.data[(y1 * img.width + x1) * 4 + c];
        out[(y * width + x) * 4 + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { width, height, data: out };
}

/** Fit inside width x height keeping the aspect ratio, padding with `fill` (letterbox). */
export function letterbox(img: RGBAImage, width: number, height: number, fill: [number, number, number] = [0, 0, 0]) {
  const s = Math.min(width / img.width, height / img.height);
  const w = Math.max(1, Math.round(img.width * s));
  const h = Math.max(1, Math.round(img.height * s));
  const small = resizeBilinear(img, w, h);
  const out = createImage(width, height, fill);
  const ox = Math.floor((width - w) / 2);
  const oy = Math.floor((height - h) / 2);
  for (let y = 0; y < h; y++) out.data.set(small.data.subarray(y * w * 4, (y + 1) * w * 4), ((y + oy) * width + ox) * 4);
  return { image: out, scale: s, offsetX: ox, offsetY: oy };
}

/** [3, H, W] floats in [0, 1] (the paper feeds raw [0,1] pixels, no mean/std normalisation). */
export function toCHW(img: RGBAImage, out = new Float32Array(3 * img.width * img.height), offset = 0): Float32Array {
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    out[offset + i] = img.data[4 * i] / 255;
    out[offset + n + i] = img.data[4 * i + 1] / 255;
    out[offset + 2 * n + i] = img.data[4 * i + 2] / 255;
  }
  return out;
}

export function fromCHW(chw: ArrayLike<number>, width: number, height: number): RGBAImage {
  const img = createImage(width, height);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = Math.round(255 * Math.min(1, Math.max(0, chw[c * n + i])));
  }
  return img;
}

/** A one-channel map in [0,1] as a colour image (black -> red -> yellow -> white). */
export function heatColor(map: ArrayLike<number>, width: number, height: number): RGBAImage {
  const img = createImage(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.min(1, Math.max(0, map[i]));
    img.data[4 * i] = Math.round(255 * Math.min(1, 3 * v));
    img.data[4 * i + 1] = Math.round(255 * Math.min(1, Math.max(0, 3 * v - 1)));
    img.data[4 * i + 2] = Math.round(255 * Math.max(0, 3 * v - 2));
  }
  return img;
}

/** Alpha-blend `top` over `base` (same size) with weight `alpha`. */
export function blend(base: RGBAImage, top: RGBAImage, alpha: number): RGBAImage {
  const out = { width: base.width, height: base.height, data: new Uint8Array(base.data) };
  for (let i = 0; i < out.data.length; i += 4) {
    for (let c = 0; c < 3; c++) out.data[i + c] = Math.round(base.data[i + c] * (1 - alpha) + top.data[i + c] * alpha);
  }
  return out;
}

export function setPixel(img: RGBAImage, x: number, y: number, rgb: readonly number[], alpha = 1): void {
  x = Math.round(x);
  y = Math.round(y);
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 4;
  for (let c = 0; c < 3; c++) img.data[i + c] = Math.round(img.data[i + c] * (1 - alpha) + rgb[c] * alpha);
}

/** A thick anti-aliased line segment (distance-based coverage). */
export function drawLine(img: RGBAImage, x0: number, y0: number, x1: number, y1: number, rgb: readonly number[], width = 1): void {
  const r = width / 2;
  const minX = Math.floor(Math.min(x0, x1) - r - 1), maxX = Math.ceil(Math.max(x0, x1) + r + 1);
  const minY = Math.floor(Math.min(y0, y1) - r - 1), maxY = Math.ceil(Math.max(y0, y1) + r + 1);
  const dx = x1 - x0, dy = y1 - y0;
  const len2 = dx * dx + dy * dy || 1e-9;
  for (let y = Math.max(0, minY); y <= Math.min(img.height - 1, maxY); y++) {
    for (let x = Math.max(0, minX); x <= Math.min(img.width - 1, maxX); x++) {
      const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
      const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
      const cover = Math.max(0, Math.min(1, r + 0.5 - d));
      if (cover > 0) setPixel(img, x, y, rgb, cover);
    }
  }
}

export function drawDisc(img: RGBAImage, cx: number, cy: number, radius: number, rgb: readonly number[]): void {
  drawLine(img, cx, cy, cx, cy, rgb, 2 * radius);
}
