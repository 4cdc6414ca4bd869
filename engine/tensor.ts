import type { Runtime } from './runtime.js';
import { BYTES, fmtShape, shapeSize, type AnyTypedArray, type DType } from './dtype.js';
import type { Storage } from './memory.js';
import type { BufferRange } from './kernel.js';

/** What autograd records for a tensor made by a differentiable op. */
export interface TapeNode {
  /** The op's name, which keys its gradient rule (ops/gradients.ts). */
  op: string;
  inputs: Tensor[];
  /** What the gradient rule needs from the forward pass (shapes, saved statistics, scalars). */
  saved?: unknown;
}

let nextId = 1;

/** A contiguous view of GPU memory with a shape and a dtype. Reading back is explicit and async.
 *  The op layer adds the methods that compute (add, sum, matmul, backward, ...; ops/tensor-methods.ts). */
export class Tensor implements BufferRange {
  readonly id = nextId++;
  grad?: Tensor;
  requiresGrad = false;
  node?: TapeNode;
  /** Set on a gradient slot when its contents are known to be zero (a model's zeroGrad): the next
   *  backward lets the first gradient rule write straight into it instead of into a temporary that
   *  is then added. Whoever writes the slot otherwise must not set it. */
  knownZero = false;
  /** Set for parameters: a name for messages and checkpoints. */
  name?: string;
  private _disposed = false;

  constructor(
    readonly engine: Runtime,
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
}
