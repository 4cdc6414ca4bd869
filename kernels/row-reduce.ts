// WGSL helpers shared by the row-wise kernel families (softmax, softmax-cross-entropy, layernorm,
// l2norm): one workgroup owns one row, each invocation walks the row with stride WG and the partial
// results meet in a tree in workgroup memory. Rows are indexed from workgroup_id over a 2-D grid so
// that more than 65535 rows still fit one launch.

/** Workgroup size of the row kernels: wide enough for long rows, small enough that short rows
 *  (and lavapipe, where each barrier is a coroutine switch) do not pay for idle lanes. */
export const ROW_WG = 64;

/** WGSL functions `wgSum(v, t)` and `wgMax(v, t)`: all invocations get the workgroup-wide result.
 *  Must be called in uniform control flow. */
export function rowReduceWgsl(wg = ROW_WG): string {
  return /* wgsl */ `
var<workgroup> wgRed: array<f32, ${wg}>;
fn wgSum(v: f32, t: u32) -> f32 {
  wgRed[t] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
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
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { wgRed[t] = max(wgRed[t], wgRed[t + s]); }
    workgroupBarrier();
  }
  let r = wgRed[0];
  workgroupBarrier();
  return r;
}`;
}
