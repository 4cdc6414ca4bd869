// Kernel layouts pinned for one engine instead of chosen from its adapter, so that tests and
// benchmarks run every layout on one adapter. GEMM takes its variant per call (GemmSpec.variant)
// because every caller already hands it a spec; the kernels here are reached through e.nn, whose
// signatures have no room for a layout, so the pin is held per engine. Unpinned, each kernel family
// decides from the adapter and the shape.

import type { Runtime } from '../engine/runtime.js';

/** Invocations that share one row in the row-wise kernels: 1, or a workgroup of ROW_WG (kernels/row-reduce.ts). */
export type RowLanes = 1 | 64;
/** The softmax layout (kernels/softmax.ts). */
export type SoftmaxVariant = 'subgroup' | 'rows';
/** How the subgroup attention backward gets dq (kernels/attention.ts). */
export type AttentionBackwardRoute = 'scores' | 'recompute';

export interface KernelVariants {
  rowLanes?: RowLanes;
  softmax?: SoftmaxVariant;
  attentionBackward?: AttentionBackwardRoute;
}

const pinned = new WeakMap<Runtime, KernelVariants>();

/** Pin layouts for `e`; a key given as undefined hands that choice back to the adapter. */
export function pinVariants(e: Runtime, v: KernelVariants): void {
  pinned.set(e, { ...pinned.get(e), ...v });
}

export function pinnedVariants(e: Runtime): Readonly<KernelVariants> {
  return pinned.get(e) ?? {};
}
