// The op table: every differentiable op with its forward launch and its gradient rule side by side.
// To see how any gradient is computed, read this file top to bottom; kernels live in kernels/.
//
// Conventions: forward functions validate shapes (errors print both shapes) and return new
// tensors; `record` attaches the backward rule when autograd is on and an input needs a gradient.
// Backward rules run under noGrad and return one gradient per input (undefined where none).

import type { Engine } from './engine.js';
import { Tensor, type TapeNode } from './tensor.js';
import { fmtShape, shapeSize, type DType } from './dtype.js';
import { accumulate, broadcastShapes, mapElementwise } from '../kernels/elementwise.js';
import { reduceAxis } from '../kernels/reduce.js';
import { copyAxisRange, permute } from '../kernels/layout.js';
import { matmulGemm } from '../kernels/gemm.js';

export type Ops = ReturnType<typeof makeOps>;

/** The matmul launcher behind `matmul`: the GEMM family unless replaced (setMatmulImpl). */
export type MatmulImpl = typeof matmulGemm;

/** Make the engine's matmul op (forward and backward) run on the GEMM family, the default. */
export function installGemm(e: Engine): void {
  e.ops.setMatmulImpl(matmulGemm);
}

export function makeOps(e: Engine) {
  let matmulImpl: MatmulImpl = matmulGemm;

  function record(out: Tensor, op: string, inputs: Tensor[], backward: TapeNode['backward']): Tensor {
    if (e.gradEnabled && inputs.some((t) => t.requiresGrad)) {
      out.requiresGrad = true;
      out.node = { op, inputs, backward };
    }
    return out;
  }

  const map = (name: string, expr: string, inputs: Tensor[], scalars?: number[], outDtype?: DType) =>
    mapElementwise(e, { name, expr, inputs, scalars, outDtype });

  function checkSameDtype(op: string, a: Tensor, b: Tensor) {
    if (a.dtype !== b.dtype) throw new Error(`${op}: dtype mismatch, ${a.describe()} vs ${b.describe()}.`);
  }

  /** Sum `g` down to `shape` over the dimensions that broadcasting expanded. */
  function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
    if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
    let cur = g;
    const lead = g.shape.length - shape.length;
    for (let d = 0; d < g.shape.length; d++) {
      const want = d < lead ? 1 : shape[d - lead];
      if (cur.shape[d] !== want) {
        const next = sumAxis(cur, d, true);
        if (cur !== g) cur.dispose();
        cur = next;
      }
    }
    const out = e.view(cur, shape);
    if (cur !== g) cur.dispose();
    return out;
  }

  function sumAxis(x: Tensor, axis: number, keepDims: boolean, scale = 1): Tensor {
    const outer = shapeSize(x.shape.slice(0, axis));
    const n = x.shape[axis];
    const inner = shapeSize(x.shape.slice(axis + 1));
    const outShape = keepDims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    const out = e.empty(outShape);
    reduceAxis(e, 'sum', x, outer, n, inner, out, undefined, scale);
    return out;
  }

  function normAxis(x: Tensor, axis: number | undefined): number {
    if (axis === undefined) return -1;
    const a = axis < 0 ? axis + x.rank : axis;
    if (a < 0 || a >= x.rank) throw new Error(`axis ${axis} is out of range for ${x.describe()}.`);
    return a;
  }

  /** Broadcast g (shape with 1s or fewer dims) up to `shape`. */
  function expand(g: Tensor, shape: readonly number[], scale = 1): Tensor {
    broadcastShapes(g.shape, shape);
    const ones = fill(shape, scale);
    const out = map('expand', 'a * b', [g, ones]);
    ones.dispose();
    return out;
  }

  function fill(shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
    if (dtype !== 'f32') throw new Error(`fill: only f32 fills are supported, got ${dtype}.`);
    return fillInto(e.empty(shape, dtype), value);
  }

  function fillInto(out: Tensor, value: number): Tensor {
    const k = e.kernel(
      'fill',
      /* wgsl */ `
struct Params { n: u32, rowStride: u32, value: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i < p.n) { out[i] = p.value; }
}`,
    );
    const [gx, gy] = e.grid1d(Math.ceil(out.size / 256));
    e.dispatch(k, { bind: { out }, params: { n: out.size, rowStride: gx * 256, value }, workgroups: [gx, gy] });
    return out;
  }

  function scalarOrTensor(op: string, a: Tensor, b: Tensor | number): Tensor | number {
    if (typeof b === 'number') return b;
    checkSameDtype(op, a, b);
    return b;
  }

  const ops = {
    // ------------------------------------------------------------ elementwise, binary
    add(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('add', a, b);
      if (typeof bb === 'number') return record(map('add_s', 'a + s0', [a], [bb]), 'add', [a], (g) => [ops.copy(g)]);
      return record(map('add', 'a + b', [a, bb]), 'add', [a, bb], (g) => [unbroadcast(g, a.shape), unbroadcast(g, bb.shape)]);
    },
    sub(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('sub', a, b);
      if (typeof bb === 'number') return record(map('sub_s', 'a - s0', [a], [bb]), 'sub', [a], (g) => [ops.copy(g)]);
      return record(map('sub', 'a - b', [a, bb]), 'sub', [a, bb], (g) => {
        const ng = map('neg', '-a', [g]);
        const gb = unbroadcast(ng, bb.shape);
        if (gb !== ng) ng.dispose();
        return [unbroadcast(g, a.shape), gb];
      });
    },
    mul(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('mul', a, b);
      if (typeof bb === 'number') return record(map('mul_s', 'a * s0', [a], [bb]), 'mul', [a], (g) => [map('mul_s', 'a * s0', [g], [bb])]);
      return record(map('mul', 'a * b', [a, bb]), 'mul', [a, bb], (g) => [
        a.requiresGrad ? reduceTo(map('mul', 'a * b', [g, bb]), a.shape) : undefined,
        bb.requiresGrad ? reduceTo(map('mul', 'a * b', [g, a]), bb.shape) : undefined,
      ]);
    },
    div(a: Tensor, b: Tensor | number): Tensor {
      const bb = scalarOrTensor('div', a, b);
      if (typeof bb === 'number') return record(map('div_s', 'a / s0', [a], [bb]), 'div', [a], (g) => [map('div_s', 'a / s0', [g], [bb])]);
      return record(map('div', 'a / b', [a, bb]), 'div', [a, bb], (g) => [
        a.requiresGrad ? reduceTo(map('div', 'a / b', [g, bb]), a.shape) : undefined,
        bb.requiresGrad ? reduceTo(map('div_grad_b', '-a * b / (c * c)', [g, a, bb]), bb.shape) : undefined,
      ]);
    },

    // ------------------------------------------------------------ elementwise, unary
    neg(x: Tensor): Tensor {
      return record(map('neg', '-a', [x]), 'neg', [x], (g) => [map('neg', '-a', [g])]);
    },
    exp(x: Tensor): Tensor {
      const y = map('exp', 'exp(a)', [x]);
      return record(y, 'exp', [x], (g) => [map('mul', 'a * b', [g, y])]);
    },
    log(x: Tensor): Tensor {
      return record(map('log', 'log(a)', [x]), 'log', [x], (g) => [map('div', 'a / b', [g, x])]);
    },
    sqrt(x: Tensor): Tensor {
      const y = map('sqrt', 'sqrt(a)', [x]);
      return record(y, 'sqrt', [x], (g) => [map('sqrt_grad', '0.5 * a / b', [g, y])]);
    },
    relu(x: Tensor): Tensor {
      return record(map('relu', 'max(a, 0.0)', [x]), 'relu', [x], (g) => [map('relu_grad', 'select(0.0, a, b > 0.0)', [g, x])]);
    },
    tanh(x: Tensor): Tensor {
      const y = map('tanh', 'tanh(clamp(a, -15.0, 15.0))', [x]);
      return record(y, 'tanh', [x], (g) => [map('tanh_grad', 'a * (1.0 - b * b)', [g, y])]);
    },

    // ------------------------------------------------------------ reductions
    sum(x: Tensor, axis?: number, keepDims = false): Tensor {
      const ax = normAxis(x, axis);
      const flat = ax < 0;
      const src = flat ? e.view(x, [x.size]) : x;
      const out = sumAxis(src, flat ? 0 : ax, flat ? false : keepDims);
      if (flat) src.dispose();
      const res = flat ? viewScalar(out) : out;
      return record(res, 'sum', [x], (g) => [expand(flat ? g : keepShape(g, x.shape, ax), x.shape)]);
    },
    mean(x: Tensor, axis?: number, keepDims = false): Tensor {
      const ax = normAxis(x, axis);
      const flat = ax < 0;
      const n = flat ? x.size : x.shape[ax];
      const src = flat ? e.view(x, [x.size]) : x;
      const out = sumAxis(src, flat ? 0 : ax, flat ? false : keepDims, 1 / n);
      if (flat) src.dispose();
      const res = flat ? viewScalar(out) : out;
      return record(res, 'mean', [x], (g) => [expand(flat ? g : keepShape(g, x.shape, ax), x.shape, 1 / n)]);
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
      return record(out, 'max', [x], (g) => [maxGrad(g, arg, outer, n, inner, x.shape)]);
    },

    // ------------------------------------------------------------ layout
    reshape(x: Tensor, shape: readonly number[]): Tensor {
      const resolved = resolveShape(shape, x);
      return record(e.view(x, resolved), 'reshape', [x], (g) => [e.view(g, x.shape)]);
    },
    transpose(x: Tensor, perm?: readonly number[]): Tensor {
      const p = perm ?? x.shape.map((_, i) => i).reverse();
      if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
        throw new Error(`transpose: ${fmtShape(p)} is not a permutation of the ${x.rank} axes of ${x.describe()}.`);
      }
      const inv = new Array(p.length);
      p.forEach((v, i) => (inv[v] = i));
      return record(permute(e, x, p), 'transpose', [x], (g) => [permute(e, g, inv)]);
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
      return record(out, 'slice', [x], (g) => {
        const dx = e.zeros(x.shape);
        copyAxisRange(e, g, dx, { outer, inner, len, inN: len, inStart: 0, outN: n, outStart: start });
        return [dx];
      });
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
      return record(out, 'concat', xs, (g) =>
        xs.map((t, i) => {
          if (!t.requiresGrad) return undefined;
          const dx = e.empty(t.shape);
          copyAxisRange(e, g, dx, { outer, inner, len: t.shape[ax], inN: total, inStart: starts[i], outN: t.shape[ax], outStart: 0 });
          return dx;
        }),
      );
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
      // A weight shared over the batch is one tall GEMM.
      if (bShared) matmulImpl(e, a, b, out, { M: batch * M, N, K });
      else matmulImpl(e, a, b, out, { M, N, K, batch });
      return record(out, 'matmul', [a, b], (g) => {
        let da: Tensor | undefined;
        let db: Tensor | undefined;
        if (a.requiresGrad) {
          da = e.empty(a.shape);
          if (bShared) matmulImpl(e, g, b, da, { M: batch * M, N: K, K: N, transB: true });
          else matmulImpl(e, g, b, da, { M, N: K, K: N, batch, transB: true });
        }
        if (b.requiresGrad) {
          db = e.empty(b.shape);
          if (bShared) matmulImpl(e, a, g, db, { M: K, N, K: batch * M, transA: true });
          else matmulImpl(e, a, g, db, { M: K, N, K: M, batch, transA: true });
        }
        return [da, db];
      });
    },

    // ------------------------------------------------------------ not differentiable
    fill,
    copy(x: Tensor): Tensor {
      const out = e.empty(x.shape, x.dtype);
      e.copy(x, out, x.size * 4);
      return out;
    },
    /** acc += x (gradient accumulation). */
    addInPlace(acc: Tensor, x: Tensor, scale = 1): void {
      accumulate(e, acc, x, scale);
    },
    expand,
    /** Identity forward; the backward multiplies the gradient by `keep` (broadcast over x), so the
     *  entries where keep is 0 receive none. */
    maskGradient(x: Tensor, keep: Tensor): Tensor {
      return record(e.view(x, x.shape), 'maskGradient', [x], (g) => [map('mul', 'a * b', [g, keep])]);
    },
    /** Replace the matmul launcher (same signature as kernels/gemm.ts's matmulGemm). */
    setMatmulImpl(impl: MatmulImpl) {
      matmulImpl = impl;
    },
    /** Register an op defined outside this file (a kernel family) with its gradient rule. */
    record,
    map,
  };

  function reduceTo(t: Tensor, shape: readonly number[]): Tensor {
    const r = unbroadcast(t, shape);
    if (r !== t) t.dispose();
    return r;
  }

  function viewScalar(t: Tensor): Tensor {
    const v = e.view(t, []);
    t.dispose();
    return v;
  }

  /** View a reduced tensor with the reduced axis kept as size 1 (for broadcasting back). */
  function keepShape(t: Tensor, full: readonly number[], ax: number): Tensor {
    const shape = full.map((d, i) => (i === ax ? 1 : d));
    if (t.shape.length === shape.length) return t;
    return e.view(t, shape);
  }

  /** Route each row's gradient to the position of its maximum. */
  function maxGrad(g: Tensor, arg: Tensor, outer: number, n: number, inner: number, shape: readonly number[]): Tensor {
    const dx = e.empty(shape);
    const k = e.kernel(
      'max_grad',
      /* wgsl */ `
struct Params { outer: u32, n: u32, inner: u32, rowStride: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> arg: array<i32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.outer * p.n * p.inner) { return; }
  let k = i % p.inner;
  let j = (i / p.inner) % p.n;
  let o = i / (p.inner * p.n);
  let r = o * p.inner + k;
  dx[i] = select(0.0, g[r], arg[r] == i32(j));
}`,
    );
    const [gx, gy] = e.grid1d(Math.ceil(dx.size / 256));
    e.dispatch(k, { bind: { g, arg, dx }, params: { outer, n, inner, rowStride: gx * 256 }, workgroups: [gx, gy] });
    return dx;
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

  return ops;
}
