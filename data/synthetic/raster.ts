// A tiny anti-aliased rasteriser for the synthetic scenes, drawing straight at the target
// resolution: coverage comes from the distance to each shape's edge (analytic AA, no
// supersampling), limbs are shaded capsules. Next to the colours it keeps an owner layer per pixel
// (who covers it most), which is how joints hidden by an occluder or another person get
// visibility 0.
import type { RGBAImage } from '../image.js';

export type RGB = readonly number[];

export class Canvas {
  readonly rgb: Float32Array;
  /** Owner of each pixel: 0 background, 1..250 people (index + 1), 255 foreground objects. */
  readonly layer: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.rgb = new Float32Array(width * height * 3);
    this.layer = new Uint8Array(width * height);
  }

  /** Blend `c` into pixel i with coverage `a`; claim it for `owner` when mostly covered. */
  private put(i: number, c: RGB, a: number, shade: number, owner: number) {
    const o = 3 * i;
    this.rgb[o] += (c[0] * shade - this.rgb[o]) * a;
    this.rgb[o + 1] += (c[1] * shade - this.rgb[o + 1]) * a;
    this.rgb[o + 2] += (c[2] * shade - this.rgb[o + 2]) * a;
    if (a > 0.5 && owner >= 0) this.layer[i] = owner;
  }

  /** A capsule (thick segment with round caps) of radius r, shaded darker toward its rim. */
  capsule(x0: number, y0: number, x1: number, y1: number, r: number, c: RGB, owner = -1, shading = 0.35) {
    const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1)), maxX = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + r + 1));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1)), maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + r + 1));
    const dx = x1 - x0, dy = y1 - y0;
    const len2 = dx * dx + dy * dy || 1e-9;
    const rr = Math.max(r, 1e-3);
    for (let y = minY; y <= maxY; y++) {
      const py = y + 0.5 - y0;
      for (let x = minX; x <= maxX; x++) {
        const px = x + 0.5 - x0;
        let t = (px * dx + py * dy) / len2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = px - t * dx, ey = py - t * dy;
        const d = Math.sqrt(ex * ex + ey * ey);
        const a = r + 0.5 - d;
        if (a <= 0) continue;
        const q = Math.min(1, d / rr);
        this.put(y * this.width + x, c, a > 1 ? 1 : a, 1 - shading * q * q, owner);
      }
    }
  }

  disc(cx: number, cy: number, r: number, c: RGB, owner = -1, shading = 0.3) {
    this.capsule(cx, cy, cx, cy, r, c, owner, shading);
  }

  /** An ellipse with semi-axes (rx along `angle`, ry across), angle in radians. */
  ellipse(cx: number, cy: number, rx: number, ry: number, angle: number, c: RGB, owner = -1, shading = 0.3) {
    const R = Math.max(rx, ry) + 1;
    const ca = Math.cos(angle), sa = Math.sin(angle);
    const m = Math.min(rx, ry);
    for (let y = Math.max(0, Math.floor(cy - R)); y <= Math.min(this.height - 1, Math.ceil(cy + R)); y++) {
      for (let x = Math.max(0, Math.floor(cx - R)); x <= Math.min(this.width - 1, Math.ceil(cx + R)); x++) {
        const px = x + 0.5 - cx, py = y + 0.5 - cy;
        const u = (px * ca + py * sa) / rx, v = (-px * sa + py * ca) / ry;
        const k = Math.sqrt(u * u + v * v);
        const a = (1 - k) * m + 0.5;
        if (a <= 0) continue;
        this.put(y * this.width + x, c, a > 1 ? 1 : a, 1 - shading * Math.min(1, k * k), owner);
      }
    }
  }

  /** A convex polygon (any winding): coverage from the largest signed distance to its edges. */
  polygon(pts: readonly (readonly [number, number])[], c: RGB, owner = -1, shadeTopBottom = 0) {
    const n = pts.length;
    let area = 0;
    for (let i = 0; i < n; i++) { const [ax, ay] = pts[i], [bx, by] = pts[(i + 1) % n]; area += ax * by - bx * ay; }
    const sgn = area >= 0 ? 1 : -1;
    const edges = pts.map(([ax, ay], i) => {
      const [bx, by] = pts[(i + 1) % n];
      const l = Math.hypot(bx - ax, by - ay) || 1e-9;
      // Outward normal for this winding.
      return [(sgn * (by - ay)) / l, (sgn * -(bx - ax)) / l, ax, ay] as const;
    });
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const [x, y] of pts) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    for (let y = Math.max(0, Math.floor(y0 - 1)); y <= Math.min(this.height - 1, Math.ceil(y1 + 1)); y++) {
      const shade = shadeTopBottom ? 1 - shadeTopBottom * ((y + 0.5 - y0) / Math.max(1, y1 - y0)) : 1;
      for (let x = Math.max(0, Math.floor(x0 - 1)); x <= Math.min(this.width - 1, Math.ceil(x1 + 1)); x++) {
        let sd = -Infinity;
        for (const [nx, ny, ax, ay] of edges) sd = Math.max(sd, (x + 0.5 - ax) * nx + (y + 0.5 - ay) * ny);
        const a = 0.5 - sd;
        if (a <= 0) continue;
        this.put(y * this.width + x, c, a > 1 ? 1 : a, shade, owner);
      }
    }
  }

  rect(x0: number, y0: number, x1: number, y1: number, c: RGB, owner = -1, shade = 0) {
    this.polygon([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], c, owner, shade);
  }

  /** A ring (wheel) of radius R and line width w. */
  ring(cx: number, cy: number, R: number, w: number, c: RGB, owner = -1) {
    const steps = Math.max(12, Math.ceil(R));
    for (let i = 0; i < steps; i++) {
      const a0 = (2 * Math.PI * i) / steps, a1 = (2 * Math.PI * (i + 1)) / steps;
      this.capsule(cx + R * Math.cos(a0), cy + R * Math.sin(a0), cx + R * Math.cos(a1), cy + R * Math.sin(a1), w / 2, c, owner, 0);
    }
  }

  /** Owner at a point (pixel containing it); -1 outside the canvas. */
  ownerAt(x: number, y: number): number {
    const xi = Math.floor(x), yi = Math.floor(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return -1;
    return this.layer[yi * this.width + xi];
  }

  toImage(): RGBAImage {
    const n = this.width * this.height;
    const data = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const v0 = this.rgb[3 * i], v1 = this.rgb[3 * i + 1], v2 = this.rgb[3 * i + 2];
      data[4 * i] = v0 < 0 ? 0 : v0 > 255 ? 255 : v0 + 0.5;
      data[4 * i + 1] = v1 < 0 ? 0 : v1 > 255 ? 255 : v1 + 0.5;
      data[4 * i + 2] = v2 < 0 ? 0 : v2 > 255 ? 255 : v2 + 0.5;
      data[4 * i + 3] = 255;
    }
    return { width: this.width, height: this.height, data };
  }
}
