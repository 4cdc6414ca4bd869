// `npm run bench -- wait [--reps N]`: the engine's quiet waiting (engine/wait.ts) vs a plain await
// on the same long GPU job (one 1024^3 GEMM repeated in one submit). Reports wall time, the
// process's CPU time (all threads: lavapipe's workers are in this process too) and the main
// thread's own CPU time from /proc (Linux), so the cost of Dawn's busy-polling is visible.

import { readFileSync } from 'node:fs';
import { Engine } from '../ops/engine.js';
import { setDefaultWaitMode, type WaitMode } from '../engine/wait.js';
import { gemm } from '../kernels/gemm.js';
import { median } from './timing.js';
import { benchOutput, type BenchOutput } from './output.js';

/** CPU milliseconds of this process's main thread (Linux /proc), undefined elsewhere. */
export function mainThreadCpuMs(): number | undefined {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const i = args.indexOf('--reps');
  const reps = i >= 0 ? Number(args[i + 1]) : 8;
  const n = 1024;
  const e = await Engine.create();
  const A = e.randn([n * n], { seed: 1 });
  const B = e.randn([n * n], { seed: 2 });
  const C = e.empty([n * n]);
  const spec = { M: n, N: n, K: n };
  gemm(e, A, B, C, spec);
  await e.sync();
  const results: Record<string, unknown>[] = [];
  // Alternate the modes so slow drifts of the shared machine hit both alike.
  const per: Record<WaitMode, { wall: number[]; cpu: number[]; main: number[] }> = { quiet: { wall: [], cpu: [], main: [] }, busy: { wall: [], cpu: [], main: [] } };
  for (let round = 0; round < 3; round++) {
    for (const mode of ['busy', 'quiet'] as WaitMode[]) {
      setDefaultWaitMode(mode);
      const c0 = process.cpuUsage();
      const m0 = mainThreadCpuMs();
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) gemm(e, A, B, C, spec);
      await e.sync();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const m1 = mainThreadCpuMs();
      per[mode].wall.push(wall);
      per[mode].cpu.push((c.user + c.system) / 1000);
      if (m0 !== undefined && m1 !== undefined) per[mode].main.push(m1 - m0);
    }
  }
  setDefaultWaitMode('quiet');
  const flops = 2 * n ** 3 * reps;
  for (const mode of ['busy', 'quiet'] as WaitMode[]) {
    const p = per[mode];
    const row = {
      mode,
      wallMs: median(p.wall),
      gflops: flops / median(p.wall) / 1e6,
      processCpuMs: median(p.cpu),
      mainThreadCpuMs: p.main.length ? median(p.main) : undefined,
      mainThreadCpuShare: p.main.length ? median(p.main) / median(p.wall) : undefined,
    };
    results.push(row);
    console.log(
      `${mode.padEnd(6)} wall ${row.wallMs.toFixed(0)} ms  ${row.gflops.toFixed(1)} GFLOP/s  process CPU ${row.processCpuMs.toFixed(0)} ms  main thread CPU ${row.mainThreadCpuMs?.toFixed(0) ?? '-'} ms (${row.mainThreadCpuShare !== undefined ? (100 * row.mainThreadCpuShare).toFixed(0) : '-'}% of a core)`,
    );
  }
  const path = out.write('wait.json', JSON.stringify({ date: new Date().toISOString(), job: `${reps} x GEMM ${n}^3 in one submit, median of 3 rounds`, results }, null, 1));
  console.log(`wrote ${path}`);
  e.destroy();
}
