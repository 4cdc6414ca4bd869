// The library entry for browsers (bundled to dist/web/focusclip.js). Only browser-safe modules are
// re-exported here: the build rejects any Node built-in reached from this file (web/build-web.mjs).
// Node-only helpers live in *-node.ts files and are never imported from this entry.

export { Engine, type DispatchArgs, type ParamSpec, type KernelTiming } from '../engine/engine.js';
export { Tensor } from '../engine/tensor.js';
export type { Ops, MatmulImpl } from '../engine/ops.js';
export type { NN, Activation, AttentionOptions, CrossEntropyOptions } from '../engine/nn.js';
export {
  acquireDevice,
  requestAdapter,
  summarizeAdapter,
  NoAdapterError,
  type DeviceOptions,
  type AdapterSummary,
} from '../engine/device.js';
export { type DType, type AnyTypedArray, shapeSize, fmtShape } from '../engine/dtype.js';
export { Kernel, type BufferRange } from '../engine/kernel.js';
export { Rng } from '../engine/rng.js';
export { fmtBytes, type MemoryStats } from '../engine/memory.js';
export * as image from '../data/image.js';
export * as mpii from '../data/mpii.js';
