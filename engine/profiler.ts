// GPU timestamp profiling, switched on by engine.startProfiling(). While it runs, every dispatch
// gets a compute pass of its own whose beginning and end write timestamps into a query set; each
// submit resolves the timestamps of its command buffer and reads them back in the background, and
// stopProfiling() adds them up per kernel. The runtime calls it at three points: a dispatch's pass
// (beginPass), a submit (resolve) and the end (finish); when not profiling it does not exist.

import { waitQuietly } from './wait.js';

/** Per-kernel GPU time gathered while profiling (timestamp queries around each dispatch). */
export interface KernelTiming {
  kernel: string;
  ms: number;
  count: number;
}

const PROFILE_QUERIES = 512; // timestamp pairs per query set; a full set forces a flush

/** Timestamp queries around dispatches, summed per kernel name. @internal */
export class Profiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private used = 0;
  private names: string[] = [];
  private readonly totals = new Map<string, { ms: number; count: number }>();
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * PROFILE_QUERIES, label: 'profile' });
    this.resolveBuffer = device.createBuffer({ size: PROFILE_QUERIES * 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'profile-resolve' });
  }

  /** Whether the query set has room for another dispatch. */
  get hasRoom(): boolean {
    return this.used < PROFILE_QUERIES;
  }

  /** Whether the query set is full: the runtime submits, which resolves it and starts it over. */
  get full(): boolean {
    return this.used === PROFILE_QUERIES;
  }

  /** One compute pass for one dispatch, so the timestamps bracket exactly this kernel; the caller ends it. */
  beginPass(encoder: GPUCommandEncoder, kernel: string): GPUComputePassEncoder {
    const i = this.used++;
    this.names.push(kernel);
    return encoder.beginComputePass({ label: kernel, timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
  }

  /** Before a submit: resolve the timestamps of this command buffer into a readback buffer.
   *  Returns what to call once it is submitted (the readback), or undefined when nothing was timed. */
  resolve(encoder: GPUCommandEncoder): (() => void) | undefined {
    if (!this.used) return undefined;
    const bytes = this.used * 16;
    encoder.resolveQuerySet(this.querySet, 0, 2 * this.used, this.resolveBuffer, 0);
    const buf = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'profile' });
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, buf, 0, bytes);
    return () => {
      const names = this.names;
      this.names = [];
      this.used = 0;
      this.pending.push(
        waitQuietly(buf.mapAsync(GPUMapMode.READ)).then(() => {
          const t = new BigInt64Array(buf.getMappedRange());
          names.forEach((n, i) => {
            const cur = this.totals.get(n) ?? { ms: 0, count: 0 };
            cur.ms += Number(t[2 * i + 1] - t[2 * i]) / 1e6;
            cur.count++;
            this.totals.set(n, cur);
          });
          buf.unmap();
          buf.destroy();
        }),
      );
    };
  }

  /** After the last submit: wait for the readbacks, free the queries; per-kernel GPU time, largest first. */
  async finish(): Promise<KernelTiming[]> {
    await Promise.all(this.pending);
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    return [...this.totals].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
  }
}
