// The runtime: one GPUDevice, a memory pool, a pipeline cache, one command encoder per step,
// tensors, scoped release and the switch that turns tape recording off. It knows nothing of
// kernels, ops or FocusCLIP: the op layer builds the user-facing Engine on it (ops/engine.ts), and
// kernels take a Runtime.

import { acquireDevice, type AdapterSummary, type DeviceOptions } from './device.js';
import { BYTES, checkShape, dtypeOfArray, fmtShape, shapeSize, typedArrayFor, type AnyTypedArray, type DType } from './dtype.js';
import { Kernel, type BufferRange } from './kernel.js';
import { fmtBytes, MemoryPool, parseBytes, Storage, type MemoryStats } from './memory.js';
import { Tensor } from './tensor.js';
import { waitQuietly } from './wait.js';
import { Rng } from './rng.js';
import { Profiler, type KernelTiming } from './profiler.js';
import { Scopes } from './scopes.js';

export type { KernelTiming } from './profiler.js';

export interface DispatchArgs {
  /** Storage bindings by their WGSL names. */
  bind: Record<string, BufferRange>;
  /** Members of the kernel's uniform params struct. */
  params?: Record<string, number | readonly number[]>;
  workgroups: readonly [number, number?, number?];
}

export interface ParamSpec {
  name: string;
  shape: readonly number[];
  dtype?: DType;
}

const UNIFORM_CHUNK = 64 * 1024;
const MAX_COMMANDS_PER_SUBMIT = 4096;

interface UniformChunk {
  buffer: GPUBuffer;
  host: ArrayBuffer;
  used: number;
}

/** What a new runtime is made from: the device and what was learnt acquiring it. @internal */
export interface RuntimeInit {
  device: GPUDevice;
  adapter: AdapterSummary;
  platform: string;
  ownsDevice: boolean;
  memoryBudget: number;
}

/** The engine runtime: device, memory, dispatch, tensors and scopes. Engine (ops/engine.ts) adds the op tables. */
export class Runtime {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly platform: string;
  private ownsDevice: boolean;
  readonly limits: GPUSupportedLimits;
  readonly features: ReadonlySet<string>;
  readonly pool: MemoryPool;
  private kernels = new Map<string, Kernel>();
  private encoder?: GPUCommandEncoder;
  private pass?: GPUComputePassEncoder;
  private encodedCommands = 0;
  private uniformChunks: UniformChunk[] = [];
  private uniformFree: UniformChunk[] = [];
  private scopes = new Scopes();
  private gradDepth = 0;
  private errors: string[] = [];
  private compileChecks: Promise<void>[] = [];
  private lostReason?: string;
  private lastKernel = '(none)';
  private destroyed = false;
  private arenaBuffers = new Set<GPUBuffer>();
  private profiler?: Profiler;
  /** Dispatches and submits so far; cheap counters for tests and benchmarks. */
  counters = { dispatches: 0, submits: 0, readbacks: 0 };

