// WGSL helpers shared by the row-wise kernel families (softmax, softmax-cross-entropy, layernorm,
// l2norm). Two layouts of the same kernel text:
// - lanes = ROW_WG (GPUs): one workgroup owns one row, each invocation walks the row with stride
//   ROW_WG, and partial results meet in a tree in workgroup memory.
// - lanes = 1 (CPU adapters such as lavapipe): one invocation owns one row, ROW_WG rows per
//   workgroup, and the reductions are plain loops. lavapipe runs a workgroup as 8-wide SIMD
//   iterations and every barrier is a coroutine switch; the tree version was 5x slower there
//   (softmax 4096 x 512: 38 vs 7.5 ms of CPU time).
// Kernels use `rowIndex`, `t` (first element this invocation handles) and LANES (its stride);
// rows are indexed over a 2-D grid so that more than 65535 workgroups still fit one launch.

import type { Runtime } from '../engine/runtime.js';
import { isCpuAdapter } from './gemm.js';
import { pinnedVariants, type RowLanes } from './variants.js';

export const ROW_WG: Exclude<RowLanes, 1> = 64;

/** The layout for `e`: pinned (kernels/variants.ts), else from the adapter. */
export function rowLanes(e: Runtime): number {
  return pinnedVariants(e).rowLanes ?? (isCpuAdapter(e) ? 1 : ROW_WG);
}

/** Workgroups for `rows` rows, as [x, y] (the kernel gets gridX = x as a param). */
export function rowGrid(e: Runtime, rows: number, lanes: number): [number, number] {
  return e.grid1d(lanes === 1 ? Math.ceil(rows / ROW_WG) : rows);
}

/** WGSL: the entry-point signature, `row`, `t` and `LANES`, and `wgSum`/`wgMax` (workgroup-wide
 *  results; identity when one invocation owns the row). Call the reductions in uniform control flow. */
export function rowPrelude(lanes: number): { decls: string; signature: string; ids: string } {
  const tree = lanes > 1;
  const decls = tree
    ? /* wgsl */ `
const LANES = ${lanes}u;
var<workgroup> wgRed: array<f32, ${lanes}>;
fn wgSum(v: f32, t: u32) -> f32 {
  wgRed[t] = v;
  workgroupBarrier();
  for (var s = ${lanes / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { wgRed[t] = wgRed[t] + wgRed[t + s]; }
    workgroupBarrier();
  }
  let r = wgRed[0];
  workgroupBarrier();
  return r;
}
fn wgMax(v: f32, t: u32) -> f32 {
  wgRed[t] = v;
  workgroupBarrier();
  for (var s = ${lanes / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { wgRed[t] = max(wgRed[t], wgRed[t + s]); }
    workgroupBarrier();
  }
  let r = wgRed[0];
  workgroupBarrier();
  return r;
}`
    : /* wgsl */ `
const LANES = 1u;
fn wgSum(v: f32, t: u32) -> f32 { return v; }
fn wgMax(v: f32, t: u32) -> f32 { return v; }`;
  const signature = `@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>)`;
  const ids = tree ? 'let row = wid.x + wid.y * p.gridX;\n  let t = lid.x;' : `let row = (wid.x + wid.y * p.gridX) * ${ROW_WG}u + lid.x;\n  let t = 0u;`;
  return { decls, signature, ids };
}

/** The workgroup tree alone (for single-workgroup reductions such as a loss mean). */
export function rowReduceWgsl(wg = ROW_WG): string {
  return rowPrelude(wg).decls.replace(`const LANES = ${wg}u;`, '');
}
