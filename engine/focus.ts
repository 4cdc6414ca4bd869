// FocusCLIP's subject focusing as a differentiable op: out = I * (a + (1 - a) H), with gradients
// for the image, the heatmap and a. The kernels and the derivation are in kernels/focus.ts.

import type { Engine } from './engine.js';
import type { Tensor } from './tensor.js';
import { focusBackward, focusForward, type FocusOptions } from '../kernels/focus.js';

export type { FocusOptions };

/** I * (a + (1 - a) H), recorded on the autograd tape with gradients for I, H and a. */
export function focus(e: Engine, image: Tensor, heatmap: Tensor, a: Tensor, opts: FocusOptions = {}): Tensor {
  const out = focusForward(e, image, heatmap, a, opts);
  return e.ops.record(out, 'focus', [image, heatmap, a], (g) =>
    focusBackward(e, g, image, heatmap, a, { image: image.requiresGrad, heatmap: heatmap.requiresGrad, a: a.requiresGrad }, opts),
  );
}