  /** @internal */
  protected constructor({ device, adapter, platform, ownsDevice, memoryBudget }: RuntimeInit) {
    this.device = device;
    this.adapter = adapter;
    this.platform = platform;
    this.ownsDevice = ownsDevice;
    this.limits = device.limits;
    this.features = new Set([...device.features].map(String));
    this.pool = new MemoryPool(device, device.limits.maxBufferSize, memoryBudget, (msg) => this.errors.push(msg));
    device.addEventListener('uncapturederror', (ev: any) => {
      this.errors.push(`${ev.error?.constructor?.name ?? 'GPUError'}: ${ev.error?.message ?? ev}`);
    });
    device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** The device and memory budget for a new engine (Engine.create in ops/engine.ts). @internal */
  protected static async acquire(opts: DeviceOptions): Promise<RuntimeInit> {
    const limit = opts.memoryLimit ?? (globalThis as any).process?.env?.FOCUSCLIP_MEMORY_LIMIT;
    const memoryBudget = limit === undefined ? 0 : parseBytes(limit); // a typo fails before the device is created
    const d = await acquireDevice(opts);
    return { device: d.device, adapter: d.adapterInfo, platform: d.platform, ownsDevice: d.owned, memoryBudget };
  }

  get hasTimestamps(): boolean {
    return this.features.has('timestamp-query');
  }
  get hasF16(): boolean {
    return this.features.has('shader-f16');
  }

  // ---------------------------------------------------------------- kernels and dispatch

  /** Compile (once) and return a kernel. Cached by name and source, so variants may share a name. */
  kernel(name: string, source: string, entryPoint = 'main'): Kernel {
    const key = `${name}\u0000${entryPoint}\u0000${source}`;
    let k = this.kernels.get(key);
    if (!k) {
      this.checkHealthy();
      k = new Kernel(this.device, name, source, entryPoint, (p, kernelName) => {
        this.compileChecks.push(
          p.then((err) => {
            if (err) this.errors.push(`kernel ${kernelName} failed to compile: ${err.message}`);
          }),
        );
      });
      this.kernels.set(key, k);
    }
    return k;
  }

  dispatch(kernel: Kernel, args: DispatchArgs): void {
    this.checkHealthy();
    const wg = [args.workgroups[0], args.workgroups[1] ?? 1, args.workgroups[2] ?? 1] as const;
    kernel.validate(args.bind, wg, this.limits.maxComputeWorkgroupsPerDimension, this.limits.maxStorageBufferBindingSize);
    for (const r of Object.values(args.bind)) if (r instanceof Tensor) r.assertAlive();
    if (wg[0] * wg[1] * wg[2] === 0) return;
    const groups: GPUBindGroupEntry[][] = kernel.layouts.map(() => []);
    for (const b of kernel.bindings) {
      if (b.kind === 'uniform') {
        const slot = this.uniformSlot(b.structSize!);
        kernel.packParams(args.params ?? {}, new DataView(slot.chunk.host), slot.offset);
        groups[b.group].push({ binding: b.binding, resource: { buffer: slot.chunk.buffer, offset: slot.offset, size: b.structSize! } });
      } else {
        const r = args.bind[b.name];
        groups[b.group].push({ binding: b.binding, resource: { buffer: r.buffer, offset: r.offset, size: alignUp(r.byteLength, 4) } });
      }
    }
    if (!kernel.uniform && args.params && Object.keys(args.params).length) kernel.packParams(args.params, new DataView(new ArrayBuffer(0)), 0);
    const profiled = this.profiler?.hasRoom ? this.profiler : undefined;
    const pass = profiled ? profiled.beginPass(this.copyEncoder(), kernel.name) : this.computePass();
    pass.setPipeline(kernel.pipeline);
    groups.forEach((entries, g) => pass.setBindGroup(g, this.device.createBindGroup({ layout: kernel.layouts[g], entries, label: kernel.name })));
    pass.dispatchWorkgroups(wg[0], wg[1], wg[2]);
    if (profiled) {
      pass.end();
      if (profiled.full) this.flush();
    }
    this.lastKernel = kernel.name;
    this.encodedCommands++;
    this.counters.dispatches++;
    // A loop that never reads back would grow one command buffer without bound (hundreds of
    // thousands of dispatches crashed Dawn on lavapipe); submitting in slices keeps queue order.
    if (this.encodedCommands >= MAX_COMMANDS_PER_SUBMIT) this.flush();
  }

  /** Split a 1-D launch of `n` workgroups into x/y so it stays under maxComputeWorkgroupsPerDimension. */
  grid1d(n: number): [number, number] {
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (n <= max) return [n, 1];
    const y = Math.ceil(n / max);
    return [Math.ceil(n / y), y];
  }

  private uniformSlot(size: number): { chunk: UniformChunk; offset: number } {
    const align = this.limits.minUniformBufferOffsetAlignment;
    let chunk = this.uniformChunks[this.uniformChunks.length - 1];
    if (!chunk || chunk.used + size > UNIFORM_CHUNK) {
      chunk = this.uniformFree.pop() ?? {
        buffer: this.device.createBuffer({ size: UNIFORM_CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniforms' }),
        host: new ArrayBuffer(UNIFORM_CHUNK),
        used: 0,
      };
      chunk.used = 0;
      this.uniformChunks.push(chunk);
    }
    const offset = chunk.used;
    chunk.used = alignUp(offset + size, align);
    return { chunk, offset };
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass({ label: 'step' });
    return this.pass;
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'step' });
    return this.encoder;
  }

  /** An encoder outside any compute pass, for copies and clears. */
  private copyEncoder(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = undefined;
    }
    return this.commandEncoder();
  }

