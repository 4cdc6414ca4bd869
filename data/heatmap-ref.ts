// FocusCLIP's ROI heatmap rule (FOCUSCLIP.md section 2) in plain float64 TypeScript: the oracle the
// GPU rasteriser (kernels/heatmap.ts) is tested against, and the CPU path for pictures.
//
// The rule, per person and body part: keep the part's visible joints; fewer than 2 -> skip the part.
// Take the joints' bounding box: centre c, semi-axes s = half width / half height, each at least
// MIN_SEMI_AXIS (1 source pixel; the released code divides by zero for joints in a line).
// G(x, y) = exp(-((x - cx)^2 / (2 sx^2) + (y - cy)^2 / (2 sy^2))), clipped to [0, 1]; the heatmap is
// the sum over all parts of all people, clipped to [0, 1].
//
// Differences from the released code (deliberate): coordinates stay real numbers (it truncates to
// integers and halves with integer division), and the rule is evaluated directly at the target
// resolution instead of at native resolution followed by a resize.
//
// Coordinates. Keypoints are in source-image pixels with integer coordinates at pixel centres (MPII's
// convention: joint (10, 4) lies on pixel column 10, row 4). Target pixel (i, j) of a W x H heatmap of
// a srcW x srcH image is evaluated at the source point
//     x = (i + 0.5) * srcW / W - 0.5,   y = (j + 0.5) * srcH / H - 0.5,
// the same pixel-centre alignment as resizeBilinear in data/image.ts, so the heatmap lines up with the
// image resized the same way; at W = srcW it is the source pixel grid itself.
//
// Modes:
// - 'axis' (default, the paper's released code): the rule above.
// - 'oriented' (the paper's figure draws ellipses along the limbs): the same box, but taken in the
//   frame of the joints' principal axis. u = unit eigenvector of the largest eigenvalue of the visible
//   joints' covariance (for two joints: the segment direction; for an isotropic set, u = +x), v = u
//   rotated by +90 degrees. The box of the joints' (u, v) projections gives the centre and the
//   semi-axes su, sv (each >= MIN_SEMI_AXIS); sv is also raised to >= ORIENTED_MIN_ASPECT * su so two
//   joints in a line make a limb-shaped ellipse rather than a 1-pixel needle.
// - 'person': one axis-aligned Gaussian per person over all of its visible joints (>= 2).
//
// Bad input. A joint counts only when its visibility flag is > 0 and both coordinates are finite, so
// NaN/Inf coordinates act as invisible here (the host packer in data/pack-keypoints.ts rejects them with
// an error first). Joints outside the image are valid. Coordinates beyond +-COORD_LIMIT pixels are
// clamped to it, which keeps every intermediate finite (the GPU does the same); it changes nothing
// for any real image. No people, or no part with 2 visible joints, gives an all-zero heatmap.

import type { Person } from './mpii.js';
import { assertMode, COORD_LIMIT, MIN_SEMI_AXIS, ORIENTED_MIN_ASPECT, partsOf, type HeatmapMode } from '../spec/heatmap-rule.js';

// The rule's constants live in spec/heatmap-rule.ts, shared with the GPU rasteriser.
export { ALL_JOINTS, assertMode, COORD_LIMIT, HEATMAP_MODES, MIN_SEMI_AXIS, ORIENTED_MIN_ASPECT, partsOf, type HeatmapMode } from '../spec/heatmap-rule.js';

/** One part's Gaussian: centre, unit major-axis direction (ux, uy) and semi-axes along u and v. */
export interface PartGaussian {
  cx: number;
  cy: number;
  ux: number;
  uy: number;
  su: number;
  sv: number;
}

const clampCoord = (v: number) => Math.min(COORD_LIMIT, Math.max(-COORD_LIMIT, v));

/** The visible, finite joints of `joints`, clamped to the coordinate limit. */
function usableJoints(person: Person, joints: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  // Ascending joint index, as the GPU walks its joint mask: the same anchor and summation order.
  for (const j of [...joints].sort((a, b) => a - b)) {
    const p = person.kpts[j];
    if (!p || !(person.vis[j] > 0) || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) continue;
    out.push([clampCoord(p[0]), clampCoord(p[1])]);
  }
  return out;
}

/**
 * The Gaussian of one part, or undefined when fewer than 2 joints are usable. Offsets are taken
 * from the first usable joint (the "anchor"), exactly as the GPU does, so that degenerate cases
 * (coincident joints, isotropic sets) are decided identically in float64 and float32.
 */
