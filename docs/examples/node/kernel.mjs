// Run kernels: the tuned GEMM on awkward sizes against a float64 loop on the CPU, then a WGSL
// kernel of your own, launched with its bindings checked against the shader.
import { Engine, Rng, gemm } from 'focusclip';

const engine = await Engine.create();
try {
  const [M, N, K] = [257, 129, 65];
  const rng = new Rng(7);
  const a = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: N * K }, () => rng.uniform(-1, 1)); // [N, K]: used transposed
  const A = engine.tensor(a, [M, K]);
  const B = engine.tensor(b, [N, K]);
  const C = engine.empty([M, N]);
  gemm(engine, A, B, C, { M, N, K, transB: true }); // C = A B^T
  const c = await C.toArray();

  // The reference: a float64 triple loop.
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[j * K + k];
      worst = Math.max(worst, Math.abs(c[i * N + j] - s) / Math.max(1, Math.abs(s)));
    }
  }
  console.log(`GEMM ${M}x${N}x${K} (A B^T): max relative error vs float64 ${worst.toExponential(2)}`);
  if (!(worst < 1e-5)) throw new Error(`GEMM error ${worst} is above 1e-5`);

  // Your own kernel: y = alpha * x + y. Bindings are found by name in the WGSL; the params struct
  // is filled from `params`.
  const saxpy = engine.kernel('saxpy', /* wgsl */ `
    struct Params { n: u32, alpha: f32 }
    @group(0) @binding(0) var<storage, read> x: array<f32>;
    @group(0) @binding(1) var<storage, read_write> y: array<f32>;
    @group(0) @binding(2) var<uniform> p: Params;
    @compute @workgroup_size(64)
    fn main(@builtin(global_invocation_id) id: vec3u) {
      if (id.x < p.n) { y[id.x] = p.alpha * x[id.x] + y[id.x]; }
    }`);
  const n = 1000;
  const x = engine.tensor(Float32Array.from({ length: n }, (_, i) => i), [n]);
  const y = engine.full([n], 1);
  engine.dispatch(saxpy, { bind: { x, y }, params: { n, alpha: 0.5 }, workgroups: [Math.ceil(n / 64)] });
  const out = await y.toArray();
  const bad = out.findIndex((v, i) => v !== 0.5 * i + 1);
  console.log(`saxpy over ${n} elements: y[999] = ${out[999]} (expected ${0.5 * 999 + 1}), ${bad < 0 ? 'all equal' : `first mismatch at ${bad}`}`);
  if (bad >= 0) throw new Error(`saxpy wrong at ${bad}: ${out[bad]}`);
} finally {
  engine.destroy();
}
