// The plain, obviously-correct batched matmul: one invocation per output element, a dot product over
// K. It is the reference GPU implementation that the fast GEMM family is checked and benchmarked
// against, and the fallback for shapes the tuned kernels do not cover.

import type { Runtime } from '../engine/runtime.js';
import type { Tensor } from '../engine/tensor.js';

const SRC = /* wgsl */ `
struct Params { M: u32, N: u32, K: u32, transA: u32, transB: u32, strideA: u32, strideB: u32, strideC: u32, alpha: f32, accumulate: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let m = gid.y;
  let b = gid.z;
  if (m >= p.M || n >= p.N) { return; }
  let a0 = b * p.strideA;
  let b0 = b * p.strideB;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let av = select(A[a0 + m * p.K + k], A[a0 + k * p.M + m], p.transA == 1u);
    let bv = select(B[b0 + k * p.N + n], B[b0 + n * p.K + k], p.transB == 1u);
    acc += av * bv;
  }
  let ci = b * p.strideC + m * p.N + n;
  if (p.accumulate == 1u) { C[ci] = C[ci] + p.alpha * acc; } else { C[ci] = p.alpha * acc; }
}`;

export interface MatmulSpec {
  M: number;
  N: number;
  K: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Elements between consecutive batch items (0 broadcasts one matrix over the batch). */
  strideA?: number;
  strideB?: number;
  alpha?: number;
  /** C += alpha * op(A) op(B) instead of C = ... */
  accumulate?: boolean;
}

/** C[b] = alpha * op(A[b]) @ op(B[b]); op(A) is M x K, op(B) is K x N, C is contiguous [batch, M, N]. */
export function matmulNaive(engine: Runtime, A: Tensor, B: Tensor, C: Tensor, s: MatmulSpec): void {
  const batch = s.batch ?? 1;
  if (batch > engine.limits.maxComputeWorkgroupsPerDimension) throw new Error(`matmul: batch ${batch} exceeds the adapter's dispatch limit.`);
  engine.dispatch(engine.kernel('matmul_naive', SRC), {
    bind: { A, B, C },
    params: {
      M: s.M,
      N: s.N,
      K: s.K,
      transA: s.transA ? 1 : 0,
      transB: s.transB ? 1 : 0,
      strideA: s.strideA ?? s.M * s.K,
      strideB: s.strideB ?? s.K * s.N,
      strideC: s.M * s.N,
      alpha: s.alpha ?? 1,
      accumulate: s.accumulate ? 1 : 0,
    },
    workgroups: [Math.ceil(s.N / 8), Math.ceil(s.M / 8), batch],
  });
}
