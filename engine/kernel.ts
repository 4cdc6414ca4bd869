// A kernel is a WGSL module and an entry point. Its bind-group layout is never written by hand: we
// reflect the WGSL with wgsl_reflect and check every launch against the reflection (names, element
// types, sizes), so that a wrong launch fails here with the kernel's name instead of deep in Dawn.

import { fmtBytes } from './memory.js';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { DType } from './dtype.js';

export type ScalarType = 'f32' | 'i32' | 'u32' | 'f16';

export interface BindingInfo {
  name: string;
  group: number;
  binding: number;
  kind: 'uniform' | 'storage-read' | 'storage-rw';
  /** Element type of a storage array (scalar type of vecN elements), undefined for uniforms. */
  elementType?: ScalarType;
  /** Components per element (vec4<f32> = 4). */
  elementWidth: number;
  /** Byte size of a uniform struct. */
  structSize?: number;
  members?: UniformMember[];
}

export interface UniformMember {
  name: string;
  offset: number;
  type: ScalarType;
  count: number; // 1 for scalars, N for vecN
}

const SCALARS = new Set(['f32', 'i32', 'u32', 'f16']);

function scalarOf(t: any): { type: ScalarType; count: number } | undefined {
  if (!t) return undefined;
  if (SCALARS.has(t.name)) return { type: t.name, count: 1 };
  const m = /^vec([234])/.exec(t.name ?? '');
  if (m) {
    const inner = t.format?.name ?? /<(\w+)>/.exec(t.name)?.[1];
    if (SCALARS.has(inner)) return { type: inner, count: Number(m[1]) };
  }
  return undefined;
}

export function reflectBindings(source: string, entryPoint: string): { bindings: BindingInfo[]; workgroupSize: [number, number, number] } {
  const r = new WgslReflect(source);
  const entry = r.entry.compute.find((e: any) => e.name === entryPoint);
  if (!entry) {
    throw new Error(`WGSL has no @compute entry point "${entryPoint}" (found: ${r.entry.compute.map((e: any) => e.name).join(', ') || 'none'}).`);
  }
  const bindings: BindingInfo[] = [];
  for (const group of r.getBindGroups()) {
    for (const v of group) {
      if (!v) continue;
      const info: BindingInfo = {
        name: v.name,
        group: v.group,
        binding: v.binding,
        kind: v.resourceType === 0 ? 'uniform' : v.access === 'read_write' ? 'storage-rw' : 'storage-read',
        elementWidth: 1,
      };
      if (info.kind === 'uniform') {
        info.structSize = v.size;
        const members = (v.type as any).members;
        if (members) {
          info.members = members.map((m: any) => {
            const s = scalarOf(m.type);
            if (!s) throw new Error(`Uniform member ${v.name}.${m.name} has type ${m.type.name}; only scalars and vecN are supported.`);
            return { name: m.name, offset: m.offset, type: s.type, count: s.count };
          });
        } else {
          const s = scalarOf(v.type);
          if (!s) throw new Error(`Uniform ${v.name} must be a struct, scalar or vecN.`);
          info.members = [{ name: v.name, offset: 0, type: s.type, count: s.count }];
        }
      } else {
        const el = scalarOf((v.type as any).format ?? v.type);
        if (el) {
          info.elementType = el.type;
          info.elementWidth = el.count;
        }
      }
      bindings.push(info);
    }
  }
  // Only bindings that the entry point uses end up in the pipeline's auto layout, but we pass every
  // declared binding explicitly (our layout is derived from the module, not from 'auto').
  bindings.sort((a, b) => a.group - b.group || a.binding - b.binding);
  const ws = entry.workgroupSize ?? [1, 1, 1];
  return { bindings, workgroupSize: [ws[0] ?? 1, ws[1] ?? 1, ws[2] ?? 1] };
}

/** What a binding accepts: a dtype-carrying range of a buffer. */
export interface BufferRange {
  buffer: GPUBuffer;
  offset: number;
  byteLength: number;
  dtype: DType;
  /** For messages. */
  describe(): string;
}

export class Kernel {
  readonly bindings: BindingInfo[];
  readonly workgroupSize: [number, number, number];
  readonly pipeline: GPUComputePipeline;
  readonly layouts: GPUBindGroupLayout[];
  readonly uniform?: BindingInfo;