  copy(src: BufferRange, dst: BufferRange, byteLength = Math.min(src.byteLength, dst.byteLength)): void {
    this.checkHealthy();
    if (byteLength > dst.byteLength || byteLength > src.byteLength) {
      throw new Error(`copy of ${byteLength} bytes from ${src.describe()} to ${dst.describe()} does not fit.`);
    }
    this.copyEncoder().copyBufferToBuffer(src.buffer, src.offset, dst.buffer, dst.offset, alignUp(byteLength, 4));
    this.encodedCommands++;
  }

  /** Zero a buffer range on the GPU (part of the current step's commands). */
  clear(dst: BufferRange): void {
    this.checkHealthy();
    this.copyEncoder().clearBuffer(dst.buffer, dst.offset, alignUp(dst.byteLength, 4));
    this.encodedCommands++;
  }

  /** Submit everything recorded so far as one command buffer. */
  flush(): void {
    this.checkHealthy();
    if (!this.encoder) return;
    if (this.pass) {
      this.pass.end();
      this.pass = undefined;
    }
    // Uniform bytes go in with writeBuffer, which the queue orders before this submit: every
    // dispatch of this command buffer sees its own slot.
    for (const c of this.uniformChunks) this.device.queue.writeBuffer(c.buffer, 0, c.host, 0, c.used);
    const readTimes = this.profiler?.resolve(this.encoder);
    this.device.queue.submit([this.encoder.finish({ label: 'step' })]);
    readTimes?.();
    this.uniformFree.push(...this.uniformChunks);
    this.uniformChunks = [];
    this.encoder = undefined;
    this.encodedCommands = 0;
    this.counters.submits++;
  }

  /** Submit and wait until the GPU is idle; surfaces any GPU error raised so far. */
  async sync(): Promise<void> {
    this.flush();
    await waitQuietly(this.device.queue.onSubmittedWorkDone());
    await this.checkErrors();
  }

  private async checkErrors(): Promise<void> {
    if (this.compileChecks.length) {
      const checks = this.compileChecks;
      this.compileChecks = [];
      await Promise.all(checks);
    }
    this.checkHealthy();
    if (this.errors.length) {
      const errs = this.errors;
      this.errors = [];
      throw new Error(`WebGPU error (last kernel launched: ${this.lastKernel}):\n  ${errs.join('\n  ')}`);
    }
  }

  private checkHealthy(): void {
    if (this.destroyed) throw new Error('The engine was destroyed; create a new one with Engine.create().');
    if (this.lostReason) throw new Error(`The GPU device was lost (${this.lostReason}); last kernel launched: ${this.lastKernel}.`);
  }

  // ---------------------------------------------------------------- host <-> device

