// GPU memory: transient buffers come from a size-bucketed pool and go back to it when their tensor
// is disposed (so a training step allocates nothing from the device in steady state); long-lived
// storage (parameters, gradients, optimizer state) lives in a few big arenas, as in llm.c.

// Resolved lazily: in Node the GPUBufferUsage global exists only after `webgpu` is loaded.
export function storageUsage(): number {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** A byte range of a GPU buffer that one or more tensors view. */
export class Storage {
  refs = 1;
  released = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly offset: number,
    readonly byteLength: number,
    /** pooled: returns to the pool; arena: owned by an arena; external: owned by the caller. */
    readonly kind: 'pooled' | 'arena' | 'external',
    readonly bucketBytes = byteLength,
  ) {}
}

export interface MemoryStats {
  /** Bytes of pooled buffers held by live tensors (bucket sizes, i.e. what the GPU really holds). */
  liveBytes: number;
  peakLiveBytes: number;
  /** Free buffers kept for reuse. */
  pooledBytes: number;
  /** Long-lived arenas (parameters, gradients, optimizer state). */
  arenaBytes: number;
  /** Everything allocated from the device and not yet destroyed. */
  deviceBytes: number;
  liveBuffers: number;
  allocations: number;
}

/** A tensor or arena that does not fit: the message names it, its size and what holds the rest. */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

/** "512MiB", "4GiB", "1e9" -> bytes (FOCUSCLIP_MEMORY_LIMIT and the engine's memoryLimit option). */
export function parseBytes(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*([\d.e+]+)\s*(b|kib|mib|gib|kb|mb|gb)?\s*$/i.exec(text);
  const unit: Record<string, number> = { b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, kb: 1e3, mb: 1e6, gb: 1e9 };
  const n = m ? Number(m[1]) * unit[(m[2] ?? 'b').toLowerCase()] : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Cannot read "${text}" as a memory size: write e.g. 512MiB, 4GiB or a number of bytes.`);
  return Math.floor(n);
}

/** Four buckets per power of two: at most 25% waste, few distinct sizes to reuse. */
export function bucketSize(bytes: number): number {
  const b = Math.max(256, bytes);
  const p = 2 ** Math.floor(Math.log2(b));
  const step = Math.max(256, p / 4);
  return Math.ceil(b / step) * step;
}

export class MemoryPool {
  private free = new Map<number, GPUBuffer[]>();
  private stats: MemoryStats = {
    liveBytes: 0,
    peakLiveBytes: 0,
    pooledBytes: 0,
    arenaBytes: 0,
    deviceBytes: 0,
    liveBuffers: 0,
    allocations: 0,
  };

  constructor(
    private device: GPUDevice,
    private maxBufferSize: number,
    /** Most bytes we may hold on the device (0: no budget of ours, only the device's own limit). */
    public budgetBytes = 0,
    /** Where asynchronous device errors of an allocation go (the engine raises them at sync). */
    private onDeviceError: (message: string) => void = () => {},
  ) {}

  allocate(bytes: number, label = 'tensor'): Storage {
    const size = bucketSize(bytes);
    if (size > this.maxBufferSize) {
      throw new OutOfMemoryError(
        `Out of GPU limits: ${label} needs ${fmtBytes(bytes)} but the adapter's maxBufferSize is ${fmtBytes(this.maxBufferSize)}. Use a smaller batch or model.`,
      );
    }
    let buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.stats.pooledBytes -= size;
    } else {
      this.reserve(size, label);
      buffer = this.createBuffer(size, `pool:${size}`, label);
      this.stats.deviceBytes += size;
      this.stats.allocations++;
    }
    this.stats.liveBytes += size;
    this.stats.liveBuffers++;
    this.stats.peakLiveBytes = Math.max(this.stats.peakLiveBytes, this.stats.liveBytes);
    return new Storage(buffer, 0, bytes, 'pooled', size);
  }

  release(s: Storage): void {
    if (s.kind !== 'pooled') return;
    this.stats.liveBytes -= s.bucketBytes;
    this.stats.liveBuffers--;
    this.stats.pooledBytes += s.bucketBytes;
    let list = this.free.get(s.bucketBytes);
    if (!list) this.free.set(s.bucketBytes, (list = []));
    list.push(s.buffer);
  }

  /** One buffer for many long-lived tensors; sizes are aligned so each can be bound on its own. */
  createArenaBuffer(bytes: number, label: string): GPUBuffer {
    if (bytes > this.maxBufferSize) {
      throw new OutOfMemoryError(
        `Out of GPU limits: arena "${label}" needs ${fmtBytes(bytes)} but the adapter's maxBufferSize is ${fmtBytes(this.maxBufferSize)}.`,
      );
    }
    this.reserve(Math.max(256, bytes), `arena "${label}"`);
    const buffer = this.createBuffer(Math.max(256, bytes), label, `arena "${label}"`);
    this.stats.arenaBytes += buffer.size;
    this.stats.deviceBytes += buffer.size;
    return buffer;
  }

  destroyArenaBuffer(buffer: GPUBuffer): void {
    this.stats.arenaBytes -= buffer.size;
    this.stats.deviceBytes -= buffer.size;
    buffer.destroy();
  }

  /** Make room for `size` new device bytes within the budget, or say who wanted how much. */
  private reserve(size: number, what: string): void {
    if (!this.budgetBytes || this.stats.deviceBytes + size <= this.budgetBytes) return;
    this.trim(); // free pooled buffers first: they are only a cache
    if (this.stats.deviceBytes + size <= this.budgetBytes) return;
    const s = this.stats;
    throw new OutOfMemoryError(
      `Out of GPU memory: ${what} needs ${fmtBytes(size)} but ${fmtBytes(s.deviceBytes)} of the ${fmtBytes(this.budgetBytes)} budget are in use ` +
        `(live tensors ${fmtBytes(s.liveBytes)} in ${s.liveBuffers} buffers, arenas ${fmtBytes(s.arenaBytes)}). ` +
        `Use a smaller --batch-size or model preset, or raise the budget (FOCUSCLIP_MEMORY_LIMIT, e.g. 4GiB).`,
    );
  }

  /** createBuffer inside an out-of-memory error scope: the device's own refusal names the buffer too. */
  private createBuffer(size: number, label: string, what: string): GPUBuffer {
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size, usage: storageUsage(), label });
    this.device.popErrorScope().then(
      (err) => {
        if (err)
          this.onDeviceError(
            `Out of GPU memory: the device refused ${what} (${fmtBytes(size)}) with ${fmtBytes(this.stats.deviceBytes)} already allocated: ${err.message}. Use a smaller --batch-size or model preset.`,
          );
      },
      () => {},
    );
    return buffer;
  }

  /** Give pooled free buffers back to the device. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) {
      this.stats.deviceBytes -= b.size;
      b.destroy();
    }
    this.free.clear();
    this.stats.pooledBytes = 0;
  }

  snapshot(): MemoryStats {
    return { ...this.stats };
  }

  resetPeak(): void {
    this.stats.peakLiveBytes = this.stats.liveBytes;
  }
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
