// Parameters <-> safetensors bytes. The model's config and any training state travel in the
// header's __metadata__ as JSON strings, so a checkpoint alone rebuilds the model and resumes a run.
// Loading checks everything before writing anything: one error lists every missing, unexpected and
// mis-shaped tensor, so a wrong file is diagnosed in one go.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { decodeSafetensors, encodeSafetensors, toFloat32, type SafeFile, type TensorInput } from './safetensors.js';
import { validateConfig, type ModelConfig } from './config.js';

export const META_CONFIG = 'focusclip_config';
export const META_STATE = 'training_state';

/** Read every parameter back (one readback per distinct GPU buffer) and serialise them in order. */
export async function encodeParams(
  engine: Engine,
  params: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string> = {},
  /** Host tensors stored after the parameters (e.g. a test batch). */
  extra: [string, TensorInput][] = [],
): Promise<Uint8Array> {
  const byBuffer = new Map<GPUBuffer, Tensor[]>();
  for (const t of params.values()) {
    if (t.dtype !== 'f32' && t.dtype !== 'i32') throw new Error(`checkpoint: ${t.describe()} has dtype ${t.dtype}; only f32 and i32 parameters are saved.`);
    const list = byBuffer.get(t.buffer) ?? [];
    list.push(t);
    byBuffer.set(t.buffer, list);
  }
  const host = new Map<Tensor, Float32Array | Int32Array>();
  for (const [buffer, ts] of byBuffer) {
    // One read covering the used span of the buffer instead of one per tensor.
    const lo = Math.min(...ts.map((t) => t.offset));
    const hi = Math.max(...ts.map((t) => t.offset + t.size * 4));
    const span = { buffer, offset: lo, byteLength: Math.max(4, hi - lo), dtype: 'f32' as const, describe: () => 'parameters' };
    const all = (await engine.read(span)) as Float32Array;
    for (const t of ts) {
      const start = (t.offset - lo) / 4;
      const f = all.slice(start, start + t.size);
      host.set(t, t.dtype === 'i32' ? new Int32Array(f.buffer) : f);
    }
  }
  const entries: [string, TensorInput][] = [...params].map(([name, t]) => [name, { shape: t.shape, data: host.get(t)! }]);
  return encodeSafetensors([...entries, ...extra], { format: 'pt', ...metadata });
}

export interface LoadOptions {
  /** Prepended to file names to find the parameter ('visual.' loads a bare timm ViT file). */
  prefix?: string;
  /** Map a file name before the prefix is added (HF 'bert.' prefixes, old gamma/beta names). */
  rename?: (name: string) => string;
  /** File tensors to skip silently (a classifier head, BERT's pooler). */
  ignore?: (name: string) => boolean;
  /** Only parameters whose full name passes are required and loaded (default: every one under the prefix). */
  select?: (paramName: string) => boolean;
  /** What to call the file in messages. */
  source?: string;
}

/** Copy tensors from a decoded safetensors file into parameters; returns the loaded names. */
export function loadParams(engine: Engine, params: ReadonlyMap<string, Tensor>, file: SafeFile, opts: LoadOptions = {}): string[] {
  const prefix = opts.prefix ?? '';
  const select = opts.select ?? ((n: string) => n.startsWith(prefix));
  const wanted = [...params.keys()].filter(select);
  const found = new Map<string, string>(); // param name -> file name
  const unexpected: string[] = [];
  const mismatched: string[] = [];
  for (const fileName of file.tensors.keys()) {
    if (opts.ignore?.(fileName)) continue;
    const name = prefix + (opts.rename ? opts.rename(fileName) : fileName);
    const p = params.get(name);
    if (!p || !select(name)) {
      unexpected.push(fileName === name ? name : `${fileName} (as ${name})`);
      continue;
    }
    if (found.has(name)) {
      unexpected.push(`${fileName} (a second tensor for ${name}, after ${found.get(name)})`);
      continue;
    }
    found.set(name, fileName);
    const st = file.tensors.get(fileName)!;
    if (st.shape.length !== p.shape.length || st.shape.some((d, i) => d !== p.shape[i])) {
      mismatched.push(`${name}: file has ${st.dtype}[${st.shape.join(', ')}], model has [${p.shape.join(', ')}]`);
    }
  }
  const missing = wanted.filter((n) => !found.has(n));
  if (missing.length || unexpected.length || mismatched.length) {
    const lines: string[] = [];
    const list = (title: string, xs: string[]) => {
      if (xs.length) lines.push(`${title} (${xs.length}):`, ...xs.map((x) => `  ${x}`));
    };
    list('missing from the file', missing);
    list('unexpected in the file', unexpected);
    list('shape mismatches', mismatched);
    throw new Error(
      `Cannot load ${opts.source ?? 'the checkpoint'} into the model:\n${lines.join('\n')}\n` +
        'Check that the file matches the model preset (and --init-visual/--init-text point at the right files).',
    );
  }
  for (const [name, fileName] of found) {
    const p = params.get(name)!;
    const st = file.tensors.get(fileName)!;
    if (p.dtype === 'f32') engine.write(p, toFloat32(st));
    else if (p.dtype === 'i32' && st.dtype === 'I32') engine.write(p, new Int32Array(st.bytes.buffer.slice(st.bytes.byteOffset, st.bytes.byteOffset + st.bytes.byteLength)));
    else throw new Error(`Cannot load ${fileName} (${st.dtype}) into ${p.describe()}.`);
  }
  return [...found.keys()];
}

/** The model config stored in a checkpoint, if any. */
export function configFromMetadata(file: SafeFile, source = 'checkpoint'): ModelConfig | undefined {
  const s = file.metadata[META_CONFIG];
  if (!s) return undefined;
  let cfg: ModelConfig;
  try {
    cfg = JSON.parse(s) as ModelConfig;
  } catch (err) {
    throw new Error(`${source}: __metadata__.${META_CONFIG} is not valid JSON (${(err as Error).message}).`);
  }
  const shape = cfg && typeof cfg === 'object' && cfg.vision && typeof cfg.vision === 'object' && cfg.text && typeof cfg.text === 'object';
  if (!shape) throw new Error(`${source}: __metadata__.${META_CONFIG} lacks the vision and text configs; the checkpoint is damaged.`);
  try {
    validateConfig(cfg);
  } catch (err) {
    throw new Error(`${source}: the stored model config is invalid, so the checkpoint is damaged or was edited: ${(err as Error).message}`);
  }
  return cfg;
}

export function decodeCheckpoint(bytes: ArrayBuffer | Uint8Array, source = 'checkpoint'): SafeFile {
  return decodeSafetensors(bytes, source);
}

// ------------------------------------------------------------------ pretrained weights

/** timm ViT files carry a classifier and sometimes extras our encoder does not have. */
export function timmIgnore(name: string): boolean {
  return name.startsWith('head.') || name.startsWith('head_drop') || name.startsWith('fc_norm.');
}

/** HF BERT files: 'bert.' prefix in task models, TF-era gamma/beta, pooler and task heads. */
export function hfBertRename(name: string): string {
  let n = name.startsWith('bert.') ? name.slice(5) : name;
  n = n.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  return n;
}
export function hfBertIgnore(name: string): boolean {
  const n = hfBertRename(name);
  return n.startsWith('pooler.') || name.startsWith('cls.') || n === 'embeddings.position_ids' || n.startsWith('qa_outputs.') || n.startsWith('classifier.');
}
