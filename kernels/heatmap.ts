// Batched ROI heatmap rasterisation on the GPU: keypoints f32 [batch, maxPeople, 16, 3] ({x, y,
// visible}, source-image pixels) and per-sample source sizes f32 [batch, 2] (width, height) ->
// heatmaps f32 [batch, 1, H, W] at the training resolution, by the rule of data/heatmap-ref.ts (the
// float64 oracle; read its header for the rule, the coordinate mapping and the modes).
//
// Two launches. `heatmap_parts_<mode>`: one invocation per (sample, person, part) fits the part's
// Gaussian once. `heatmap_raster`: one invocation per 8 output pixels of a row sums every Gaussian of
// its sample (loading each part once for 8 pixels made it 3-5x faster on lavapipe than one pixel).
// Padding people (all joints invisible) and skipped parts cost one loop iteration each.
//
// Precision. A naive f32 evaluation of x - cx at source coordinates ~1000 px loses ~1e-4 px, which
// against a 1-pixel semi-axis is a 1e-4 error in the heatmap. So each part keeps an anchor (its first
// visible joint) split into an integer and a fraction, the pixel-to-anchor distance is formed from
// exact integer products, (2i + 1) srcW - (2 floor(ax) + 1) W, and only then scaled, and the part's
// shape lives in offsets from the anchor. Measured: the naive form misses the reference by 1.4e-4 on
// 1-pixel parts at x ~ 3500; this one stays under 1e-5. The products are exact while |coordinate| * W
// and srcW * W stay below 2^23 (for 224-pixel heatmaps: images and coordinates up to ~37000 px);
// beyond that, accuracy degrades gradually rather than failing.
//
// Bad input: the packer (data/pack-keypoints.ts) rejects non-finite visible coordinates with an error
// naming sample, person and joint; the kernel itself also treats non-finite coordinates or flags as
// invisible (bit tests, since WGSL compilers may assume finite math), so a tensor built another way
// cannot produce NaN.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape } from '../engine/dtype.js';
import { assertMode, COORD_LIMIT, MIN_SEMI_AXIS, NUM_JOINTS, ORIENTED_MIN_ASPECT, partsOf, type HeatmapMode } from '../spec/heatmap-rule.js';

/** vec4s per fitted part in the intermediate buffer. */
const PART_VEC4S = 3;