  constructor(
    readonly device: GPUDevice,
    readonly name: string,
    readonly source: string,
    readonly entryPoint: string,
    onCompileError: (p: Promise<GPUError | null>, kernel: string) => void,
  ) {
    const r = reflectBindings(source, entryPoint);
    this.bindings = r.bindings;
    this.workgroupSize = r.workgroupSize;
    const uniforms = this.bindings.filter((b) => b.kind === 'uniform');
    if (uniforms.length > 1) throw new Error(`Kernel ${name}: at most one uniform binding (the params struct) is supported.`);
    this.uniform = uniforms[0];
    const groups = new Map<number, GPUBindGroupLayoutEntry[]>();
    for (const b of this.bindings) {
      const list = groups.get(b.group) ?? [];
      groups.set(b.group, list);
      list.push({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind === 'uniform' ? 'uniform' : b.kind === 'storage-rw' ? 'storage' : 'read-only-storage' },
      });
    }
    const maxGroup = Math.max(-1, ...groups.keys());
    this.layouts = [];
    for (let g = 0; g <= maxGroup; g++) {
      this.layouts.push(device.createBindGroupLayout({ label: `${name}/group${g}`, entries: groups.get(g) ?? [] }));
    }
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: source, label: name });
    this.pipeline = device.createComputePipeline({
      label: name,
      layout: device.createPipelineLayout({ label: name, bindGroupLayouts: this.layouts }),
      compute: { module, entryPoint },
    });
    onCompileError(device.popErrorScope(), name);
  }

  /** Check a launch against the reflection; every message names the kernel and the binding. */
  validate(resources: Record<string, BufferRange>, workgroups: readonly number[], maxPerDim: number, maxBindingBytes = Infinity): void {
    const names = new Set(Object.keys(resources));
    for (const b of this.bindings) {
      if (b.kind === 'uniform') continue;
      const r = resources[b.name];
      if (!r) {
        const need = this.bindings.filter((x) => x.kind !== 'uniform').map((x) => x.name);
        throw new Error(`Kernel ${this.name}: missing binding "${b.name}" (it needs ${need.join(', ')}; got ${[...names].join(', ') || 'none'}).`);
      }
      names.delete(b.name);
      if (b.elementType && r.dtype !== b.elementType) {
        throw new Error(`Kernel ${this.name}: binding "${b.name}" holds ${b.elementType} but was given a ${r.dtype} buffer (${r.describe()}).`);
      }
      const elBytes = (b.elementType === 'f16' ? 2 : 4) * b.elementWidth;
      if (r.byteLength < elBytes) {
        throw new Error(`Kernel ${this.name}: binding "${b.name}" is ${r.byteLength} bytes, smaller than one element (${elBytes} bytes) (${r.describe()}).`);
      }
      if (r.byteLength > maxBindingBytes) {
        throw new Error(
          `Kernel ${this.name}: binding "${b.name}" is ${fmtBytes(r.byteLength)} (${r.describe()}), more than the adapter's maxStorageBufferBindingSize ` +
            `(${fmtBytes(maxBindingBytes)}), so no shader can bind it whole. Use a smaller batch or split the tensor.`,
        );
      }
    }
    if (names.size) throw new Error(`Kernel ${this.name}: unknown binding(s) ${[...names].join(', ')}; the WGSL declares ${this.bindings.map((b) => b.name).join(', ')}.`);
    for (const w of workgroups) {
      if (!Number.isInteger(w) || w < 0 || w > maxPerDim) {
        throw new Error(`Kernel ${this.name}: workgroup count ${w} out of range (0..${maxPerDim}); split the launch.`);
      }
    }
  }

  /** Serialise params into the uniform struct's bytes. */
  packParams(params: Record<string, number | readonly number[]>, out: DataView, base: number): void {
    const u = this.uniform;
    if (!u) {
      if (Object.keys(params).length) throw new Error(`Kernel ${this.name} has no uniform params but was given ${Object.keys(params).join(', ')}.`);
      return;
    }
    const known = new Set(u.members!.map((m) => m.name));
    for (const k of Object.keys(params)) {
      if (!known.has(k)) throw new Error(`Kernel ${this.name}: unknown param "${k}"; the params struct has ${[...known].join(', ')}.`);
    }
    for (const m of u.members!) {
      const v = params[m.name];
      if (v === undefined) throw new Error(`Kernel ${this.name}: missing param "${m.name}".`);
      const vals = typeof v === 'number' ? [v] : v;
      if (vals.length !== m.count) throw new Error(`Kernel ${this.name}: param "${m.name}" needs ${m.count} value(s), got ${vals.length}.`);
      for (let i = 0; i < m.count; i++) {
        const at = base + m.offset + 4 * i;
        const x = vals[i];
        if (m.type === 'f32') out.setFloat32(at, x, true);
        else if (m.type === 'i32') out.setInt32(at, x, true);
        else {
          if (x < 0 || !Number.isInteger(x)) throw new Error(`Kernel ${this.name}: param "${m.name}" is u32 but got ${x}.`);
          out.setUint32(at, x, true);
        }
      }
    }
  }
}
