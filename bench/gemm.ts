// `npm run bench -- gemm [--quick] [--runs N] [--no-peers] [--tune] [--max-size N] [--no-f16] [--only a,b]`:
// GFLOP/s of our GEMM vs the WebGPU peers (TensorFlow.js, jax-js), the naive matmul and the
// adapter's FMA ceiling, all in one process on the same adapter, on identical inputs; plus our f16
// GEMM at the same shapes where the adapter has 'shader-f16' (the peers' WebGPU matmuls are f32
// only, so f16 is compared with our f32). Writes (under --out, default bench/results/) gemm.json and gemm.svg.

import { readFileSync } from 'node:fs';
import { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { gemm, defaultVariant, shapeKey, type GemmSpec } from '../kernels/gemm.js';
import { toF16 } from '../kernels/gemm-reference.js';
import { cachedVariant } from '../kernels/gemm-choices.js';
import { tuneGemm } from '../kernels/gemm-tune.js';
import { useNodeGemmCache } from '../kernels/gemm-cache-node.js';
import { variantName } from '../kernels/gemm-wgsl.js';
import { matmulNaive } from '../kernels/matmul-naive.js';
import { Rng } from '../engine/rng.js';
import { gflops, gpuBracket, median, timeIt } from './timing.js';
import { barChartSvg } from '../eval/plot.js';
import { peerSkipped, setupJax, setupTfjs, type JaxPeer, type TfjsPeer } from './peers.js';
import { benchOutput, type BenchOutput } from './output.js';
import { flag } from './args.js';

interface Shape {
  name: string;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
}

const SQUARES = [128, 256, 512, 1024, 2048];
// FocusCLIP: M = batch * tokens. Paper preset: batch 32, ViT-B/16 at 224 (197 tokens), width 768.
// Tiny preset: 65 tokens, width 128. Weight gradients dW = X^T dY are TN GEMMs with tall K.
const FOCUSCLIP: Shape[] = [
  { name: 'paper qkv 6304x2304x768', M: 6304, N: 2304, K: 768 },
  { name: 'paper mlp1 6304x3072x768', M: 6304, N: 3072, K: 768 },
  { name: 'paper mlp2 6304x768x3072', M: 6304, N: 768, K: 3072 },
  { name: 'paper dW 768x3072x6304 (TN)', M: 768, N: 3072, K: 6304, transA: true },
  { name: 'tiny qkv 2080x384x128', M: 2080, N: 384, K: 128 },
  { name: 'tiny mlp1 2080x512x128', M: 2080, N: 512, K: 128 },
  { name: 'tiny dW 128x512x2080 (TN)', M: 128, N: 512, K: 2080, transA: true },
  // ops/linear.ts runs the forward as x W^T with W [out, in]: an NT GEMM.
  { name: 'tiny mlp1 x W^T 2080x512x128 (NT)', M: 2080, N: 512, K: 128, transB: true },
];

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const quick = args.includes('--quick');
  const noPeers = args.includes('--no-peers');
  const tune = args.includes('--tune');
  const runs = Number(flag(args, 'runs', '5'));
  // 2048^3 takes the peers ~3-4 s per run on lavapipe: --max-size (or --quick) caps the square sizes.
  const maxSize = Number(flag(args, 'max-size', quick ? '1024' : 'Infinity'));
  const only = flag(args, 'only', '').split(',').filter(Boolean);
  const shapes: Shape[] = [
    ...SQUARES.filter((n) => n <= maxSize).map((n) => ({ name: `${n}^3`, M: n, N: n, K: n })),
    ...(quick ? FOCUSCLIP.filter((s) => s.name.startsWith('tiny') || s.name.startsWith('paper qkv')) : FOCUSCLIP),
  ].filter((s) => !only.length || only.some((o) => s.name.includes(o)));
  if (!shapes.length) throw new Error(`gemm bench: --only ${only.join(',')} matches no shape; shapes are named like "1024^3", "paper dW", "tiny qkv".`);
  useNodeGemmCache();
  const e = await Engine.create();
  const tf = noPeers ? undefined : await setupTfjs().catch((err) => (console.log(peerSkipped('tfjs', err)), undefined));
  const jx = noPeers ? undefined : await setupJax().catch((err) => (console.log(peerSkipped('jax', err)), undefined));
  console.log(`adapter: ${e.adapter.vendor} ${e.adapter.architecture} ${e.adapter.device || e.adapter.description}; timestamps: ${e.hasTimestamps}; runs: median of ${runs}; load average ${loadAverage()}`);

  const withF16 = !args.includes('--no-f16') && e.hasF16;
  if (!withF16) console.log(args.includes('--no-f16') ? 'f16: skipped (--no-f16)' : "f16: skipped, the adapter lacks 'shader-f16'");
  const ceiling = await fmaCeiling(e, runs);
  console.log(`FMA ceiling (register-only unrolled vec4 FMA): ${ceiling.toFixed(1)} GFLOP/s (also measured in every row's rounds)`);
  // Kept for every row (dispose only the per-row contenders).
  const fmaShared = fmaContender(e);
  const fma: Contender = { ...fmaShared, dispose: undefined };

  const rows: Record<string, unknown>[] = [];
  for (const s of shapes) {
    const flops = 2 * s.M * s.N * s.K;
    const spec: GemmSpec = { M: s.M, N: s.N, K: s.K, transA: s.transA, transB: s.transB };
    if (tune) {
      for (const dtype of withF16 ? (['f32', 'f16'] as const) : (['f32'] as const)) {
        const t = await tuneGemm(e, spec, { dtype });
        if (t.timings.length) console.log(`  tuned ${s.name} ${dtype}: ${t.timings.map((x) => `${x.variant} ${x.ms.toFixed(1)}ms`).join(', ')}`);
      }
    }
    const variant = cachedVariant(e, shapeKey(spec)) ?? defaultVariant(e, spec);
    const rng = new Rng(7);
    const a = new Float32Array(s.M * s.K).map(() => rng.uniform(-1, 1));
    const b = new Float32Array(s.K * s.N).map(() => rng.uniform(-1, 1));
    const row: Record<string, unknown> = { shape: s.name, M: s.M, N: s.N, K: s.K, op: `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`, kernel: variantName(variant) };

    // Every system runs `reps` launches per timed run and waits once, as a training step does. The
    // systems take turns run by run (ours, ours f16, TF.js, jax-js, the FMA ceiling), so a slow
    // phase of the shared machine hits all of them alike instead of whichever ran during it.
    const reps = launchesPerRun(flops);
    row.launchesPerRun = reps;
    // Ours in f32 and (where the adapter has it) f16: the same product on the same values.
    const operands = (dtype: 'f32' | 'f16'): Tensor[] => [
      e.keep(dtype === 'f32' ? e.tensor(a, [a.length]) : e.tensor(toF16(a).bits, [a.length])),
      e.keep(dtype === 'f32' ? e.tensor(b, [b.length]) : e.tensor(toF16(b).bits, [b.length])),
      e.keep(e.empty([s.M * s.N], dtype)),
    ];
    const launch = ([A, B, C]: Tensor[]) => {
      for (let r = 0; r < reps; r++) gemm(e, A, B, C, spec);
    };
    const ourContender = (key: string, ts: Tensor[]): Contender => ({
      key,
      flops: reps * flops,
      once: async () => (launch(ts), await e.sync()),
      dispose: () => ts.forEach((t) => t.dispose()),
    });
    const f32 = operands('f32');
    const contenders: Contender[] = [ourContender('ours', f32)];
    if (withF16) {
      row.kernelF16 = variantName(cachedVariant(e, shapeKey(spec, 'f16')) ?? defaultVariant(e, spec));
      contenders.push(ourContender('oursF16', operands('f16')));
    }
    if (tf) contenders.push(tfjsContender(tf, a, b, s, reps));
    if (jx) contenders.push(await jaxContender(jx, a, b, s, reps));
    contenders.push({ ...fma, key: 'ceiling' });
    try {
      const ms = await interleaved(contenders, runs);
      for (const c of contenders) row[c.key] = gflops(c.flops, median(ms.get(c.key)!));
      const gpuMs: number[] = [];
      for (let r = 0; r < runs; r++) {
        // Recorded first, submitted between the marks: the GPU time excludes the host's recording.
        launch(f32);
        const t = await gpuBracket(e.device, () => e.flush());
        if (t !== undefined) gpuMs.push(t);
      }
      row.oursGpuTimestamp = gpuMs.length ? gflops(reps * flops, median(gpuMs)) : undefined;
      if (flops <= (quick ? 2 * 512 ** 3 : 2 * 1024 ** 3)) {
        const nt = await timeIt(async () => {
          for (let r = 0; r < reps; r++) matmulNaive(e, f32[0], f32[1], f32[2], spec);
          await e.sync();
        }, { runs });
        row.naive = gflops(reps * flops, nt.medianMs);
      }
    } finally {
      for (const c of contenders) c.dispose?.();
    }
    const oursGf = row.ours as number;
    if (withF16) row.f16OverF32 = (row.oursF16 as number) / oursGf;
    const best = Math.max((row.tfjs as number) ?? 0, (row.jax as number) ?? 0);
    row.ratioVsBestPeer = best ? oursGf / best : undefined;
    row.ratioVsTfjs = row.tfjs ? oursGf / (row.tfjs as number) : undefined;
    row.ratioVsJax = row.jax ? oursGf / (row.jax as number) : undefined;
    row.fractionOfCeiling = oursGf / (row.ceiling as number);
    rows.push(row);
    const f = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '-');
    console.log(
      `${s.name.padEnd(30)} ours ${f(row.ours)} (gpu ts ${f(row.oursGpuTimestamp)})  tfjs ${f(row.tfjs)}  jax ${f(row.jax)}  naive ${f(row.naive)}  ` +
        `x best peer ${f(row.ratioVsBestPeer)}  ${(100 * (row.fractionOfCeiling as number)).toFixed(0)}% of ceiling ${f(row.ceiling)}  [${row.kernel}]` +
        (withF16 ? `  f16 ${f(row.oursF16)} (x f32 ${f(row.f16OverF32)}) [${row.kernelF16}]` : ''),
    );
  }

  const result = {
    date: new Date().toISOString(),
    command: `focusclip bench gemm ${args.join(' ')}`.trim(),
    adapter: e.adapter,
    lpNumThreads: process.env.LP_NUM_THREADS ?? null,
    unit: 'GFLOP/s: 2*M*N*K*launchesPerRun / median host time of >= 5 runs (every system launches launchesPerRun products and waits once, without busy-polling); oursGpuTimestamp: the same from GPU timestamps around our launches',
    f16: withF16 ? 'oursF16: our GEMM on f16 A/B/C (f32 accumulation); TF.js and jax-js WebGPU matmuls are f32 only' : 'not measured',
    loadAverage: loadAverage(),
    fmaCeiling: ceiling,
    rows,
  };
  const jsonPath = out.write('gemm.json', JSON.stringify(result, null, 1));
  const series = [
    { name: 'ours', key: 'ours' },
    ...(withF16 ? [{ name: 'ours f16', key: 'oursF16' }] : []),
    { name: 'TensorFlow.js', key: 'tfjs' },
    { name: 'jax-js', key: 'jax' },
    { name: 'naive', key: 'naive' },
  ];
  const svgPath = out.write(
    'gemm.svg',
    barChartSvg(
      rows.map((r) => r.shape as string),
      series.map((s) => ({ name: s.name, values: rows.map((r) => r[s.key] as number | undefined) })),
      { title: `GEMM (f32${withF16 ? ', ours also f16' : ''}) on ${e.adapter.device || e.adapter.vendor} (FMA ceiling ${ceiling.toFixed(0)} GFLOP/s)`, yLabel: 'GFLOP/s' },
    ),
  );
  console.log(`wrote ${jsonPath} and ${svgPath}`);
  fmaShared.dispose?.();
  e.destroy();
}