function partsSource(mode: HeatmapMode): string {
  const parts = partsOf(mode);
  const masks = parts.map((js) => `${js.reduce((m, j) => m | (1 << j), 0)}u`).join(', ');
  const oriented = mode === 'oriented';
  return /* wgsl */ `
struct Params { count: u32, people: u32, width: u32, height: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> kpts: array<f32>;
@group(0) @binding(1) var<storage, read> sizes: array<f32>;
@group(0) @binding(2) var<storage, read_write> parts: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

const NPARTS = ${parts.length}u;
const MASKS = array<u32, ${parts.length}>(${masks});
const LIMIT = ${COORD_LIMIT.toFixed(1)};
const MIN_SEMI = ${MIN_SEMI_AXIS.toFixed(1)};

// Exponent bits all ones = Inf or NaN; a bit test survives finite-math optimisation.
fn isFinite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x + gid.y * p.rowStride;
  if (g >= p.count) { return; }
  let part = g % NPARTS;
  let person = g / NPARTS;
  let b = person / p.people;
  let mask = MASKS[part];
  let base = person * ${NUM_JOINTS * 3}u;
  var ox: array<f32, ${NUM_JOINTS}>;
  var oy: array<f32, ${NUM_JOINTS}>;
  var n = 0u;
  var ax = 0.0;
  var ay = 0.0;
  for (var j = 0u; j < ${NUM_JOINTS}u; j++) {
    if ((mask & (1u << j)) == 0u) { continue; }
    let x = kpts[base + 3u * j];
    let y = kpts[base + 3u * j + 1u];
    let v = kpts[base + 3u * j + 2u];
    if (!(isFinite(x) && isFinite(y) && isFinite(v) && v > 0.0)) { continue; }
    let cx = clamp(x, -LIMIT, LIMIT);
    let cy = clamp(y, -LIMIT, LIMIT);
    if (n == 0u) { ax = cx; ay = cy; }
    ox[n] = cx - ax;
    oy[n] = cy - ay;
    n++;
  }
  let o = g * ${PART_VEC4S}u;
  if (n < 2u) {
    parts[o] = vec4<f32>(0.0);
    parts[o + 1u] = vec4<f32>(0.0);
    parts[o + 2u] = vec4<f32>(0.0);
    return;
  }
  var ux = 1.0;
  var uy = 0.0;
${
  oriented
    ? `  var mx = 0.0;
  var my = 0.0;
  for (var k = 0u; k < n; k++) { mx += ox[k]; my += oy[k]; }
  mx /= f32(n);
  my /= f32(n);
  var sxx = 0.0;
  var syy = 0.0;
  var sxy = 0.0;
  for (var k = 0u; k < n; k++) {
    let dx = ox[k] - mx;
    let dy = oy[k] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  // Principal axis without trigonometry and without cancellation (see principalAxis in the reference).
  let d = (sxx - syy) / 2.0;
  let r = sqrt(d * d + sxy * sxy);
  if (r > 0.0) {
    var e = vec2<f32>(sxy, r - d);
    if (d >= 0.0) { e = vec2<f32>(d + r, sxy); }
    let len = sqrt(e.x * e.x + e.y * e.y);
    ux = e.x / len;
    uy = e.y / len;
  }`
    : ''
}
  var uMin = 3.0e38;
  var uMax = -3.0e38;
  var vMin = 3.0e38;
  var vMax = -3.0e38;
  for (var k = 0u; k < n; k++) {
    let pu = ox[k] * ux + oy[k] * uy;
    let pv = -ox[k] * uy + oy[k] * ux;
    uMin = min(uMin, pu);
    uMax = max(uMax, pu);
    vMin = min(vMin, pv);
    vMax = max(vMax, pv);
  }
  let cu = (uMin + uMax) / 2.0;
  let cv = (vMin + vMax) / 2.0;
  let su = max((uMax - uMin) / 2.0, MIN_SEMI);
  var sv = max((vMax - vMin) / 2.0, MIN_SEMI);
${oriented ? `  sv = max(sv, ${ORIENTED_MIN_ASPECT} * su);` : ''}
  let axi = floor(ax);
  let ayi = floor(ay);
  // Anchor in the integer units of the raster kernel: pixel-to-anchor = ((2i+1) srcW - A) / (2W) - frac.
  let bigA = vec2<f32>((2.0 * axi + 1.0) * f32(p.width), (2.0 * ayi + 1.0) * f32(p.height));
  // Offset from the anchor's integer part to the centre; the frame with 1/su, 1/sv folded in.
  let off = vec2<f32>((ax - axi) + (cu * ux - cv * uy), (ay - ayi) + (cu * uy + cv * ux));
  parts[o] = vec4<f32>(bigA, off);
  parts[o + 1u] = vec4<f32>(ux / su, uy / su, ux / sv, uy / sv);
  parts[o + 2u] = vec4<f32>(1.0, 0.0, 0.0, 0.0);
}`;
}

/** Pixels per invocation along x: each part is loaded once for all of them (loads dominate on lavapipe). */
const PX = 8;
const RASTER_WG: [number, number] = [8, 8];

function rasterSource(): string {
  const per = (f: (t: number) => string) => Array.from({ length: PX }, (_, t) => f(t)).join('\n    ');
  const allAcc = Array.from({ length: PX }, (_, t) => `acc${t}`);
  return /* wgsl */ `
struct Params { width: u32, height: u32, partsPerSample: u32 }
@group(0) @binding(0) var<storage, read> parts: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> sizes: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${RASTER_WG[0]}, ${RASTER_WG[1]})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let i0 = gid.x * ${PX}u;
  let j = gid.y;
  // The sample from workgroup_id: provably uniform, so part loads need not be per-lane gathers.
  let b = wid.z;
  if (i0 >= p.width || j >= p.height) { return; }
  // Exact integers (see the precision note in kernels/heatmap.ts).
  let sw = sizes[2u * b];
  let ny = f32(2u * j + 1u) * sizes[2u * b + 1u];
  let inv2w = 1.0 / (2.0 * f32(p.width));
  let inv2h = 1.0 / (2.0 * f32(p.height));
  ${per((t) => `let nx${t} = f32(2u * (i0 + ${t}u) + 1u) * sw;
  var acc${t} = 0.0;`).replace(/\n {4}/g, '\n  ')}
  let first = b * p.partsPerSample;
  for (var k = 0u; k < p.partsPerSample; k++) {
    let o = (first + k) * ${PART_VEC4S}u;
    if (parts[o + 2u].x == 0.0) { continue; }
    let a = parts[o];
    let m = parts[o + 1u];
    // Rounding here is relative to the pixel-to-anchor distance, small wherever the Gaussian is not.
    let dy = (ny - a.y) * inv2h - a.w;
    let dyu = dy * m.y;
    let dyv = dy * m.z;
    // exp(-90) is below f32's smallest normal: skip the exp far from the part (most pixels).
    ${per((t) => `{ let dx = (nx${t} - a.x) * inv2w - a.z; let tu = dx * m.x + dyu; let tv = dyv - dx * m.w; let q = tu * tu + tv * tv; if (q < 180.0) { acc${t} += exp(-0.5 * q); } }`)}
    // The sum is clipped at 1 and every term is >= 0: once all are saturated, the rest cannot matter.
    if (${allAcc.reduce((e, v) => `min(${e}, ${v})`)} >= 1.0) { break; }
  }
  let row = (b * p.height + j) * p.width;
  ${per((t) => `if (i0 + ${t}u < p.width) { out[row + i0 + ${t}u] = clamp(acc${t}, 0.0, 1.0); }`).replace(/\n {4}/g, '\n  ')}
}`;
}

export interface RasterOptions {
  width: number;
  height: number;
  mode?: HeatmapMode;
}

/**
 * Heatmaps f32 [B, 1, height, width] from keypoints f32 [B, P, 16, 3] and source sizes f32 [B, 2]
 * (width, height in pixels). Not differentiable (keypoints are data).
 */
export function rasterizeHeatmaps(e: Runtime, keypoints: Tensor, sizes: Tensor, opts: RasterOptions): Tensor {
  const mode = opts.mode ?? 'axis';
  assertMode(mode);
  const { width, height } = opts;
  if (keypoints.dtype !== 'f32' || keypoints.rank !== 4 || keypoints.shape[2] !== NUM_JOINTS || keypoints.shape[3] !== 3) {
    throw new Error(`heatmap: keypoints must be f32 [batch, maxPeople, ${NUM_JOINTS}, 3] ({x, y, visible}), got ${keypoints.describe()}; build it with packKeypoints().`);
  }
  const [batch, people] = keypoints.shape;
  if (sizes.dtype !== 'f32' || sizes.rank !== 2 || sizes.shape[0] !== batch || sizes.shape[1] !== 2) {
    throw new Error(`heatmap: sizes must be f32 [${batch}, 2] (source width, height per sample) to match keypoints ${fmtShape(keypoints.shape)}, got ${sizes.describe()}.`);
  }
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`heatmap: output ${name} must be a positive integer, got ${v}.`);
  }
  const maxZ = e.limits.maxComputeWorkgroupsPerDimension;
  if (batch > maxZ) throw new Error(`heatmap: batch ${batch} exceeds ${maxZ} (maxComputeWorkgroupsPerDimension); split the batch.`);
  const out = e.empty([batch, 1, height, width]);
  const nParts = partsOf(mode).length;
  const count = batch * people * nParts;
  if (count === 0) {
    e.clear(out);
    return out;
  }
  const fitted = e.empty([count * PART_VEC4S, 4]);
  const pk = e.kernel(`heatmap_parts_${mode}`, partsSource(mode));
  const [gx, gy] = e.grid1d(Math.ceil(count / 64));
  e.dispatch(pk, { bind: { kpts: keypoints, sizes, parts: fitted }, params: { count, people, width, height, rowStride: gx * 64 }, workgroups: [gx, gy] });
  const rk = e.kernel('heatmap_raster', rasterSource());
  e.dispatch(rk, {
    bind: { parts: fitted, sizes, out },
    params: { width, height, partsPerSample: people * nParts },
    workgroups: [Math.ceil(width / (PX * RASTER_WG[0])), Math.ceil(height / RASTER_WG[1]), batch],
  });
  fitted.dispose();
  return out;
}
