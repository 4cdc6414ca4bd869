// Where each parameter sits in the flat optimizer state. The state is one buffer per quantity
// (exp_avg, exp_avg_sq, momentum) laid out like the parameter arena, whose offsets are aligned to
// the adapter's minStorageBufferOffsetAlignment; that alignment differs between adapters, so each
// checkpoint records the layout by name and a restore on another layout moves every parameter's
// state to its own offset instead of misreading the buffer. Other programs (the PyTorch package in
// python/focusclip_torch) read and write the state through the same record.

import type { Tensor } from '../engine/tensor.js';

export const META_OPTIMIZER_LAYOUT = 'optimizer_layout';

/** Per parameter, in arena order: [name, offset in floats from the arena start, element count]. */
export interface OptimizerLayout {
  /** Total floats of each flat state buffer (padding included). */
  size: number;
  params: [string, number, number][];
}

export function layoutOf(params: ReadonlyMap<string, Tensor>, flat: Tensor): OptimizerLayout {
  const base = flat.offset;
  return { size: flat.size, params: [...params].map(([name, t]) => [name, (t.offset - base) / 4, t.size]) };
}

export function parseLayout(raw: string | undefined, source: string): OptimizerLayout | undefined {
  if (raw === undefined) return undefined;
  let v: OptimizerLayout;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${source}: __metadata__.${META_OPTIMIZER_LAYOUT} is not valid JSON (${(err as Error).message}).`);
  }
  const ok =
    v && Number.isInteger(v.size) && v.size > 0 && Array.isArray(v.params) &&
    v.params.every((p) => Array.isArray(p) && typeof p[0] === 'string' && Number.isInteger(p[1]) && Number.isInteger(p[2]) && p[1] >= 0 && p[2] >= 0 && p[1] + p[2] <= v.size);
  if (!ok) throw new Error(`${source}: __metadata__.${META_OPTIMIZER_LAYOUT} must be {size, params: [[name, offset, count], ...]} with every span inside size.`);
  return v;
}

export function sameLayout(a: OptimizerLayout, b: OptimizerLayout): boolean {
  return a.size === b.size && a.params.length === b.params.length && a.params.every((p, i) => p[0] === b.params[i][0] && p[1] === b.params[i][1] && p[2] === b.params[i][2]);
}

/** Copy each parameter's span of `src` (laid out as `from`) to its place in a buffer laid out as `to`. */
export function relayout(src: Float32Array, from: OptimizerLayout, to: OptimizerLayout, source: string): Float32Array {
  if (src.length !== from.size) throw new Error(`${source}: the optimizer state has ${src.length} values but its layout says ${from.size}.`);
  const spans = new Map(from.params.map(([n, o, c]) => [n, [o, c] as const]));
  const out = new Float32Array(to.size);
  const missing: string[] = [];
  for (const [name, off, count] of to.params) {
    const s = spans.get(name);
    if (!s || s[1] !== count) {
      missing.push(s ? `${name} (${s[1]} values in the file, ${count} in the model)` : name);
      continue;
    }
    out.set(src.subarray(s[0], s[0] + count), off);
  }
  if (missing.length) throw new Error(`${source}: the optimizer state does not cover the model's parameters: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''}.`);
  return out;
}
