// `npm run bench -- nn [--runs N] [--no-peers] [--only attention,softmax,layernorm]`: the fused nn kernels against TensorFlow.js WebGPU
// and jax-js on the same adapter, same shapes, same process: attention forward (batch*heads 32,
// seq 64, headDim 64) and backward, row softmax 4096 x 512, LayerNorm 4096 x 768. Milliseconds per
// op (median host time, GPU waited without busy-polling), plus our process CPU time per op, which
// on lavapipe is the work itself and does not move when other processes load the machine.
// Writes (under --out, default bench/results/) nn.json and nn.svg.

import { Engine } from '../ops/engine.js';
import { attentionBackwardRoute, chooseAttentionVariant } from '../kernels/attention.js';
import { softmaxVariant } from '../kernels/softmax.js';
import { pinVariants } from '../kernels/variants.js';
import { gpuBracket, timeIt } from './timing.js';
import { barChartSvg } from '../eval/plot.js';
import { peerSkipped, setupJax, setupTfjs, type JaxPeer, type TfjsPeer } from './peers.js';
import { benchOutput, type BenchOutput } from './output.js';
import { flag } from './args.js';

interface Row {
  op: string;
  shape: string;
  ours?: number;
  oursMin?: number;
  /** Per op, REPS ops in one submission (best of 3). */
  oursBatched?: number;
  oursCpuMs?: number;
  oursGpuTimestamp?: number;
  tfjs?: number;
  jax?: number;
  target?: string;
}

