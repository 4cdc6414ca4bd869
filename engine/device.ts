// Device acquisition: Node (Dawn through the `webgpu` package), the browser (navigator.gpu), or a
// device the caller injects. Everything that can go wrong here ends in an error that says what to
// install or change, because "no adapter" is the first thing a newcomer on a GPU-less box meets.

export interface DeviceOptions {
  /** Use this device as it is (the caller owns its lifetime unless `ownsDevice` is set). */
  device?: GPUDevice;
  /** Dawn options for `create()` in Node, e.g. ['backend=vulkan', 'adapter=llvmpipe'].
   *  Also read from the environment variable FOCUSCLIP_DAWN (comma or space separated). */
  dawnOptions?: string[];
  powerPreference?: GPUPowerPreference;
  /** Features we use when the adapter has them; missing ones are simply not enabled. */
  optionalFeatures?: GPUFeatureName[];
  /** Most GPU memory the engine may hold ("512MiB", "4GiB" or bytes); allocations past it fail with
   *  an error naming the tensor and its size. Also read from FOCUSCLIP_MEMORY_LIMIT. */
  memoryLimit?: string | number;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapterInfo: AdapterSummary;
  /** True when we created the device and must destroy it. */
  owned: boolean;
  platform: 'node' | 'browser' | 'injected';
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  limits: Record<string, number>;
  isFallbackAdapter: boolean;
}

/** Limits we raise from the spec defaults to what the adapter really offers. */
export const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
] as const;

export const DEFAULT_OPTIONAL_FEATURES: GPUFeatureName[] = [
  'timestamp-query',
  'shader-f16',
  'subgroups' as GPUFeatureName,
];

export const isNode =
  typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as any).window === 'undefined';

export class NoAdapterError extends Error {
  constructor(platform: string, detail = '') {
    super(
      `No WebGPU adapter found on ${platform}.${detail ? ' ' + detail : ''}\n` +
        (platform.startsWith('node')
          ? 'Install a Vulkan driver. Without a GPU on Debian/Ubuntu, Mesa\'s software driver lavapipe (Mesa >= 24) works:\n' +
            '  echo "deb http://deb.debian.org/debian bookworm-backports main" > /etc/apt/sources.list.d/backports.list\n' +
            '  apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers\n' +
            '  export XDG_RUNTIME_DIR=/tmp\n' +
            'Debian bookworm\'s own Mesa 22.3 is too old for Dawn. Check with `focusclip info`; pick an adapter with FOCUSCLIP_DAWN="adapter=NAME".'
          : 'Use a browser with WebGPU (Chrome/Edge >= 113, or Chromium with --enable-unsafe-webgpu; Firefox Nightly / Safari 18 with WebGPU enabled).'),
    );
    this.name = 'NoAdapterError';
  }
}

function dawnOptionsFromEnv(): string[] {
  const raw = isNode ? process.env.FOCUSCLIP_DAWN : undefined;
  if (!raw) return [];
  return raw.split(/[\s;]+/).filter(Boolean);
}

let nodeGpu: { gpu: GPU; key: string } | undefined;

async function nodeNavigatorGpu(dawnOptions: string[]): Promise<GPU> {
  const key = dawnOptions.join('|');
  if (nodeGpu && nodeGpu.key === key) return nodeGpu.gpu;
  // Mesa prints a warning per process when XDG_RUNTIME_DIR is unset; it is harmless but noisy.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  let mod: any;
  try {
    const name = 'webgpu';
    mod = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new NoAdapterError('node', `The npm package "webgpu" could not be loaded (${(e as Error).message}); run \`npm ci\`.`);
  }
  // Dawn's GPU* constants (GPUBufferUsage, ...) must be globals for code written against the spec.
  for (const [k, v] of Object.entries(mod.globals as object)) {
    if (!(k in globalThis)) (globalThis as any)[k] = v;
  }
  const gpu = mod.create(dawnOptions) as GPU;
  nodeGpu = { gpu, key };
  return gpu;
}

export async function getGpu(dawnOptions?: string[]): Promise<{ gpu: GPU; platform: 'node' | 'browser' }> {
  if (isNode) return { gpu: await nodeNavigatorGpu(dawnOptions ?? dawnOptionsFromEnv()), platform: 'node' };
  const gpu = (globalThis as any).navigator?.gpu as GPU | undefined;
  if (!gpu) throw new NoAdapterError('this browser', 'navigator.gpu is missing.');
  return { gpu, platform: 'browser' };
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = (adapter as any).info ?? {};
  const limits: Record<string, number> = {};
  // Limits are getters on the prototype: enumerate those, not own keys.
  for (let proto = adapter.limits; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const k of Object.getOwnPropertyNames(proto)) {
      if (k === 'constructor' || k in limits) continue;
      const v = (adapter.limits as any)[k];
      if (typeof v === 'number') limits[k] = v;
    }
  }
  return {
    vendor: String(info.vendor ?? ''),
    architecture: String(info.architecture ?? ''),
    device: String(info.device ?? ''),
    description: String(info.description ?? ''),
    features: [...adapter.features].map(String).sort(),
    limits,
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? (adapter as any).isFallbackAdapter ?? false),
  };
}

export async function requestAdapter(opts: DeviceOptions = {}): Promise<{ adapter: GPUAdapter; platform: 'node' | 'browser' }> {
  const { gpu, platform } = await getGpu(opts.dawnOptions);
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } catch (e) {
    throw new NoAdapterError(platform, (e as Error).message);
  }
  if (!adapter) throw new NoAdapterError(platform === 'node' ? `node (${process.platform})` : platform);
  return { adapter, platform };
}

export async function acquireDevice(opts: DeviceOptions = {}): Promise<AcquiredDevice> {
  if (opts.device) {
    const d = opts.device as any;
    return {
      device: opts.device,
      owned: false,
      platform: 'injected',
      adapterInfo: {
        vendor: String(d.adapterInfo?.vendor ?? ''),
        architecture: String(d.adapterInfo?.architecture ?? ''),
        device: String(d.adapterInfo?.device ?? ''),
        description: String(d.adapterInfo?.description ?? ''),
        features: [...opts.device.features].map(String).sort(),
        limits: {},
        isFallbackAdapter: false,
      },
    };
  }
  const { adapter, platform } = await requestAdapter(opts);
  const summary = summarizeAdapter(adapter);
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) if (summary.limits[k] !== undefined) requiredLimits[k] = summary.limits[k];
  const wanted = opts.optionalFeatures ?? DEFAULT_OPTIONAL_FEATURES;
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'focusclip' });
  return { device, adapterInfo: summary, owned: true, platform };
}
