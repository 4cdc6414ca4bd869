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
  ) {}

  allocate(bytes: number, label = 'tensor'): Storage {
    const size = bucketSize(bytes);
    if (size > this.maxBufferSize) {
      throw new Error(
        `Out of GPU limits: ${label} needs ${fmtBytes(bytes)} but the adapter's maxBufferSize is ${fmtBytes(this.maxBufferSize)}. Use a smaller batch or model.`,
      );
    }
    let buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.stats.pooledBytes -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: storageUsage(), label: `pool:${size}` });
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
      throw new Error(
        `Out of GPU limits: arena "${label}" needs ${fmtBytes(bytes)} but the adapter's maxBufferSize is ${fmtBytes(this.maxBufferSize)}.`,
      );
    }
    const buffer = this.device.createBuffer({ size: Math.max(256, bytes), usage: storageUsage(), label });
    this.stats.arenaBytes += buffer.size;
    this.stats.deviceBytes += buffer.size;
    return buffer;
  }

  destroyArenaBuffer(buffer: GPUBuffer): void {
    this.stats.arenaBytes -= buffer.size;
    this.stats.deviceBytes -= buffer.size;
    buffer.destroy();
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