/** One system in the interleaved timing: `once` runs its `flops` and resolves when they are done. */
interface Contender {
  key: string;
  flops: number;
  once: () => Promise<void>;
  dispose?: () => void;
}

/** Milliseconds per run for each contender: one warm-up each, then `runs` rounds taking turns. */
async function interleaved(cs: Contender[], runs: number): Promise<Map<string, number[]>> {
  const out = new Map(cs.map((c) => [c.key, [] as number[]]));
  for (const c of cs) await c.once();
  for (let r = 0; r < runs; r++) {
    for (const c of cs) {
      const t0 = performance.now();
      await c.once();
      out.get(c.key)!.push(performance.now() - t0);
    }
  }
  return out;
}

function tfjsContender(p: TfjsPeer, a: Float32Array, b: Float32Array, s: Shape, reps: number): Contender {
  const { tf } = p;
  const A = tf.tensor(a, s.transA ? [s.K, s.M] : [s.M, s.K]);
  const B = tf.tensor(b, s.transB ? [s.N, s.K] : [s.K, s.N]);
  return {
    key: 'tfjs',
    flops: reps * 2 * s.M * s.N * s.K,
    once: async () => {
      // tfjs runs eagerly: the reps matmuls are queued, and waiting on the last waits for all.
      const Cs = Array.from({ length: reps }, () => tf.matMul(A, B, !!s.transA, !!s.transB));
      await p.wait(Cs[reps - 1]);
      for (const C of Cs) C.dispose();
    },
    dispose: () => (A.dispose(), B.dispose()),
  };
}