  async read(src: BufferRange & { shape?: readonly number[] }): Promise<AnyTypedArray> {
    const bytes = src instanceof Tensor ? src.size * BYTES[src.dtype] : src.byteLength;
    const staging = this.device.createBuffer({ size: alignUp(Math.max(bytes, 4), 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
    try {
      if (bytes > 0) this.copyEncoder().copyBufferToBuffer(src.buffer, src.offset, staging, 0, alignUp(bytes, 4));
      this.flush();
      this.counters.readbacks++;
      await waitQuietly(staging.mapAsync(GPUMapMode.READ));
      await this.checkErrors();
      const out = typedArrayFor(src.dtype, new ArrayBuffer(bytes), 0, bytes / BYTES[src.dtype]);
      new Uint8Array(out.buffer).set(new Uint8Array(staging.getMappedRange(0, alignUp(Math.max(bytes, 4), 4)), 0, bytes));
      staging.unmap();
      return out;
    } finally {
      staging.destroy();
    }
  }

  /** Write host data into a buffer range, ordered after everything recorded so far. */
  write(dst: BufferRange, data: AnyTypedArray): void {
    this.checkHealthy();
    // queue.writeBuffer runs before any command buffer submitted later; pending commands that use
    // this buffer must therefore be submitted first or they would see the new data.
    if (this.encodedCommands) this.flush();
    const bytes = data.byteLength;
    if (bytes > dst.byteLength) throw new Error(`write of ${bytes} bytes does not fit ${dst.describe()} (${dst.byteLength} bytes).`);
    if (bytes % 4 === 0) this.device.queue.writeBuffer(dst.buffer, dst.offset, data.buffer, data.byteOffset, bytes);
    else {
      const padded = new Uint8Array(alignUp(bytes, 4));
      padded.set(new Uint8Array(data.buffer, data.byteOffset, bytes));
      this.device.queue.writeBuffer(dst.buffer, dst.offset, padded);
    }
  }

  // ---------------------------------------------------------------- tensors

  /** A new tensor with uninitialised memory from the pool. */
  empty(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    checkShape(shape);
    const storage = this.pool.allocate(Math.max(4, shapeSize(shape) * BYTES[dtype]), `tensor ${dtype}${fmtShape(shape)}`);
    return this.track(new Tensor(this, storage, [...shape], dtype));
  }

  /** A tensor from host data: a typed array or number[] with a shape (default: 1-D). */
  tensor(data: ArrayLike<number>, shape?: readonly number[], opts: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
    shape ??= [data.length];
    checkShape(shape);
    const dtype = opts.dtype ?? dtypeOfArray(data);
    if (shapeSize(shape) !== data.length) {
      throw new Error(`tensor(): ${data.length} values cannot have shape ${fmtShape(shape)} (${shapeSize(shape)} elements).`);
    }
    const t = this.empty(shape, dtype);
    let typed: AnyTypedArray;
    if (dtype === 'f32') typed = data instanceof Float32Array ? data : Float32Array.from(data);
    else if (dtype === 'i32') typed = data instanceof Int32Array ? data : Int32Array.from(data);
    else if (dtype === 'u32') typed = data instanceof Uint32Array ? data : Uint32Array.from(data);
    else typed = data instanceof Uint16Array ? data : Uint16Array.from(data);
    if (typed.length) this.write(t, typed);
    t.requiresGrad = !!opts.requiresGrad;
    return t;
  }

  zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const t = this.empty(shape, dtype);
    this.clear(t);
    return t;
  }

  /** Gaussian or uniform random values, generated on the host from a seed (reproducible). */
  randn(shape: readonly number[], opts: { seed?: number; std?: number; mean?: number; rng?: Rng; requiresGrad?: boolean } = {}): Tensor {
    const rng = opts.rng ?? new Rng(opts.seed ?? 0);
    const a = new Float32Array(shapeSize(shape));
    for (let i = 0; i < a.length; i++) a[i] = (opts.mean ?? 0) + (opts.std ?? 1) * rng.normal();
    return this.tensor(a, shape, { requiresGrad: opts.requiresGrad });
  }

  /** Long-lived tensors packed into one buffer (parameters, gradients, optimizer state). Each view
   *  starts at a storage-offset-aligned address so it can be bound alone; `all` views the whole arena. */
  arena(label: string, specs: readonly ParamSpec[]): { all: Tensor; tensors: Map<string, Tensor>; buffer: GPUBuffer } {
    const align = this.limits.minStorageBufferOffsetAlignment;
    let offset = 0;
    const layout: { spec: ParamSpec; offset: number; bytes: number }[] = [];
    for (const spec of specs) {
      checkShape(spec.shape, `shape of ${spec.name}`);
      const bytes = shapeSize(spec.shape) * BYTES[spec.dtype ?? 'f32'];
      layout.push({ spec, offset, bytes });
      offset = alignUp(offset + Math.max(bytes, 4), align);
    }
    const total = Math.max(offset, 4);
    const buffer = this.pool.createArenaBuffer(total, label);
    this.arenaBuffers.add(buffer);
    const tensors = new Map<string, Tensor>();
    for (const { spec, offset: off, bytes } of layout) {
      const t = new Tensor(this, new Storage(buffer, off, Math.max(bytes, 4), 'arena'), [...spec.shape], spec.dtype ?? 'f32');
      t.name = spec.name;
      tensors.set(spec.name, t);
    }
    const all = new Tensor(this, new Storage(buffer, 0, total, 'arena'), [total / 4], 'f32');
    all.name = label;
    this.clear(all);
    return { all, tensors, buffer };
  }

  releaseStorage(s: Storage): void {
    if (s.released) return;
    if (--s.refs > 0) return;
    s.released = true;
    if (s.kind === 'pooled') this.pool.release(s);
  }

  /** A tensor viewing the same storage with another shape (no copy); with `dtype`, a bitcast view of
   *  the same bytes (e.g. f16 pairs read as u32 words by a kernel that unpacks them). */
  view(t: Tensor, shape: readonly number[], dtype: DType = t.dtype): Tensor {
    t.assertAlive();
    if (dtype === t.dtype && shapeSize(shape) !== t.size) throw new Error(`Cannot view ${t.describe()} as ${fmtShape(shape)}: ${t.size} vs ${shapeSize(shape)} elements.`);
    if (shapeSize(shape) * BYTES[dtype] !== t.size * BYTES[t.dtype]) {
      throw new Error(`Cannot view ${t.describe()} as ${dtype}${fmtShape(shape)}: ${t.size * BYTES[t.dtype]} vs ${shapeSize(shape) * BYTES[dtype]} bytes.`);
    }
    t.storage.refs++;
    return this.track(new Tensor(this, t.storage, [...shape], dtype));
  }

  memory(): MemoryStats {
    return this.pool.snapshot();
  }

  memoryReport(): string {
    const m = this.memory();
    return `live ${fmtBytes(m.liveBytes)} (peak ${fmtBytes(m.peakLiveBytes)}), pooled ${fmtBytes(m.pooledBytes)}, arenas ${fmtBytes(m.arenaBytes)}, device ${fmtBytes(m.deviceBytes)}`;
  }

  // ---------------------------------------------------------------- scopes

  private track(t: Tensor): Tensor {
    return this.scopes.track(t);
  }

  /** Run fn; every tensor it creates is disposed at the end, except those it returns or keeps. */
  scope<T>(fn: () => T): T {
    return this.scopes.run(fn);
  }

  /** Exempt a tensor from the scopes it was created in. */
  keep<T extends Tensor>(t: T): T {
    return this.scopes.keep(t);
  }

  // ---------------------------------------------------------------- tape recording

  /** Whether differentiable ops record on the tape (off inside noGrad). */
  get gradEnabled(): boolean {
    return this.gradDepth === 0;
  }

  /** Run fn without recording the tape (evaluation). */
  noGrad<T>(fn: () => T): T {
    this.gradDepth++;
    let async = false;
    try {
      const r = fn();
      if (r instanceof Promise) {
        async = true;
        return r.finally(() => this.gradDepth--) as T;
      }
      return r;
    } finally {
      if (!async) this.gradDepth--;
    }
  }

  // ---------------------------------------------------------------- profiling

  /** Time every dispatch on the GPU (timestamp queries) until stopProfiling(); slows dispatching. */
  startProfiling(): void {
    if (!this.hasTimestamps) throw new Error(`This adapter (${this.adapter.description || this.adapter.vendor}) has no 'timestamp-query' feature; time whole steps on the host instead.`);
    if (this.profiler) return;
    this.flush();
    this.profiler = new Profiler(this.device);
  }

  /** Stop profiling; per-kernel GPU time, largest first. */
  async stopProfiling(): Promise<KernelTiming[]> {
    const prof = this.profiler;
    if (!prof) return [];
    this.flush();
    this.profiler = undefined;
    return prof.finish();
  }

  // ---------------------------------------------------------------- lifetime

  /** Destroy the device (if we created it); the process can then exit by itself. */
  destroy(): void {
    if (this.destroyed) return;
    try {
      this.flush();
    } catch {
      /* a lost device cannot flush; destroying is still right */
    }
    this.destroyed = true;
    this.pool.trim();
    for (const b of this.arenaBuffers) b.destroy();
    for (const c of [...this.uniformChunks, ...this.uniformFree]) c.buffer.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
