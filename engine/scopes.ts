// Scoped release: engine.scope(fn) disposes every tensor fn created except those it returns (and
// their gradients) or keeps; nested scopes hand escaping tensors to their parent. The runtime
// tracks each new tensor here.

import { Tensor } from './tensor.js';

/** The stack of open scopes, each the set of tensors created in it. @internal */
export class Scopes {
  private stack: Set<Tensor>[] = [];

  /** Record a new tensor in the innermost open scope (if any). */
  track(t: Tensor): Tensor {
    this.stack[this.stack.length - 1]?.add(t);
    return t;
  }

  /** Run fn; every tensor it creates is disposed at the end, except those it returns or keeps. */
  run<T>(fn: () => T): T {
    const mine = new Set<Tensor>();
    this.stack.push(mine);
    let popped = false;
    const finish = (result: any) => {
      if (popped) return;
      popped = true;
      const idx = this.stack.lastIndexOf(mine);
      if (idx >= 0) this.stack.splice(idx, 1);
      const escaping = new Set<Tensor>();
      collectTensors(result, escaping);
      const parent = this.stack[this.stack.length - 1];
      for (const t of mine) {
        if (escaping.has(t)) parent?.add(t);
        else t.dispose();
      }
    };
    let result: T;
    try {
      result = fn();
    } catch (e) {
      finish(undefined);
      throw e;
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => (finish(r), r),
        (e) => {
          finish(undefined);
          throw e;
        },
      ) as T;
    }
    finish(result);
    return result;
  }

  /** Exempt a tensor from the scopes it was created in. */
  keep<T extends Tensor>(t: T): T {
    for (const s of this.stack) s.delete(t);
    return t;
  }
}

function collectTensors(x: any, out: Set<Tensor>, depth = 0): void {
  if (!x || depth > 4) return;
  if (x instanceof Tensor) {
    out.add(x);
    if (x.grad) out.add(x.grad);
  } else if (Array.isArray(x)) for (const v of x) collectTensors(v, out, depth + 1);
  else if (x instanceof Map) for (const v of x.values()) collectTensors(v, out, depth + 1);
  else if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collectTensors(v, out, depth + 1);
}
