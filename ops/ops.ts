// The generic op table (`engine.ops`): elementwise with broadcasting, reductions, layout, matmul,
// each a forward that launches kernels and records itself on the tape with `record(out, name,
// inputs, saved)`; the gradient rules are the entries of the same names in ops/gradients.ts.
//
// Conventions: forward functions validate shapes (errors print both shapes) and return new tensors.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape, shapeSize, type DType } from '../engine/dtype.js';
import { accumulate } from '../kernels/elementwise.js';
import { reduceAxis } from '../kernels/reduce.js';
import { copyAxisRange, permute } from '../kernels/layout.js';
import { record } from './tape.js';
import { copy, expand, fill, map, sumAxis } from './primitives.js';
import { matmulImplOf, setMatmulImpl, type MatmulImpl } from './matmul-impl.js';

export type Ops = ReturnType<typeof makeOps>;

function checkSameDtype(op: string, a: Tensor, b: Tensor) {
  if (a.dtype !== b.dtype) throw new Error(`${op}: dtype mismatch, ${a.describe()} vs ${b.describe()}.`);
}

function scalarOrTensor(op: string, a: Tensor, b: Tensor | number): Tensor | number {
  if (typeof b === 'number') return b;
  checkSameDtype(op, a, b);
  return b;
}

function normAxis(x: Tensor, axis: number | undefined): number {
  if (axis === undefined) return -1;
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= x.rank) throw new Error(`axis ${axis} is out of range for ${x.describe()}.`);
  return a;
}