const ATT = { B: 2, H: 16, S: 64, D: 64 };
const SMX = [4096, 512] as const;
const LN = [4096, 768] as const;

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const noPeers = args.includes('--no-peers');
  const runs = Number(flag(args, 'runs', '9'));
  const only = flag(args, 'only', '').split(',').filter(Boolean);
  const want = (suite: string) => !only.length || only.includes(suite);
  const e = await Engine.create();
  const tf = noPeers ? undefined : await setupTfjs().catch((err) => (console.log(peerSkipped('tfjs', err)), undefined));
  const jx = noPeers ? undefined : await setupJax().catch((err) => (console.log(peerSkipped('jax', err)), undefined));
  console.log(`adapter: ${e.adapter.vendor} ${e.adapter.architecture} ${e.adapter.device || e.adapter.description}; attention kernels: ${chooseAttentionVariant(e, ATT.D)}; median of ${runs}`);

  /** Median and min ms of one fn (recorded, submitted, waited: timed like the peers), CPU ms per
   *  call, a GPU timestamp bracket, and the per-op time of REPS ops in one submission (no per-op
   *  submit/wait overhead). */
  const REPS = 10;
  const timeOurs = async (op: () => unknown) => {
    // The op's result is disposed like the peers' outputs: a tensor returned from e.scope escapes
    // it, and a new 8 MB output per launch made lavapipe map and fault in fresh memory every time
    // (5 ms of system CPU per softmax launch: the "isolated launch overhead" of earlier runs).
    const fn = () => void op();
    // Warm-up (compiles the kernels) outside the CPU-time window.
    e.scope(fn);
    await e.sync();
    const c0 = process.cpuUsage();
    const t = await timeIt(async () => {
      e.scope(fn);
      await e.sync();
    }, { runs, warmup: 0 });
    const c = process.cpuUsage(c0);
    const gpu = await gpuBracket(e.device, () => {
      e.scope(fn);
      e.flush();
    });
    await e.sync();
    const batched = await timeIt(async () => {
      e.scope(() => {
        for (let i = 0; i < REPS; i++) fn();
      });
      await e.sync();
    }, { runs: 3, warmup: 0 });
    return { ms: t.medianMs, minMs: t.minMs, cpuMs: (c.user + c.system) / 1000 / runs, gpuMs: gpu, batchedMs: batched.minMs / REPS };
  };

  const mine = (t: Awaited<ReturnType<typeof timeOurs>>) => ({ ours: t.ms, oursMin: t.minMs, oursBatched: t.batchedMs, oursCpuMs: t.cpuMs, oursGpuTimestamp: t.gpuMs });
  const rows: Row[] = [];
  const rand = (n: number, seed: number) => {
    let s = seed >>> 0 || 1;
    return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
  };

  // ---------------------------------------------------------------- attention
  if (want('attention')) {
    const { B, H, S, D } = ATT;
    const n = B * H * S * D;
    const [qa, ka, va, ga] = [1, 2, 3, 4].map((s) => rand(n, s));
    const shape = [B, H, S, D];
    const [q, k, v] = [qa, ka, va].map((a) => e.tensor(a, shape, { requiresGrad: true }));
    const g = e.tensor(ga, shape);
    const fwd = await timeOurs(() => e.noGrad(() => e.nn.attention(q, k, v)));
    const fwdBwd = () => {
      e.nn.attention(q, k, v).backward(g);
      for (const t of [q, k, v]) {
        t.grad?.dispose();
        t.grad = undefined;
      }
    };
    const route = attentionBackwardRoute(e, { B, H, S, D, impl: chooseAttentionVariant(e, D) });
    const both = await timeOurs(fwdBwd);
    const name = `[${B}x${H}, ${S}, ${D}]`;
    const f: Row = { op: 'attention forward', shape: name, ...mine(fwd), target: '<= 5 ms' };
    const backwardRow = (op: string, t: typeof both): Row => ({
      op,
      shape: name,
      ours: t.ms - fwd.ms,
      oursMin: t.minMs - fwd.minMs,
      oursBatched: t.batchedMs - fwd.batchedMs,
      oursCpuMs: t.cpuMs - fwd.cpuMs,
    });
    const b: Row = { ...backwardRow(`attention backward (${route})`, both), target: '<= 2.5x forward' };
    // The previous route in the same run, for comparison on a noisy machine.
    let previous: Row | undefined;
    if (route === 'scores') {
      pinVariants(e, { attentionBackward: 'recompute' });
      previous = backwardRow('attention backward (recompute)', await timeOurs(fwdBwd));
      pinVariants(e, { attentionBackward: undefined });
    }
    if (tf) f.tfjs = await tfAttention(tf, qa, ka, va, runs);
    if (jx) f.jax = await jaxAttention(jx, qa, ka, va, runs);
    rows.push(f, b);
    if (previous) rows.push(previous);
  }

  // ---------------------------------------------------------------- softmax
  if (want('softmax')) {
    const [R, C] = SMX;
    const xa = rand(R * C, 5).map((x) => 4 * x);
    const x = e.tensor(xa, [R, C]);
    const impl = softmaxVariant(e, C);
    const t = await timeOurs(() => e.noGrad(() => e.nn.softmax(x)));
    const r: Row = { op: `softmax (${impl})`, shape: `[${R}, ${C}]`, ...mine(t), target: '<= 8 ms' };
    // The previous kernel in the same run, for comparison on a noisy machine.
    let previous: Row | undefined;
    if (impl !== 'rows') {
      pinVariants(e, { softmax: 'rows' });
      previous = { op: 'softmax (rows)', shape: r.shape, ...mine(await timeOurs(() => e.noGrad(() => e.nn.softmax(x)))) };
      pinVariants(e, { softmax: undefined });
    }
    if (tf) {
      const X = tf.tf.tensor(xa, [R, C]);
      r.tfjs = (await timeIt(async () => {
        const y = tf.tf.softmax(X);
        await tf.wait(y);
        y.dispose();
      }, { runs })).medianMs;
      X.dispose();
    }
    if (jx) {
      const X = jx.np.array(xa as any, { shape: [R, C] });
      await jx.wait(X);
      r.jax = (await timeIt(async () => {
        const y = jx.jax.nn.softmax(X.ref, -1);
        await jx.wait(y);
        y.dispose();
      }, { runs })).medianMs;
      X.dispose();
    }
    rows.push(r);
    if (previous) rows.push(previous);
    await isolatedLaunchDiagnostic(e, () => e.noGrad(() => e.nn.softmax(x)), runs);
  }

  // ---------------------------------------------------------------- layerNorm
  if (want('layernorm')) {
    const [R, D] = LN;
    const xa = rand(R * D, 6);
    const wa = rand(D, 7).map((w) => 1 + 0.1 * w);
    const ba = rand(D, 8);
    const x = e.tensor(xa, [R, D], { requiresGrad: true });
    const w = e.tensor(wa, [D], { requiresGrad: true });
    const bb = e.tensor(ba, [D], { requiresGrad: true });
    const gy = e.tensor(rand(R * D, 9), [R, D]);
    const t = await timeOurs(() => e.noGrad(() => e.nn.layerNorm(x, w, bb, 1e-6)));
    const tb = await timeOurs(() => {
      e.nn.layerNorm(x, w, bb, 1e-6).backward(gy);
      for (const p of [x, w, bb]) {
        p.grad?.dispose();
        p.grad = undefined;
      }
    });
    const r: Row = { op: 'layerNorm forward', shape: `[${R}, ${D}]`, ...mine(t) };
    if (tf) {
      const [X, W, Bv] = [tf.tf.tensor(xa, [R, D]), tf.tf.tensor(wa, [D]), tf.tf.tensor(ba, [D])];
      r.tfjs = (await timeIt(async () => {
        const y = tf.tf.tidy(() => {
          const { mean, variance } = tf.tf.moments(X, -1, true);
          return tf.tf.add(tf.tf.mul(tf.tf.mul(tf.tf.sub(X, mean), tf.tf.rsqrt(tf.tf.add(variance, 1e-6))), W), Bv);
        });
        await tf.wait(y);
        y.dispose();
      }, { runs })).medianMs;
      tf.tf.dispose([X, W, Bv]);
    }
    if (jx) {
      const { np, jax } = jx;
      const [X, W, Bv] = [np.array(xa as any, { shape: [R, D] }), np.array(wa as any, { shape: [D] }), np.array(ba as any, { shape: [D] })];
      for (const a of [X, W, Bv]) await jx.wait(a);
      r.jax = (await timeIt(async () => {
        const y = np.add(np.multiply(jax.nn.standardize(X.ref, -1, { epsilon: 1e-6 }), W.ref), Bv.ref);
        await jx.wait(y);
        y.dispose();
      }, { runs })).medianMs;
      for (const a of [X, W, Bv]) a.dispose();
    }
    rows.push(r, {
      op: 'layerNorm backward',
      shape: `[${R}, ${D}]`,
      ours: tb.ms - t.ms,
      oursMin: tb.minMs - t.minMs,
      oursBatched: tb.batchedMs - t.batchedMs,
      oursCpuMs: tb.cpuMs - t.cpuMs,
    });
  }

  const fmt = (v?: number) => (v === undefined ? '-' : v.toFixed(2));
  for (const r of rows) {
    const best = Math.min(r.tfjs ?? Infinity, r.jax ?? Infinity);
    console.log(
      `${r.op.padEnd(20)} ${r.shape.padEnd(16)} ours ${fmt(r.ours)} ms (min ${fmt(r.oursMin)}, x${REPS} batched ${fmt(r.oursBatched)}, cpu ${fmt(r.oursCpuMs)}, gpu ts ${fmt(r.oursGpuTimestamp)})  tfjs ${fmt(r.tfjs)}  jax ${fmt(r.jax)}` +
        `${Number.isFinite(best) && r.ours ? `  ${(best / r.ours).toFixed(1)}x faster than the best peer` : ''}${r.target ? `  [target ${r.target}]` : ''}`,
    );
  }
  if (want('attention')) {
    const [f, ...bwds] = rows.filter((r) => r.op.startsWith('attention'));
    for (const b of bwds) {
      const ratio = (k: keyof Row) => ((b[k] as number) / (f[k] as number)).toFixed(2);
      console.log(`${b.op} / forward: ${ratio('ours')} (median host time), ${ratio('oursBatched')} (batched), ${ratio('oursCpuMs')} (CPU time)`);
    }
  }
  if (only.length) {
    // A partial run must not overwrite the full results.
    e.destroy();
    return;
  }

  const jsonPath = out.write(
    'nn.json',
    JSON.stringify({ date: new Date().toISOString(), command: `focusclip bench nn ${args.join(' ')}`.trim(), adapter: e.adapter, unit: 'ms per op (median host time)', rows }, null, 1),
  );
  const svgPath = out.write(
    'nn.svg',
    barChartSvg(
      rows.map((r) => `${r.op} ${r.shape}`),
      [
        { name: 'ours', values: rows.map((r) => r.ours) },
        { name: 'TensorFlow.js', values: rows.map((r) => r.tfjs) },
        { name: 'jax-js', values: rows.map((r) => r.jax) },
      ],
      { title: `nn kernels on ${e.adapter.device || e.adapter.vendor} (ms, lower is better)`, yLabel: 'ms per op', log: true },
    ),
  );
  console.log(`wrote ${jsonPath} and ${svgPath}`);
  e.destroy();
}

