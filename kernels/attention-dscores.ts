// The score-gradient route of the subgroup attention backward (kernels/attention.ts):
//   1. delta_i = rowsum(dO_i * O_i)                       (attentionDeltaSource)
//   2. per key row: dk, dv, and dS_ij = P_ij (dP_ij - delta_i) * scale stored to a [B*H, S, S]
//      buffer (padded: dsPadded)                      (backwardKeySourceSubgroup, storeDs)
//   3. per query row: dq_i = sum_j dS_ij k_j               (backwardQueryFromDsSource)
// The recompute route instead rebuilds P and dS in the query pass from q.k and dO.v: 3 products
// per (query, key) pair there against 1 here. On lavapipe a stored and re-read dS float costs
// two per-lane memory accesses (~1.4 ns) against ~2.7 ns for the two products it saves, and the
// query pass loses its exp; the buffer is S*S floats per head, so very long sequences keep the
// recompute route (attention.ts decides).

import { subgroupMain } from './attention-prologue.js';

const range = (n: number) => [...Array(n).keys()];

/** Padded extents of the dS buffer [B*H, rows, cols] written by the key pass with A rows per lane:
 *  rows to whole blocks of SG queries, columns to whole workgroups of SG * A keys, so that its
 *  stores need no guards. WGSL expressions when S is a WGSL expression, numbers otherwise. */
export function dsPadded<T extends string | number>(S: T, SG: number, A: number): { rows: T; cols: T } {
  const up = (m: number) => (typeof S === 'number' ? Math.ceil(S / m) * m : `((${S} + ${m - 1}u) / ${m}u * ${m}u)`);
  return { rows: up(SG) as T, cols: up(SG * A) as T };
}


/** delta_i = dot(dO_i, O_i): one invocation per row, the row walked as vec4 (D % 4 == 0). */
export function attentionDeltaSource(D: number): string {
  return /* wgsl */ `
struct Params { rows: u32, gridX: u32 }
@group(0) @binding(0) var<storage, read> o: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> delta: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = (wid.x + wid.y * p.gridX) * 64u + lid.x;
  if (row >= p.rows) { return; }
  let b = row * ${D / 4}u;
  // Summed in the key pass's order (dot per vec4, left to right), so that dP_ij - delta_i is exactly
  // 0 where it should be (a single key: P = 1, O = V). Unrolled: a loop costs llvmpipe a mask
  // blend per iteration.
  delta[row] = ${range(D / 4).map((c) => `dot(dout[b + ${c}u], o[b + ${c}u])`).join(' + ')};
}`;
}

/**
 * dq from the stored dS: a workgroup is one subgroup of SG lanes, each lane owning A query rows;
 * key rows come in blocks of SG (lane l loads row j0 + l, subgroupShuffle hands row j0 + r to
 * every lane) and each lane reads its own dS_ij. One product per pair and no exp, so larger A
 * stays cheap to compile.
 */
export function backwardQueryFromDsSource(D: number, SG: number, A: number, kvA: number, U = 2): string {
  const pad = dsPadded('p.S', SG, kvA);
  const T4 = range(SG / 4);
  const Us = range(U);
  const pick = (a: number, r: string) => `${T4.slice(1).reduce((acc, t) => `select(${acc}, dv${a}_${t}, (${r} >> 2u) == ${t}u)`, `dv${a}_0`)}[${r} & 3u]`;
  const C = range(D / 4);
  const N = D / 4;
  const As = range(A);
  return /* wgsl */ `enable subgroups;
struct Params { S: u32, H: u32, scale: f32, masked: u32 }
@group(0) @binding(0) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> ds: array<f32>;
@group(0) @binding(2) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;
${subgroupMain(SG, N, false)}
  ${As.map((a) => `let row${a} = wid.x * ${SG * A}u + l + ${SG * a}u;
  // dS row of this query (clamped past the end: computed, never stored).
  let db${a} = (bh * ${pad.rows} + min(row${a}, p.S - 1u)) * ${pad.cols};
  ${C.map((c) => `var a${a}_${c} = vec4<f32>(0.0);`).join(' ')}`).join('\n  ')}
  for (var j0 = 0u; j0 < p.S; j0 += ${SG}u) {
    let kr = kvb + min(j0 + l, p.S - 1u) * ${N}u;
    ${C.map((c) => `let kl${c} = k[kr + ${c}u];`).join(' ')}
    let n = min(${SG}u, p.S - j0);
    // This block's dS values of each row, loaded before the loop (a load inside it costs several
    // times more on llvmpipe); slot r is component r % 4 of vector r / 4.
    ${As.map((a) => T4.map((t) => `let dv${a}_${t} = vec4<f32>(${[0, 1, 2, 3].map((c) => `ds[db${a} + min(j0 + ${4 * t + c}u, p.S - 1u)]`).join(', ')});`).join('\n    ')).join('\n    ')}
    for (var r = 0u; r < n; r += ${U}u) {
      ${Us.map((u) => `let r${u} = min(r + ${u}u, ${SG - 1}u);\n      ${C.map((c) => `let kc${u}_${c} = subgroupShuffle(kl${c}, r${u});`).join(' ')}`).join('\n      ')}
      ${As.map((a) => `{
        ${Us.map((u) => `let d${u} = ${u ? `select(0.0, ${pick(a, `r${u}`)}, r + ${u}u < n)` : pick(a, 'r0')};`).join(' ')}
        ${C.map((c) => `a${a}_${c} += ${Us.map((u) => `d${u} * kc${u}_${c}`).join(' + ')};`).join(' ')}
      }`).join('\n      ')}
    }
  }
  ${As.map((a) => `if (row${a} < p.S) {
    let qb = kvb + row${a} * ${N}u;
    ${C.map((c) => `dq[qb + ${c}u] = a${a}_${c};`).join(' ')}
  }`).join('\n  ')}
}`;
}
