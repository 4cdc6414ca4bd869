// The engine end to end: an MLP trained on a small synthetic classification task with nothing but
// engine ops, parameters and gradients in two arenas (llm.c style), one submit per step; and the
// MLP's forward through checkOp (test/check-op.ts).
import { describe, expect, it } from 'vitest';
import type { Engine } from './engine.js';
import { Rng } from '../engine/rng.js';
import { useEngine } from '../test/helpers.js';
import { checkOp } from '../test/check-op.js';
import * as R from '../test/reference.js';

let seed = 12000;
const nextSeed = () => seed++;

/** Three interleaved noisy spirals in 2-D: not linearly separable, learnable by a small MLP. */
function spirals(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  const onehot = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const r = rng.uniform(0.1, 1);
    const t = 1.75 * r * Math.PI + (c * 2 * Math.PI) / 3 + 0.15 * rng.normal();
    x[2 * i] = r * Math.cos(t);
    x[2 * i + 1] = r * Math.sin(t);
    y[i] = c;
    onehot[3 * i + c] = 1;
  }
  return { x, y, onehot };
}

function makeMlp(e: Engine, hidden: number) {
  const specs = [
    { name: 'w1', shape: [2, hidden] },
    { name: 'b1', shape: [hidden] },
    { name: 'w2', shape: [hidden, hidden] },
    { name: 'b2', shape: [hidden] },
    { name: 'w3', shape: [hidden, 3] },
    { name: 'b3', shape: [3] },
  ];
  const params = e.arena('mlp.params', specs);
  const grads = e.arena('mlp.grads', specs);
  const rng = new Rng(7);
  for (const s of specs) {
    const p = params.tensors.get(s.name)!;
    const fanIn = s.shape[0];
    const init = new Float32Array(p.size);
    if (s.shape.length === 2) for (let i = 0; i < init.length; i++) init[i] = rng.normal() * Math.sqrt(2 / fanIn);
    e.write(p, init);
    p.requiresGrad = true;
    p.grad = grads.tensors.get(s.name)!;
  }
  return { params, grads, p: (n: string) => params.tensors.get(n)! };
}

describe('MLP trained by the engine', () => {
  const E = useEngine();

  it('its forward (matmul, bias, ReLU, tanh) matches float64 and finite differences', async () => {
    await checkOp(
      E(),
      {
        name: 'MLP [7,2] -> 5 -> 3',
        shapes: [[7, 2], [2, 5], [5], [5, 3], [3]],
        gpu: (e, x, w1, b1, w2, b2) => x.matmul(w1).add(b1).relu().matmul(w2).add(b2).tanh(),
        ref: (x, w1, b1, w2, b2) => {
          const h = R.map(R.zip(R.matmul(x, w1), b1, (a, b) => a + b), (v) => Math.max(v, 0));
          return R.map(R.zip(R.matmul(h, w2), b2, (a, b) => a + b), Math.tanh);
        },
      },
      nextSeed,
    );
  });

  it('learns three spirals and does not grow memory', async () => {
    const e = E();
    const data = spirals(300, 3);
    const mlp = makeMlp(e, 32);
    const X = e.keep(e.tensor(data.x, [300, 2]));
    const Y = e.keep(e.tensor(data.onehot, [300, 3]));
    const lr = 0.3;

    const forward = () => {
      const h1 = X.matmul(mlp.p('w1')).add(mlp.p('b1')).relu();
      const h2 = h1.matmul(mlp.p('w2')).add(mlp.p('b2')).tanh();
      return h2.matmul(mlp.p('w3')).add(mlp.p('b3'));
    };
    // mean cross-entropy from generic ops: logsumexp(z) - z[y]
    const lossOf = (z: ReturnType<typeof forward>) => {
      const m = z.max(1, true);
      const lse = z.sub(m).exp().sum(1, true).log().add(m);
      return lse.sub(z.mul(Y).sum(1, true)).mean();
    };

    const step = () =>
      e.scope(() => {
        e.clear(mlp.grads.all);
        const loss = lossOf(forward());
        loss.backward();
        for (const name of mlp.params.tensors.keys()) e.ops.addInPlace(mlp.p(name), mlp.p(name).grad!, -lr);
        return loss;
      });

    const first = step();
    const firstLoss = await first.item();
    first.dispose();
    let liveAfterWarmup = 0;
    let submitsBefore = 0;
    let lastLoss = firstLoss;
    for (let i = 1; i < 400; i++) {
      if (i === 10) {
        liveAfterWarmup = e.memory().liveBytes;
        submitsBefore = e.counters.submits;
      }
      const loss = step();
      if (i % 50 === 0 || i === 399) lastLoss = await loss.item();
      loss.dispose();
    }
    // Each step is one command buffer (loss read-backs add one submit each).
    expect(e.counters.submits - submitsBefore).toBeLessThanOrEqual(390 + 8);
    expect(e.memory().liveBytes).toBe(liveAfterWarmup);
    expect(firstLoss).toBeGreaterThan(0.9);
    expect(lastLoss).toBeLessThan(0.25);

    const acc = await e.scope(async () => {
      const z = (await e.noGrad(() => forward()).toArray()) as Float32Array;
      let right = 0;
      for (let i = 0; i < 300; i++) {
        const row = z.subarray(3 * i, 3 * i + 3);
        if (row.indexOf(Math.max(...row)) === data.y[i]) right++;
      }
      return right / 300;
    });
    expect(acc).toBeGreaterThan(0.9);
    X.dispose();
    Y.dispose();
  });
});
