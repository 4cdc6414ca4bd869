// Create an engine, make tensors, differentiate: f(x) = sum(x * x + 3x) has gradient 2x + 3.
import { Engine } from 'focusclip';

const engine = await Engine.create(); // Dawn in Node; FOCUSCLIP_DAWN="adapter=NAME" picks an adapter
console.log(`adapter: ${engine.adapter.description || engine.adapter.vendor} (${engine.platform})`);
try {
  const values = [1, -2, 0.5, 4, 3, -1];
  const x = engine.tensor(values, [2, 3], { requiresGrad: true });
  // scope() releases every tensor made inside it except what it returns; backward() runs inside,
  // while the intermediate tensors still exist. Gradients land in x.grad, which outlives the scope.
  const loss = await engine.scope(async () => {
    const l = x.mul(x).add(x.mul(3)).sum();
    l.backward();
    return l.item();
  });
  const grad = await x.grad.toArray();
  const expected = values.map((v) => 2 * v + 3);
  console.log(`loss ${loss} (expected ${values.reduce((s, v) => s + v * v + 3 * v, 0)})`);
  console.log(`gradient ${Array.from(grad).join(' ')} (expected ${expected.join(' ')})`);
  if (expected.some((v, i) => Math.abs(grad[i] - v) > 1e-5)) throw new Error('the gradient does not match 2x + 3');

  // Broadcasting and a matrix product: [2, 3] x [3, 2].
  const w = engine.tensor([1, 0, 0, 1, 1, 1], [3, 2]);
  console.log(`x @ w = ${Array.from(await x.matmul(w).add(engine.tensor([10, 20], [2])).toArray()).join(' ')}`);
} finally {
  engine.destroy(); // releases the device so the process can exit
}