async function tfAttention(p: TfjsPeer, qa: Float32Array, ka: Float32Array, va: Float32Array, runs: number): Promise<number> {
  const { tf } = p;
  const { B, H, S, D } = ATT;
  const shape = [B * H, S, D];
  const [Q, K, V] = [qa, ka, va].map((a) => tf.tensor(a, shape));
  try {
    return (await timeIt(async () => {
      const o = tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(Q, K, false, true), 1 / Math.sqrt(D))), V));
      await p.wait(o);
      o.dispose();
    }, { runs })).medianMs;
  } finally {
    tf.dispose([Q, K, V]);
  }
}

async function jaxAttention(p: JaxPeer, qa: Float32Array, ka: Float32Array, va: Float32Array, runs: number): Promise<number> {
  const { np, jax } = p;
  const { B, H, S, D } = ATT;
  // jax-js takes [batch, seq, heads, headDim]; the layout does not change the work.
  const shape = [B, S, H, D];
  const [Q, K, V] = [qa, ka, va].map((a) => np.array(a as any, { shape }));
  for (const a of [Q, K, V]) await p.wait(a);
  try {
    return (await timeIt(async () => {
      const o = jax.nn.dotProductAttention(Q.ref, K.ref, V.ref);
      await p.wait(o);
      o.dispose();
    }, { runs })).medianMs;
  } finally {
    for (const a of [Q, K, V]) a.dispose();
  }
}

