// FocusCLIP's subject focusing, fused: out = I * (a + (1 - a) * H) for an image I [B, C, H, W]
// (C = 3 in the model), its ROI heatmap H [B, 1, H, W] and one learnable scalar a (init 0.5).
// a = 1 leaves the image unchanged; a = 0 keeps only the heatmap's region.
//
// Gradients (g = dL/dout, m = a + (1 - a) H):
//   dI = g * m
//   dH = (1 - a) * sum_c g I                     (for completeness; heatmaps are usually data)
//   da = sum_{b,c,y,x} g I (1 - H)               (one partial per pixel, then a tree reduction)
// With clampA the forward uses a' = clamp(a, 0, 1); the gradient reaching a is da * [0 <= a <= 1]:
// it passes on the closed interval, boundaries included, and is zero outside (as torch.clamp does).
// A parameter pushed past a bound therefore stops receiving this gradient; clamp the parameter itself
// in the optimiser if it must stay recoverable.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape } from '../engine/dtype.js';
import { reduceAxis } from './reduce.js';

const WG = 256;

export interface FocusOptions {
  /** Use clamp(a, 0, 1) in the forward pass (default false, as the released code). */
  clampA?: boolean;
}

function aExpr(clampA: boolean): string {
  return clampA ? 'clamp(aIn[0], 0.0, 1.0)' : 'aIn[0]';
}

function forwardSource(clampA: boolean): string {
  return /* wgsl */ `
struct Params { n: u32, channels: u32, plane: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<storage, read> heat: array<f32>;
@group(0) @binding(2) var<storage, read> aIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let a = ${aExpr(clampA)};
  let h = heat[(i / (p.channels * p.plane)) * p.plane + i % p.plane];
  out[i] = img[i] * (a + (1.0 - a) * h);
}`;
}

function backwardSource(clampA: boolean): string {
  return /* wgsl */ `
struct Params { pixels: u32, channels: u32, plane: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> img: array<f32>;
@group(0) @binding(2) var<storage, read> heat: array<f32>;
@group(0) @binding(3) var<storage, read> aIn: array<f32>;
@group(0) @binding(4) var<storage, read_write> dImg: array<f32>;
@group(0) @binding(5) var<storage, read_write> dHeat: array<f32>;
@group(0) @binding(6) var<storage, read_write> dAPartial: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x + gid.y * p.rowStride;
  if (q >= p.pixels) { return; }
  let a = ${aExpr(clampA)};
  let gate = ${clampA ? 'select(0.0, 1.0, aIn[0] >= 0.0 && aIn[0] <= 1.0)' : '1.0'};
  let h = heat[q];
  let m = a + (1.0 - a) * h;
  let base = (q / p.plane) * p.channels * p.plane + q % p.plane;
  var gi = 0.0;
  for (var c = 0u; c < p.channels; c++) {
    let k = base + c * p.plane;
    dImg[k] = g[k] * m;
    gi += g[k] * img[k];
  }
  dHeat[q] = (1.0 - a) * gi;
  dAPartial[q] = gate * gi * (1.0 - h);
}`;
}

function check(image: Tensor, heatmap: Tensor, a: Tensor): void {
  for (const t of [image, heatmap, a]) if (t.dtype !== 'f32') throw new Error(`focus: f32 tensors only, got ${t.describe()}.`);
  if (image.rank !== 4) throw new Error(`focus: image must be [batch, channels, height, width], got ${image.describe()}.`);
  const [B, , H, W] = image.shape;
  const want = [B, 1, H, W];
  if (heatmap.rank !== 4 || heatmap.shape.some((d, i) => d !== want[i])) {
    throw new Error(`focus: heatmap must be ${fmtShape(want)} to match image ${fmtShape(image.shape)}, got ${fmtShape(heatmap.shape)}.`);
  }
  if (a.size !== 1) throw new Error(`focus: a must hold one value (shape [1]), got ${a.describe()}.`);
}

/** Forward launch: I * (a + (1 - a) H) into a new tensor (the op is ops/focus.ts, its gradient rule `focus` in ops/gradients.ts). */
export function focusForward(e: Runtime, image: Tensor, heatmap: Tensor, a: Tensor, opts: FocusOptions = {}): Tensor {
  check(image, heatmap, a);
  const clampA = !!opts.clampA;
  const [, C, H, W] = image.shape;
  const plane = H * W;
  const out = e.empty(image.shape);
  const fk = e.kernel(`focus_fwd${clampA ? '_clamp' : ''}`, forwardSource(clampA));
  const [gx, gy] = e.grid1d(Math.ceil(out.size / WG));
  e.dispatch(fk, { bind: { img: image, heat: heatmap, aIn: a, out }, params: { n: out.size, channels: C, plane, rowStride: gx * WG }, workgroups: [gx, gy] });
  return out;
}

/** Backward launches: dI, dH and da for the output gradient g; each is undefined where `need` says so. */
export function focusBackward(
  e: Runtime,
  g: Tensor,
  image: Tensor,
  heatmap: Tensor,
  a: Tensor,
  need: { image: boolean; heatmap: boolean; a: boolean },
  opts: FocusOptions = {},
): [Tensor | undefined, Tensor | undefined, Tensor | undefined] {
  const clampA = !!opts.clampA;
  const [B, C, H, W] = image.shape;
  const plane = H * W;
  const pixels = B * plane;
  const dImg = e.empty(image.shape);
  const dHeat = e.empty(heatmap.shape);
  const partial = e.empty([pixels]);
  const bk = e.kernel(`focus_bwd${clampA ? '_clamp' : ''}`, backwardSource(clampA));
  const [bx, by] = e.grid1d(Math.ceil(pixels / WG));
  e.dispatch(bk, {
    bind: { g, img: image, heat: heatmap, aIn: a, dImg, dHeat, dAPartial: partial },
    params: { pixels, channels: C, plane, rowStride: bx * WG },
    workgroups: [bx, by],
  });
  let dA: Tensor | undefined;
  if (need.a) {
    dA = e.empty(a.shape);
    reduceAxis(e, 'sum', partial, 1, pixels, 1, dA, undefined);
  }
  partial.dispose();
  const keepOrDrop = (t: Tensor, keep: boolean) => (keep ? t : (t.dispose(), undefined));
  return [keepOrDrop(dImg, need.image), keepOrDrop(dHeat, need.heatmap), dA];
}
