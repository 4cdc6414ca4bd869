// In a browser (bundled from the installed package: `import ... from 'focusclip'` resolves to the
// browser build): an engine on navigator.gpu, the GEMM against a float64 loop, and autograd.
import { Engine, Rng, gemm } from 'focusclip';

const engine = await Engine.create(); // needs a secure context (https, localhost or 127.0.0.1)
try {
  console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.platform})`);
  const [M, N, K] = [67, 45, 33];
  const rng = new Rng(3);
  const a = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
  const C = engine.empty([M, N]);
  gemm(engine, engine.tensor(a, [M, K]), engine.tensor(b, [K, N]), C, { M, N, K });
  const c = await C.toArray();
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      worst = Math.max(worst, Math.abs(c[i * N + j] - s) / Math.max(1, Math.abs(s)));
    }
  }
  console.log(`GEMM ${M}x${N}x${K}: max relative error vs float64 ${worst.toExponential(2)}`);
  if (!(worst < 1e-5)) throw new Error(`GEMM error ${worst} is above 1e-5`);

  // d/dx sum(x^3) = 3x^2, computed inside the scope that owns the intermediate tensors.
  const x = engine.tensor([0.5, -1, 2], [3], { requiresGrad: true });
  engine.scope(() => x.mul(x).mul(x).sum().backward());
  const g = Array.from(await x.grad.toArray());
  console.log(`gradient of sum(x^3): ${g.join(' ')} (expected 0.75 3 12)`);
  if ([0.75, 3, 12].some((v, i) => Math.abs(g[i] - v) > 1e-5)) throw new Error('wrong gradient');
} finally {
  engine.destroy();
}