function resolveShape(shape: readonly number[], x: Tensor): number[] {
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new Error(`reshape: at most one -1 in ${fmtShape(shape)}.`);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = shape.map((d) => (d === -1 ? x.size / known : d));
  if (shapeSize(out) !== x.size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot reshape ${x.describe()} (${x.size} elements) to ${fmtShape(shape)}.`);
  }
  return out;
}

export function makeOps(e: Runtime) {
  const viewScalar = (t: Tensor): Tensor => {
    const v = e.view(t, []);
    t.dispose();
    return v;
  };

  const ops = {
    // ------------------------------------------------------------ elementwise, binary
    add(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('add', a, b);
      if (typeof bb === 'number') return record(map(e, 'add_s', 'a + s0', [a], [bb]), 'addScalar', [a]);
      return record(map(e, 'add', 'a + b', [a, bb]), 'add', [a, bb]);
    },
    sub(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('sub', a, b);
      if (typeof bb === 'number') return record(map(e, 'sub_s', 'a - s0', [a], [bb]), 'subScalar', [a]);
      return record(map(e, 'sub', 'a - b', [a, bb]), 'sub', [a, bb]);
    },
    mul(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('mul', a, b);
      if (typeof bb === 'number') return record(map(e, 'mul_s', 'a * s0', [a], [bb]), 'mulScalar', [a], bb);
      return record(map(e, 'mul', 'a * b', [a, bb]), 'mul', [a, bb]);
    },
    div(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('div', a, b);
      if (typeof bb === 'number') return record(map(e, 'div_s', 'a / s0', [a], [bb]), 'divScalar', [a], bb);
      return record(map(e, 'div', 'a / b', [a, bb]), 'div', [a, bb]);
    },

    // ------------------------------------------------------------ elementwise, unary
    neg(x: Tensor): Tensor {
      return record(map(e, 'neg', '-a', [x]), 'neg', [x]);
    },
    exp(x: Tensor): Tensor {
      const y = map(e, 'exp', 'exp(a)', [x]);
      return record(y, 'exp', [x], y);
    },
    log(x: Tensor): Tensor {
      return record(map(e, 'log', 'log(a)', [x]), 'log', [x]);
    },
    sqrt(x: Tensor): Tensor {
      const y = map(e, 'sqrt', 'sqrt(a)', [x]);
      return record(y, 'sqrt', [x], y);
    },
    relu(x: Tensor): Tensor {
      return record(map(e, 'relu', 'max(a, 0.0)', [x]), 'relu', [x]);
    },
    tanh(x: Tensor): Tensor {
      const y = map(e, 'tanh', 'tanh(clamp(a, -15.0, 15.0))', [x]);
      return record(y, 'tanh', [x], y);
    },

    // ------------------------------------------------------------ reductions
    sum(x: Tensor, axis?: number, keepDims = false): Tensor {
      const ax = normAxis(x, axis);
      const flat = ax < 0;
      const src = flat ? e.view(x, [x.size]) : x;
      const out = sumAxis(e, src, flat ? 0 : ax, flat ? false : keepDims);
      if (flat) src.dispose();
      const res = flat ? viewScalar(out) : out;
      return record(res, 'sum', [x], { ax, flat });
    },
    mean(x: Tensor, axis?: number, keepDims = false): Tensor {
      const ax = normAxis(x, axis);
      const flat = ax < 0;
      const n = flat ? x.size : x.shape[ax];
      const src = flat ? e.view(x, [x.size]) : x;
      const out = sumAxis(e, src, flat ? 0 : ax, flat ? false : keepDims, 1 / n);
      if (flat) src.dispose();
      const res = flat ? viewScalar(out) : out;
      return record(res, 'mean', [x], { ax, flat, n });
    },
    /** Max over an axis; the gradient goes to the first maximal element. */
    max(x: Tensor, axis: number, keepDims = false): Tensor {
      const ax = normAxis(x, axis);
      const outer = shapeSize(x.shape.slice(0, ax));
      const n = x.shape[ax];
      const inner = shapeSize(x.shape.slice(ax + 1));
      const outShape = keepDims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
      const out = e.empty(outShape);
      const arg = e.empty(outShape, 'i32');
      reduceAxis(e, 'max', x, outer, n, inner, out, arg);
      return record(out, 'max', [x], { arg, outer, n, inner });
    },

    // ------------------------------------------------------------ layout
    reshape(x: Tensor, shape: readonly number[]): Tensor {
      const resolved = resolveShape(shape, x);
      return record(e.view(x, resolved), 'reshape', [x]);
    },
    transpose(x: Tensor, perm?: readonly number[]): Tensor {
      const p = perm ?? x.shape.map((_, i) => i).reverse();
      if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
        throw new Error(`transpose: ${fmtShape(p)} is not a permutation of the ${x.rank} axes of ${x.describe()}.`);
      }
      const inv = new Array(p.length);
      p.forEach((v, i) => (inv[v] = i));
      return record(permute(e, x, p), 'transpose', [x], inv);
    },
    slice(x: Tensor, axis: number, start: number, end: number): Tensor {
      const ax = normAxis(x, axis);
      const n = x.shape[ax];
      if (!(0 <= start && start <= end && end <= n)) {
        throw new Error(`slice: range ${start}:${end} is outside axis ${ax} (size ${n}) of ${x.describe()}.`);
      }
      const outer = shapeSize(x.shape.slice(0, ax));
      const inner = shapeSize(x.shape.slice(ax + 1));
      const len = end - start;
      const out = e.empty(x.shape.map((d, i) => (i === ax ? len : d)));
      copyAxisRange(e, x, out, { outer, inner, len, inN: n, inStart: start, outN: len, outStart: 0 });
      return record(out, 'slice', [x], { outer, inner, len, n, start });
    },
    concat(xs: Tensor[], axis: number): Tensor {
      if (!xs.length) throw new Error('concat: no tensors given.');
      const ax = normAxis(xs[0], axis);
      for (const t of xs) {
        const ok = t.rank === xs[0].rank && t.shape.every((d, i) => i === ax || d === xs[0].shape[i]);
        if (!ok) throw new Error(`concat along axis ${ax}: ${xs[0].describe()} and ${t.describe()} differ outside that axis.`);
        checkSameDtype('concat', xs[0], t);
      }
      const total = xs.reduce((s, t) => s + t.shape[ax], 0);
      const outer = shapeSize(xs[0].shape.slice(0, ax));
      const inner = shapeSize(xs[0].shape.slice(ax + 1));
      const out = e.empty(xs[0].shape.map((d, i) => (i === ax ? total : d)));
      const starts: number[] = [];
      let at = 0;
      for (const t of xs) {
        starts.push(at);
        copyAxisRange(e, t, out, { outer, inner, len: t.shape[ax], inN: t.shape[ax], inStart: 0, outN: total, outStart: at });
        at += t.shape[ax];
      }
      return record(out, 'concat', xs, { ax, outer, inner, total, starts });
    },

    // ------------------------------------------------------------ linear algebra
    /** a [..., M, K] @ b [K, N] or [..., K, N] (same leading dims). */
    matmul(a: Tensor, b: Tensor): Tensor {
      checkSameDtype('matmul', a, b);
      if (a.rank < 2 || b.rank < 2) throw new Error(`matmul needs rank >= 2 operands, got ${a.describe()} and ${b.describe()}.`);
      const M = a.shape[a.rank - 2];
      const K = a.shape[a.rank - 1];
      const [Kb, N] = b.shape.slice(-2);
      if (K !== Kb) throw new Error(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${K} vs ${Kb}).`);
      const batchShape = a.shape.slice(0, -2);
      const batch = shapeSize(batchShape);
      const bShared = b.rank === 2;
      if (!bShared && (b.rank !== a.rank || b.shape.slice(0, -2).some((d, i) => d !== batchShape[i]))) {
        throw new Error(`matmul: batch dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}.`);
      }
      const out = e.empty([...batchShape, M, N]);
      const matmul = matmulImplOf(e);
      // A weight shared over the batch is one tall GEMM.
      if (bShared) matmul(e, a, b, out, { M: batch * M, N, K });
      else matmul(e, a, b, out, { M, N, K, batch });
      return record(out, 'matmul', [a, b], { M, N, K, batch, bShared });
    },

    /** Identity forward; the backward multiplies the gradient by `keep` (broadcast over x), so the
     *  entries where keep is 0 receive none. */
    maskGradient(x: Tensor, keep: Tensor): Tensor {
      return record(e.view(x, x.shape), 'maskGradient', [x], keep);
    },

    // ------------------------------------------------------------ not differentiable
    fill(shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
      return fill(e, shape, value, dtype);
    },
    copy(x: Tensor): Tensor {
      return copy(e, x);
    },
    /** acc += x (gradient accumulation). */
    addInPlace(acc: Tensor, x: Tensor, scale = 1): void {
      accumulate(e, acc, x, scale);
    },
    /** Broadcast g up to `shape`, times `scale`. */
    expand(g: Tensor, shape: readonly number[], scale = 1): Tensor {
      return expand(e, g, shape, scale);
    },
    /** Replace the matmul launcher (same signature as kernels/gemm.ts's matmulGemm). */
    setMatmulImpl(impl: MatmulImpl) {
      setMatmulImpl(e, impl);
    },
    /** An elementwise WGSL expression over broadcast inputs (a, b, c, ...) and scalars (s0, s1, ...). */
    map(name: string, expr: string, inputs: Tensor[], scalars?: number[], outDtype?: DType): Tensor {
      return map(e, name, expr, inputs, scalars, outDtype);
    },
  };

  return ops;
}
