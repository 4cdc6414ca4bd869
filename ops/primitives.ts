// Launches the op layer shares between forwards (ops/ops.ts, ops/nn.ts) and gradient rules
// (ops/gradients.ts): elementwise maps, copies, fills and the sums that undo broadcasting. None of
// them records on the tape.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { shapeSize, type DType } from '../engine/dtype.js';
import { broadcastShapes, mapElementwise } from '../kernels/elementwise.js';
import { reduceAxis } from '../kernels/reduce.js';
import { fillInto } from '../kernels/fill.js';

/** An elementwise WGSL expression over broadcast inputs (a, b, c, ...) and scalars (s0, s1, ...). */
export function map(e: Runtime, name: string, expr: string, inputs: Tensor[], scalars?: number[], outDtype?: DType): Tensor {
  return mapElementwise(e, { name, expr, inputs, scalars, outDtype });
}

export function copy(e: Runtime, x: Tensor): Tensor {
  const out = e.empty(x.shape, x.dtype);
  e.copy(x, out, x.size * 4);
  return out;
}

export function fill(e: Runtime, shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
  if (dtype !== 'f32') throw new Error(`fill: only f32 fills are supported, got ${dtype}.`);
  return fillInto(e, e.empty(shape, dtype), value);
}

export function sumAxis(e: Runtime, x: Tensor, axis: number, keepDims: boolean, scale = 1): Tensor {
  const outer = shapeSize(x.shape.slice(0, axis));
  const n = x.shape[axis];
  const inner = shapeSize(x.shape.slice(axis + 1));
  const outShape = keepDims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  const out = e.empty(outShape);
  reduceAxis(e, 'sum', x, outer, n, inner, out, undefined, scale);
  return out;
}

/** Sum `g` down to `shape` over the dimensions that broadcasting expanded. */
export function unbroadcast(e: Runtime, g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  let cur = g;
  const lead = g.shape.length - shape.length;
  for (let d = 0; d < g.shape.length; d++) {
    const want = d < lead ? 1 : shape[d - lead];
    if (cur.shape[d] !== want) {
      const next = sumAxis(e, cur, d, true);
      if (cur !== g) cur.dispose();
      cur = next;
    }
  }
  const out = e.view(cur, shape);
  if (cur !== g) cur.dispose();
  return out;
}

/** unbroadcast, releasing `t` when a new tensor was made. */
export function reduceTo(e: Runtime, t: Tensor, shape: readonly number[]): Tensor {
  const r = unbroadcast(e, t, shape);
  if (r !== t) t.dispose();
  return r;
}

/** Broadcast g (shape with 1s or fewer dims) up to `shape`, times `scale`. */
export function expand(e: Runtime, g: Tensor, shape: readonly number[], scale = 1): Tensor {
  broadcastShapes(g.shape, shape);
  const ones = fill(e, shape, scale);
  const out = map(e, 'expand', 'a * b', [g, ones]);
  ones.dispose();
  return out;
}

/** View a reduced tensor with the reduced axis kept as size 1 (for broadcasting back). */
export function keepShape(e: Runtime, t: Tensor, full: readonly number[], ax: number): Tensor {
  const shape = full.map((d, i) => (i === ax ? 1 : d));
  if (t.shape.length === shape.length) return t;
  return e.view(t, shape);
}