export function partGaussian(person: Person, joints: readonly number[], oriented: boolean): PartGaussian | undefined {
  const pts = usableJoints(person, joints);
  if (pts.length < 2) return undefined;
  const [ax, ay] = pts[0];
  const off = pts.map(([x, y]) => [x - ax, y - ay]);
  let ux = 1;
  let uy = 0;
  if (oriented) {
    let mx = 0;
    let my = 0;
    for (const [x, y] of off) {
      mx += x;
      my += y;
    }
    mx /= off.length;
    my /= off.length;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (const [x, y] of off) {
      sxx += (x - mx) * (x - mx);
      syy += (y - my) * (y - my);
      sxy += (x - mx) * (y - my);
    }
    [ux, uy] = principalAxis(sxx, syy, sxy);
  }
  // Box of the projections on (u, v), v = (-uy, ux).
  let uMin = Infinity, uMax = -Infinity, vMin = Infinity, vMax = -Infinity;
  for (const [x, y] of off) {
    const pu = x * ux + y * uy;
    const pv = -x * uy + y * ux;
    uMin = Math.min(uMin, pu);
    uMax = Math.max(uMax, pu);
    vMin = Math.min(vMin, pv);
    vMax = Math.max(vMax, pv);
  }
  const cu = (uMin + uMax) / 2;
  const cv = (vMin + vMax) / 2;
  const su = Math.max((uMax - uMin) / 2, MIN_SEMI_AXIS);
  let sv = Math.max((vMax - vMin) / 2, MIN_SEMI_AXIS);
  if (oriented) sv = Math.max(sv, ORIENTED_MIN_ASPECT * su);
  return { cx: ax + cu * ux - cv * uy, cy: ay + cu * uy + cv * ux, ux, uy, su, sv };
}

/**
 * Unit eigenvector of the larger eigenvalue of [[sxx, sxy], [sxy, syy]] (sign arbitrary, which the
 * symmetric ellipse does not see). Of the two algebraically equal forms, the one without
 * cancellation is used, and no trigonometry (WGSL's sin/cos are only accurate to ~5e-4).
 */
export function principalAxis(sxx: number, syy: number, sxy: number): [number, number] {
  const d = (sxx - syy) / 2;
  const r = Math.sqrt(d * d + sxy * sxy);
  if (r === 0) return [1, 0];
  const [x, y] = d >= 0 ? [d + r, sxy] : [sxy, r - d];
  const n = Math.sqrt(x * x + y * y);
  return [x / n, y / n];
}

/** Every Gaussian the rule places for these people (skipped parts left out). */
export function heatmapGaussians(people: readonly Person[], mode: HeatmapMode = 'axis'): PartGaussian[] {
  assertMode(mode);
  const out: PartGaussian[] = [];
  for (const person of people) {
    for (const joints of partsOf(mode)) {
      const g = partGaussian(person, joints, mode === 'oriented');
      if (g) out.push(g);
    }
  }
  return out;
}

/** Source-pixel coordinate of the centre of target pixel `i` (of `target` pixels across `source`). */
export function targetToSource(i: number, target: number, source: number): number {
  return ((i + 0.5) * source) / target - 0.5;
}

/** Inverse of targetToSource: where a source coordinate lands in target pixels. */
export function sourceToTarget(x: number, target: number, source: number): number {
  return ((x + 0.5) * target) / source - 0.5;
}

export interface HeatmapRefOptions {
  mode?: HeatmapMode;
}

/** The heatmap [height, width] (row-major) of `people` in a srcW x srcH image. */
export function heatmapRef(
  people: readonly Person[],
  srcW: number,
  srcH: number,
  width: number,
  height: number,
  opts: HeatmapRefOptions = {},
): Float64Array {
  for (const [name, v] of [['srcW', srcW], ['srcH', srcH], ['width', width], ['height', height]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`heatmapRef: ${name} must be a positive integer, got ${v}.`);
  }
  const gs = heatmapGaussians(people, opts.mode ?? 'axis');
  const out = new Float64Array(width * height);
  for (let j = 0; j < height; j++) {
    const y = targetToSource(j, height, srcH);
    for (let i = 0; i < width; i++) {
      const x = targetToSource(i, width, srcW);
      let acc = 0;
      for (const g of gs) {
        const dx = x - g.cx;
        const dy = y - g.cy;
        const tu = (dx * g.ux + dy * g.uy) / g.su;
        const tv = (-dx * g.uy + dy * g.ux) / g.sv;
        acc += Math.min(1, Math.max(0, Math.exp(-0.5 * (tu * tu + tv * tv))));
      }
      out[j * width + i] = Math.min(1, Math.max(0, acc));
    }
  }
  return out;
}
