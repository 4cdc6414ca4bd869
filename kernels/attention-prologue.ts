// The entry point shared by the attention kernels (attention.ts, attention-dscores.ts): workgroups
// are laid out [row blocks, batch * heads], so every kernel starts by naming its head and, when it
// reads the key padding mask, the mask row of its batch item.

/** Subgroup kernels: a workgroup is one subgroup of SG lanes; kvb is the head's first vec4 of q/k/v. */
export function subgroupMain(SG: number, N: number, withMask = true): string {
  return `@compute @workgroup_size(${SG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bh = wid.y;
  let l = lid.x;${withMask ? '\n  let maskBase = (bh / p.H) * p.S;' : ''}
  let kvb = bh * p.S * ${N}u;`;
}

/** Portable kernels: one row per invocation, WG rows per workgroup. */
export function rowMain(WG: number): string {
  return `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bh = wid.y;
  let maskBase = (bh / p.H) * p.S;
  let row = wid.x * ${WG}u + lid.x;`;
}
