// Inverted dropout with a counter-based RNG: element i is kept when hash(seed, i) >= p and scaled
// by 1 / (1 - p). Nothing is stored between forward and backward; the backward recomputes the same
// mask from the seed, so dropout costs no activation memory.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

const WG = 256;

// PCG output hash (Jarzynski & Olano, "Hash Functions for GPU Rendering"), applied twice so that
// nearby seeds and nearby indices give unrelated masks. Mirrored by `dropoutKeep` below.
const HASH = /* wgsl */ `
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}`;

const SRC = /* wgsl */ `
struct Params { n: u32, rowStride: u32, seed: u32, p: f32, scale: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${HASH}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let u = f32(pcg(i + pcg(p.seed)) >> 8u) * (1.0 / 16777216.0);
  y[i] = select(0.0, x[i] * p.scale, u >= p.p);
}`;

function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Host mirror of the kernel's mask (for tests and debugging). */
export function dropoutKeep(seed: number, i: number, p: number): boolean {
  const u = (pcg((i + pcg(seed >>> 0)) >>> 0) >>> 8) / 16777216;
  return u >= Math.fround(p);
}

/** y = x * mask(seed) / (1 - p); the same call on the upstream gradient is the backward. */
export function dropoutApply(e: Runtime, x: Tensor, p: number, seed: number): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}.`);
  if (!Number.isInteger(seed)) throw new Error(`dropout: seed must be an integer, got ${seed}.`);
  if (x.dtype !== 'f32') throw new Error(`dropout: f32 input expected, got ${x.describe()}.`);
  const y = e.empty(x.shape);
  const [gx, gy] = e.grid1d(Math.ceil(x.size / WG));
  e.dispatch(e.kernel('dropout', SRC), {
    bind: { x, y },
    params: { n: x.size, rowStride: gx * WG, seed: seed >>> 0, p, scale: 1 / (1 - p) },
    workgroups: [gx, gy],
  });
  return y;
}