async function jaxContender(p: JaxPeer, a: Float32Array, b: Float32Array, s: Shape, reps: number): Promise<Contender> {
  const { np } = p;
  const A = np.array(a as any, { shape: s.transA ? [s.K, s.M] : [s.M, s.K] });
  const B = np.array(b as any, { shape: s.transB ? [s.N, s.K] : [s.K, s.N] });
  await p.wait(A);
  await p.wait(B);
  return {
    key: 'jax',
    flops: reps * 2 * s.M * s.N * s.K,
    once: async () => {
      const Cs = Array.from({ length: reps }, () => np.matmul(s.transA ? np.transpose(A.ref) : A.ref, s.transB ? np.transpose(B.ref) : B.ref));
      // Waited on together, so jax-js may dispatch all of them before the first wait blocks.
      await Promise.all(Cs.map((C) => p.wait(C)));
      for (const C of Cs) C.dispose();
    },
    dispose: () => (A.dispose(), B.dispose()),
  };
}

/** The FMA ceiling kernel as a contender: a register-only, unrolled vec4 FMA loop (no memory traffic). */
export function fmaContender(e: Engine): Contender {
  const UNROLL = 16;
  const ACC = 8;
  const lines = ['struct Params { iters: u32, m: f32 }', '@group(0) @binding(0) var<storage, read_write> out: array<f32>;', '@group(0) @binding(1) var<uniform> p: Params;'];
  lines.push('@compute @workgroup_size(64)', 'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {');
  for (let j = 0; j < ACC; j++) lines.push(`  var a${j} = vec4<f32>(f32(gid.x) * 1e-7 + ${j}.0);`);
  lines.push('  let m = vec4<f32>(p.m);', '  for (var i = 0u; i < p.iters; i++) {');
  for (let u = 0; u < UNROLL; u++) for (let j = 0; j < ACC; j++) lines.push(`    a${j} = fma(a${j}, m, m);`);
  lines.push('  }');
  lines.push(`  out[gid.x] = dot(${[...Array(ACC).keys()].map((j) => `a${j}`).join(' + ')}, vec4<f32>(1.0));`, '}');
  const k = e.kernel('fma_ceiling', lines.join('\n'));
  const groups = 256;
  const iters = 4096;
  const out = e.keep(e.empty([groups * 64]));
  return {
    key: 'fma',
    flops: groups * 64 * iters * UNROLL * ACC * 4 * 2,
    once: async () => {
      e.dispatch(k, { bind: { out }, params: { iters, m: 0.999 }, workgroups: [groups] });
      await e.sync();
    },
    dispose: () => out.dispose(),
  };
}

/** The adapter's arithmetic ceiling: a register-only, unrolled vec4 FMA loop (no memory traffic). */
export async function fmaCeiling(e: Engine, runs = 5): Promise<number> {
  const c = fmaContender(e);
  try {
    const ms = await interleaved([c], runs);
    return gflops(c.flops, median(ms.get(c.key)!));
  } finally {
    c.dispose?.();
  }
}

/** Launches per timed run: small products are repeated up to ~1 GFLOP per run so that one wait
 *  for the GPU (~1-4 ms here) does not dominate; each system gets the same count. */
export function launchesPerRun(flops: number): number {
  return Math.max(1, Math.min(256, Math.round(1e9 / flops)));
}

/** 1-minute load average at the end of the run (the machine is shared; absolute numbers depend on it). */
function loadAverage(): number | undefined {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