/**
 * Where an isolated launch's extra time goes (issue 4: softmax took 9.5 ms per isolated launch but
 * 3.75 per op batched 10 per submit, on a quiet machine): the same launch waited for three ways,
 * interleaved — the engine's quiet wait (sleep slices growing to 2 ms, so a job of a few ms is
 * noticed up to ~1.7 ms late), the same wait with slices capped at 0.1 ms, and 10 launches per
 * submit. Printed only; the table keeps the engine's wait, as used for the peers.
 */
async function isolatedLaunchDiagnostic(e: Engine, op: () => unknown, runs: number): Promise<void> {
  const fn = () => void op();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const fineWait = async (p: Promise<unknown>) => {
    let done = false;
    p.then(() => (done = true));
    await new Promise<void>((r) => setImmediate(r));
    while (!done) {
      Atomics.wait(sleeper, 0, 0, 0.1);
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  const modes: [string, () => Promise<void>][] = [
    ['engine wait', async () => (e.scope(fn), await e.sync())],
    ['0.1 ms slices', async () => (e.scope(fn), e.flush(), await fineWait(e.device.queue.onSubmittedWorkDone()))],
    ['10 per submit', async () => (e.scope(() => Array.from({ length: 10 }, fn)), await e.sync())],
  ];
  const ms: number[][] = modes.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [m, [, wait]] of modes.entries()) {
      const t0 = performance.now();
      await wait();
      ms[m].push((performance.now() - t0) / (m === 2 ? 10 : 1));
    }
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(2);
  console.log(`  isolated-launch diagnostic, ms per op (median of ${runs}, interleaved): ${modes.map(([n], m) => `${n} ${med(ms[m])}`).join(', ')}`);
}


