// Embedding gather and its scatter-add backward. The backward must sum the gradients of every
// position that used the same row; WGSL has no float atomics and we want bit-identical results run
// to run, so the positions are sorted by (id, position) with a bitonic sort on the GPU, and one
// invocation per (segment of equal ids, feature) sums its segment in position order. The cost is
// O(P log^2 P) for the sort plus O(P * D) for the sums, independent of the vocabulary size.
//
// Ids outside [0, V) gather zeros and receive no gradient (the host cannot check them without a
// read-back).

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

const WG = 256;
const SENTINEL = 0x7fffffff;

const GATHER = /* wgsl */ `
struct Params { n: u32, rowStride: u32, D: u32, V: u32 }
@group(0) @binding(0) var<storage, read> table: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let pos = i / p.D;
  let id = ids[pos];
  if (id < 0 || u32(id) >= p.V) { out[i] = 0.0; return; }
  out[i] = table[u32(id) * p.D + i % p.D];
}`;

const SORT_INIT = /* wgsl */ `
struct Params { n: u32, P: u32, V: u32 }
@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read_write> keyId: array<i32>;
@group(0) @binding(2) var<storage, read_write> keyPos: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.n) { return; }
  var id = ${SENTINEL};
  if (i < p.P) {
    let v = ids[i];
    if (v >= 0 && u32(v) < p.V) { id = v; }
  }
  keyId[i] = id;
  keyPos[i] = i;
}`;

// One compare-exchange step of a bitonic sorting network over (id, position) pairs.
const SORT_STEP = /* wgsl */ `
struct Params { n: u32, j: u32, k: u32 }
@group(0) @binding(0) var<storage, read_write> keyId: array<i32>;
@group(0) @binding(1) var<storage, read_write> keyPos: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let l = i ^ p.j;
  if (i >= p.n || l <= i) { return; }
  let ai = keyId[i];
  let al = keyId[l];
  let pi = keyPos[i];
  let pl = keyPos[l];
  let greater = ai > al || (ai == al && pi > pl);
  let ascending = (i & p.k) == 0u;
  if (greater == ascending) {
    keyId[i] = al; keyId[l] = ai;
    keyPos[i] = pl; keyPos[l] = pi;
  }
}`;

const SEGMENT_SUM = /* wgsl */ `
struct Params { P: u32, D: u32, gridY: u32 }
@group(0) @binding(0) var<storage, read> keyId: array<i32>;
@group(0) @binding(1) var<storage, read> keyPos: array<u32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dtable: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  let k = gid.y + gid.z * p.gridY;
  if (d >= p.D || k >= p.P) { return; }
  let id = keyId[k];
  if (id == ${SENTINEL} || (k > 0u && keyId[k - 1u] == id)) { return; }
  var acc = 0.0;
  for (var m = k; m < p.P && keyId[m] == id; m++) { acc += g[keyPos[m] * p.D + d]; }
  dtable[u32(id) * p.D + d] = acc;
}`;

function checkArgs(table: Tensor, ids: Tensor): void {
  if (table.rank !== 2 || table.dtype !== 'f32') throw new Error(`embedding: table must be f32 [vocab, dim], got ${table.describe()}.`);
  if (ids.dtype !== 'i32') throw new Error(`embedding: ids must be i32, got ${ids.describe()}; create them with { dtype: 'i32' } or an Int32Array.`);
}

export function embeddingForward(e: Runtime, table: Tensor, ids: Tensor): Tensor {
  checkArgs(table, ids);
  const [V, D] = table.shape;
  const out = e.empty([...ids.shape, D]);
  const [gx, gy] = e.grid1d(Math.ceil(out.size / WG));
  e.dispatch(e.kernel('embedding', GATHER), { bind: { table, ids, out }, params: { n: out.size, rowStride: gx * WG, D, V }, workgroups: [gx, gy] });
  return out;
}

/** dtable [V, D] = sum over positions p with ids[p] = v of g[p, :]; zero for unused rows. Scattered
 *  into `zeroed` when given (a buffer of the table's shape that holds zeros), into a new zeroed
 *  tensor otherwise. */
export function embeddingBackward(e: Runtime, table: Tensor, ids: Tensor, g: Tensor, zeroed?: Tensor): Tensor {
  const [V, D] = table.shape;
  const P = ids.size;
  if (g.size !== P * D) throw new Error(`embedding backward: gradient ${g.describe()} does not match ${P} positions x ${D}.`);
  const n = Math.max(1, 2 ** Math.ceil(Math.log2(Math.max(P, 1))));
  const maxGroups = e.limits.maxComputeWorkgroupsPerDimension;
  if (n / WG > maxGroups) throw new Error(`embedding backward: ${P} positions exceed the sort's launch limit.`);
  const keyId = e.empty([n], 'i32');
  const keyPos = e.empty([n], 'u32');
  const groups = Math.ceil(n / WG);
  e.dispatch(e.kernel('embedding_sort_init', SORT_INIT), { bind: { ids, keyId, keyPos }, params: { n, P, V }, workgroups: [groups] });
  const step = e.kernel('embedding_sort_step', SORT_STEP);
  for (let k = 2; k <= n; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) e.dispatch(step, { bind: { keyId, keyPos }, params: { n, j, k }, workgroups: [groups] });
  }
  const dtable = zeroed ?? e.zeros([V, D]);
  const gridY = Math.min(P, maxGroups);
  e.dispatch(e.kernel('embedding_segment_sum', SEGMENT_SUM), {
    bind: { keyId, keyPos, g, dtable },
    params: { P, D, gridY },
    workgroups: [Math.ceil(D / 64), gridY, Math.ceil(P / gridY)],
  });
  keyId.dispose();
  keyPos.dispose();
  return dtable;
}
