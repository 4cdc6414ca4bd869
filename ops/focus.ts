// FocusCLIP's subject focusing as a differentiable op: out = I * (a + (1 - a) H). The kernels and
// the derivation are in kernels/focus.ts; the gradient rule (image, heatmap and a) is `focus` in
// ops/gradients.ts.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { focusForward, type FocusOptions } from '../kernels/focus.js';
import { record } from './tape.js';

export type { FocusOptions };

/** I * (a + (1 - a) H), recorded on the autograd tape with gradients for I, H and a. */
export function focus(e: Runtime, image: Tensor, heatmap: Tensor, a: Tensor, opts: FocusOptions = {}): Tensor {
  return record(focusForward(e, image, heatmap, a, opts), 'focus', [image, heatmap, a], opts);
}
