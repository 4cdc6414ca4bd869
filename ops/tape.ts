// Recording on the autograd tape. A forward records `record(out, name, inputs, saved)`: the op's
// name keys its gradient rule in the table of ops/gradients.ts, which the tape walker
// (ops/autograd.ts) calls with `saved`; forwards hold no gradient code.

import type { Tensor } from '../engine/tensor.js';
import type { OpName, SavedArgs } from './gradients.js';

/** Put `out` on the tape as the result of `op` when recording is on and an input needs a gradient. */
export function record<K extends OpName>(out: Tensor, op: K, inputs: Tensor[], ...saved: SavedArgs<K>): Tensor {
  if (out.engine.gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, saved: saved[0] };
  }
  return out;
}

/** Whether an op over these inputs will be recorded (the engine's recording is on and one needs a gradient). */
export function willRecord(e: { gradEnabled: boolean }, ...inputs: (Tensor | undefined)[]): boolean {
  return e.gradEnabled && inputs.some((t) => t?.requiresGrad);
}

/** Free tensors saved for a gradient rule when the op was not recorded. */
export function releaseUnlessRecorded(out: Tensor, saved: Tensor[]): void {
  if (!out.node) saved.forEach((t) => t.dispose());
}
