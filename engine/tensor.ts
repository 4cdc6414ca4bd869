import type { Engine } from './engine.js';
import { BYTES, fmtShape, shapeSize, type AnyTypedArray, type DType } from './dtype.js';
import type { Storage } from './memory.js';
import type { BufferRange } from './kernel.js';

/** What autograd records for a tensor made by a differentiable op. */
export interface TapeNode {
  op: string;
  inputs: Tensor[];
  /** Given d(loss)/d(output), return d(loss)/d(input) for each input (undefined: no gradient). */
  backward: (grad: Tensor) => (Tensor | undefined)[];
}

let nextId = 1;

/** A contiguous view of GPU memory with a shape and a dtype. Reading back is explicit and async. */
export class Tensor implements BufferRange {
  readonly id = nextId++;
  grad?: Tensor;
  requiresGrad = false;
  node?: TapeNode;
  /** Set for parameters: a name for messages and checkpoints. */
  name?: string;
  private _disposed = false;

  constructor(
    readonly engine: Engine,
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    const need = shapeSize(shape) * BYTES[dtype];
    if (need > storage.byteLength) {
      throw new Error(`Tensor of shape ${fmtShape(shape)} ${dtype} needs ${need} bytes but its storage has ${storage.byteLength}.`);
    }
  }

  get size(): number {
    return shapeSize(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  get disposed(): boolean {
    return this._disposed;
  }
  get buffer(): GPUBuffer {
    this.assertAlive();
    return this.storage.buffer;
  }
  get offset(): number {
    return this.storage.offset;
  }
  /** Bytes actually bound (at least 4 so an empty tensor can still be bound). */
  get byteLength(): number {
    return Math.max(4, this.size * BYTES[this.dtype]);
  }

  describe(): string {
    return `tensor #${this.id}${this.name ? ` "${this.name}"` : ''} ${this.dtype}${fmtShape(this.shape)}`;
  }

  toString(): string {
    return `Tensor(${this.describe().slice(7)})`;
  }

  assertAlive(): void {
    if (this._disposed) {
      throw new Error(
        `Use of a disposed tensor: ${this.describe()} was released (by dispose() or at the end of its engine.scope()). Keep it with engine.keep(t) or return it from the scope.`,
      );
    }
  }

  /** Copy to the host. Flushes pending GPU work once; nothing else ever syncs implicitly. */
  async toArray(): Promise<AnyTypedArray> {
    this.assertAlive();
    return this.engine.read(this);
  }

  /** The only element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item() needs a tensor with one element, got ${this.describe()}.`);
    return (await this.toArray())[0];
  }

  /** Release the memory now (it returns to the pool). Views of the same storage keep it alive. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.engine.releaseStorage(this.storage);
    this.node = undefined;
  }

  // Sugar over the op table (engine/ops.ts) so model code reads like math.
  add(b: Tensor | number) { return this.engine.ops.add(this, b); }
  sub(b: Tensor | number) { return this.engine.ops.sub(this, b); }
  mul(b: Tensor | number) { return this.engine.ops.mul(this, b); }
  div(b: Tensor | number) { return this.engine.ops.div(this, b); }
  neg() { return this.engine.ops.neg(this); }
  exp() { return this.engine.ops.exp(this); }
  log() { return this.engine.ops.log(this); }
  sqrt() { return this.engine.ops.sqrt(this); }
  relu() { return this.engine.ops.relu(this); }
  tanh() { return this.engine.ops.tanh(this); }
  sum(axis?: number, keepDims = false) { return this.engine.ops.sum(this, axis, keepDims); }
  mean(axis?: number, keepDims = false) { return this.engine.ops.mean(this, axis, keepDims); }
  max(axis: number, keepDims = false) { return this.engine.ops.max(this, axis, keepDims); }
  reshape(shape: readonly number[]) { return this.engine.ops.reshape(this, shape); }
  transpose(perm?: readonly number[]) { return this.engine.ops.transpose(this, perm); }
  slice(axis: number, start: number, end: number) { return this.engine.ops.slice(this, axis, start, end); }
  matmul(b: Tensor) { return this.engine.ops.matmul(this, b); }
  backward(seed?: Tensor) { return this.engine.backward(this, seed); }
}
