// The methods of Tensor that compute (x.add(y), x.sum(), loss.backward(), ...): sugar over the op
// table of the engine that made the tensor, so that model code reads like math. The runtime's
// Tensor (engine/tensor.ts) knows nothing of ops; the op layer adds these when it is loaded (the
// Engine class imports this module).

import { Tensor } from '../engine/tensor.js';
import type { Ops } from './ops.js';

declare module '../engine/tensor.js' {
  interface Tensor {
    /** this + b, with NumPy broadcasting (engine.ops.add). */
    add(b: Tensor | number): Tensor;
    /** this - b, with NumPy broadcasting. */
    sub(b: Tensor | number): Tensor;
    /** this * b, with NumPy broadcasting. */
    mul(b: Tensor | number): Tensor;
    /** this / b, with NumPy broadcasting. */
    div(b: Tensor | number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    relu(): Tensor;
    tanh(): Tensor;
    /** Sum over `axis` (all axes when omitted); `keepDims` (default false) keeps it as size 1. */
    sum(axis?: number, keepDims?: boolean): Tensor;
    /** Mean over `axis` (all axes when omitted); `keepDims` (default false) keeps it as size 1. */
    mean(axis?: number, keepDims?: boolean): Tensor;
    /** Max over `axis`; the gradient goes to the first maximal element. `keepDims` defaults to false. */
    max(axis: number, keepDims?: boolean): Tensor;
    /** A view with another shape (one -1 is inferred). */
    reshape(shape: readonly number[]): Tensor;
    /** Axes permuted by `perm` (reversed when omitted). */
    transpose(perm?: readonly number[]): Tensor;
    /** The range start..end of `axis`. */
    slice(axis: number, start: number, end: number): Tensor;
    /** this [..., M, K] @ b [K, N] or [..., K, N]. */
    matmul(b: Tensor): Tensor;
    /** Reverse-mode autograd from this tensor (a scalar, or give the seed gradient). */
    backward(seed?: Tensor): void;
  }
}

/** What the methods use of the engine that made a tensor. Every tensor is made by an Engine
 *  (ops/engine.ts): the runtime's constructor is protected and Engine is its subclass. */
interface OpEngine {
  readonly ops: Ops;
  backward(loss: Tensor, seed?: Tensor): void;
}

const of = (t: Tensor): OpEngine => t.engine as unknown as OpEngine;

const methods: ThisType<Tensor> & Pick<Tensor, 'add' | 'sub' | 'mul' | 'div' | 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'tanh' | 'sum' | 'mean' | 'max' | 'reshape' | 'transpose' | 'slice' | 'matmul' | 'backward'> = {
  add(b) { return of(this).ops.add(this, b); },
  sub(b) { return of(this).ops.sub(this, b); },
  mul(b) { return of(this).ops.mul(this, b); },
  div(b) { return of(this).ops.div(this, b); },
  neg() { return of(this).ops.neg(this); },
  exp() { return of(this).ops.exp(this); },
  log() { return of(this).ops.log(this); },
  sqrt() { return of(this).ops.sqrt(this); },
  relu() { return of(this).ops.relu(this); },
  tanh() { return of(this).ops.tanh(this); },
  sum(axis, keepDims = false) { return of(this).ops.sum(this, axis, keepDims); },
  mean(axis, keepDims = false) { return of(this).ops.mean(this, axis, keepDims); },
  max(axis, keepDims = false) { return of(this).ops.max(this, axis, keepDims); },
  reshape(shape) { return of(this).ops.reshape(this, shape); },
  transpose(perm) { return of(this).ops.transpose(this, perm); },
  slice(axis, start, end) { return of(this).ops.slice(this, axis, start, end); },
  matmul(b) { return of(this).ops.matmul(this, b); },
  backward(seed) { return of(this).backward(this, seed); },
};

// Non-enumerable, as class methods are.
for (const [name, fn] of Object.entries(methods)) Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
