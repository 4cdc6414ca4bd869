// Reverse-mode autograd over the tape that ops leave on their outputs (Tensor.node). The gradient
// rules themselves are the table of ops/gradients.ts; this file only walks the graph.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';
import { fmtShape } from '../engine/dtype.js';
import { accumulate } from '../kernels/elementwise.js';
import { gradientRule } from './gradients.js';
import { copy, fill } from './primitives.js';

/** Inputs before outputs, reachable from `root` through tensors that need a gradient. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const x = inputs[i];
      if (x.requiresGrad && !seen.has(x)) {
        seen.add(x);
        stack.push([x, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

export function runBackward(engine: Runtime, loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) {
    throw new Error(`backward(): ${loss.describe()} does not require grad (no input of the computation has requiresGrad, or it was computed under noGrad()).`);
  }
  if (!seed && loss.size !== 1) {
    throw new Error(`backward(): ${loss.describe()} is not a scalar; pass the seed gradient explicitly.`);
  }
  if (seed && seed.size !== loss.size) throw new Error(`backward(): seed ${fmtShape(seed.shape)} does not match ${loss.describe()}.`);
  const order = topoOrder(loss);
  // dispose() drops a tensor's tape node, so a released intermediate would look like a leaf and
  // silently stop the gradient there.
  const released = order.find((t) => t.disposed);
  if (released) {
    throw new Error(
      `backward(): ${loss.describe()} was computed through ${released.describe()}, which was released (by dispose() or at the end of its engine.scope()), so no gradient can flow back through it. Call backward() inside the scope that computed the loss.`,
    );
  }
  const grads = new Map<Tensor, Tensor>();
  engine.noGrad(() => {
    // Every gradient in the map owns its storage exclusively, so accumulating in place is safe.
    grads.set(loss, seed ? copy(engine, seed) : fill(engine, loss.shape, 1));
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        // A leaf: accumulate into its .grad (in place when it is a persistent gradient buffer).
        if (t.grad) {
          accumulate(engine, t.grad, g);
          t.grad.knownZero = false;
          g.dispose();
        } else {
          t.grad = engine.keep(g);
        }
        continue;
      }
      const inputs = t.node.inputs;
      const slots = directSlots(inputs, grads);
      const inputGrads = gradientRule(t.node.op)(engine, g, inputs, t.node.saved, slots);
      const claimed = new Set<unknown>();
      let gKept = false;
      inputs.forEach((x, i) => {
        let gx = inputGrads[i];
        if (!gx || !x.requiresGrad) return;
        if (slots?.[i] && gx === slots[i]) {
          // The rule wrote this leaf's gradient straight into its zeroed slot: nothing to add.
          gx.knownZero = false;
          return;
        }
        if (gx.size !== x.size) {
          throw new Error(`Gradient rule of ${t.node!.op} returned ${fmtShape(gx.shape)} for input ${i} of shape ${fmtShape(x.shape)}.`);
        }
        // Rules may pass their incoming gradient through (add, reshape): the second user of the
        // same memory gets a copy.
        if (claimed.has(gx.storage)) gx = copy(engine, gx);
        claimed.add(gx.storage);
        if (gx === g) gKept = true;
        if (!sameShape(gx.shape, x.shape)) gx = engine.view(gx, x.shape);
        const prev = grads.get(x);
        if (prev) {
          // A tensor used twice gets the sum of both contributions.
          accumulate(engine, prev, gx);
          if (gx === g) gKept = false;
          else gx.dispose();
        } else grads.set(x, gx);
      });
      if (!gKept) g.dispose();
    }
  });
}

/**
 * Where a rule may write an input's gradient itself: the persistent gradient slot of a leaf
 * (a parameter) that is known to be zero and gets no other contribution before this one, so that
 * writing replaces "compute into a temporary, then add it to the slot" (one dispatch and one pass
 * over the gradient fewer per parameter). Undefined when no input qualifies.
 */
function directSlots(inputs: readonly Tensor[], pending: Map<Tensor, Tensor>): (Tensor | undefined)[] | undefined {
  let slots: (Tensor | undefined)[] | undefined;
  inputs.forEach((x, i) => {
    if (x.node || !x.requiresGrad || !x.grad?.knownZero || pending.has(x)) return;
    // The same leaf twice among one op's inputs: both gradients must be summed, so neither is direct.
    if (inputs.indexOf(x) !== i || inputs.lastIndexOf(x) !== i) return;
    (slots ??= [])[i] = x.grad;
  });
  return slots;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

