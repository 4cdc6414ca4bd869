// The Engine: the runtime (engine/runtime.ts) with the op layer's two tables, `ops` (generic
// differentiable ops, ops/ops.ts) and `nn` (fused neural-network ops, ops/nn.ts), and reverse-mode
// autograd over the tape they record (ops/autograd.ts). This is the class model, training,
// evaluation and library users hold; kernels take the runtime only.

import { Runtime, type RuntimeInit } from '../engine/runtime.js';
import type { DeviceOptions } from '../engine/device.js';
import type { DType } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { makeOps, type Ops } from './ops.js';
import { makeNN, type NN } from './nn.js';
import { runBackward } from './autograd.js';
import './tensor-methods.js';

/** The engine: a WebGPU device with tensors, memory, dispatch and scopes (the Runtime), the op
 *  tables `ops` and `nn`, and autograd. Made by `await Engine.create()`. */
export class Engine extends Runtime {
  /** Generic differentiable ops: elementwise with broadcasting, reductions, layout, matmul. */
  readonly ops: Ops;
  /** Fused neural-network ops (linear, attention, LayerNorm, losses, ...), optimizer updates, heatmaps. */
  readonly nn: NN;

  /** Get a device (Dawn in Node, navigator.gpu in browsers, or `opts.device`) and make an engine on it. */
  static async create(opts: DeviceOptions = {}): Promise<Engine> {
    return new Engine(await Runtime.acquire(opts));
  }

  private constructor(init: RuntimeInit) {
    super(init);
    this.ops = makeOps(this);
    this.nn = makeNN(this, this.ops);
  }

  /** A tensor filled with `value`. */
  full(shape: readonly number[], value: number, dtype: DType = 'f32'): Tensor {
    return this.ops.fill(shape, value, dtype);
  }

  /** Reverse-mode autograd from `loss` (a scalar, or give the seed gradient): gradients accumulate into `.grad`. */
  backward(loss: Tensor, seed?: Tensor): void {
    runBackward(this, loss, seed);
  }
}
