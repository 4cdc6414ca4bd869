// Timing helpers shared by the benchmark suites. Every system is timed the same way: run the job,
// wait for the GPU without busy-polling (engine/wait.ts), take the median of several runs after
// warm-up. `gpuBracket` adds GPU-side timing with timestamp queries on a device that supports them.

import { waitQuietly } from '../engine/wait.js';

export interface TimeStats {
  /** Median milliseconds per call of `fn` (one call may contain several launches). */
  medianMs: number;
  minMs: number;
  runsMs: number[];
}

/** Time `fn` (which must resolve once its GPU work is done): `warmup` untimed calls, then `runs` timed ones. */
export async function timeIt(fn: () => Promise<unknown>, opts: { warmup?: number; runs?: number } = {}): Promise<TimeStats> {
  const warmup = opts.warmup ?? 1;
  const runs = Math.max(1, opts.runs ?? 5);
  for (let i = 0; i < warmup; i++) await fn();
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    runsMs.push(performance.now() - t0);
  }
  return { medianMs: median(runsMs), minMs: Math.min(...runsMs), runsMs };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function gflops(flops: number, ms: number): number {
  return flops / ms / 1e6;
}

/**
 * GPU time of whatever `submitWork` submits to `device`'s queue, measured by two empty compute
 * passes with timestamp writes submitted just before and just after it (the queue runs
 * submissions in order). Returns undefined when the device lacks 'timestamp-query'.
 */
export async function gpuBracket(device: GPUDevice, submitWork: () => void): Promise<number | undefined> {
  if (!device.features.has('timestamp-query')) return undefined;
  const qs = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const mark = (i: number) => {
      const enc = device.createCommandEncoder();
      enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: i } }).end();
      if (i === 1) {
        enc.resolveQuerySet(qs, 0, 2, resolve, 0);
        enc.copyBufferToBuffer(resolve, 0, readback, 0, 16);
      }
      device.queue.submit([enc.finish()]);
    };
    mark(0);
    submitWork();
    mark(1);
    await waitQuietly(readback.mapAsync(GPUMapMode.READ));
    const t = new BigUint64Array(readback.getMappedRange().slice(0));
    readback.unmap();
    const ns = Number(t[1] - t[0]);
    return ns > 0 ? ns / 1e6 : undefined;
  } finally {
    qs.destroy();
    resolve.destroy();
    readback.destroy();
  }
}
