// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {str: str}},
// then the raw little-endian tensor bytes, offsets relative to the end of the header. This codec
// works on ArrayBuffers only so it runs in browsers too; file I/O lives in safetensors-node.ts.

export type SafeDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'U16' | 'U32' | 'U64' | 'BOOL';

const DTYPE_BYTES: Record<SafeDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1 };

/** One tensor as stored: raw little-endian bytes (a copy, safe to keep). */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafeFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** What `encodeSafetensors` takes: typed arrays are written as F32 / I32 / U32 / F16 (Uint16Array). */
export interface TensorInput {
  shape: readonly number[];
  data: Float32Array | Int32Array | Uint32Array | Uint16Array | Float64Array | Uint8Array;
  /** Needed when the array type is ambiguous (Uint16Array: F16 or BF16) or data is raw bytes (Uint8Array). */
  dtype?: SafeDType;
}

// Hosts are little-endian in practice (x86, ARM); refuse a big-endian one rather than write garbage.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function assertLittleEndian() {
  if (!LITTLE_ENDIAN) throw new Error('safetensors: this host is big-endian; the codec supports little-endian hosts only.');
}

function dtypeOf(t: TensorInput, name: string): SafeDType {
  if (t.dtype) return t.dtype;
  if (t.data instanceof Float32Array) return 'F32';
  if (t.data instanceof Int32Array) return 'I32';
  if (t.data instanceof Uint32Array) return 'U32';
  if (t.data instanceof Float64Array) return 'F64';
  if (t.data instanceof Uint16Array) return 'F16';
  if (t.data instanceof Uint8Array) return 'U8';
  throw new Error(`safetensors: tensor "${name}" has an unsupported array type.`);
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialise tensors (in the given order) and string metadata to one buffer. */
export function encodeSafetensors(tensors: Iterable<[string, TensorInput]>, metadata: Record<string, string> = {}): Uint8Array {
  assertLittleEndian();
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new Error(`safetensors: metadata "${k}" must be a string (JSON.stringify objects), got ${typeof v}.`);
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header) throw new Error(`safetensors: duplicate or reserved tensor name "${name}".`);
    const dtype = dtypeOf(t, name);
    const n = size(t.shape);
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`safetensors: tensor "${name}" has an invalid shape [${t.shape.join(', ')}].`);
    // Compare bytes, not elements: raw Uint8Array data with an explicit dtype (I64 from BigInt64Array) is allowed.
    const want = n * DTYPE_BYTES[dtype];
    if (t.data.byteLength !== want) {
      throw new Error(`safetensors: tensor "${name}" has ${t.data.byteLength / DTYPE_BYTES[dtype]} ${dtype} values for shape [${t.shape.join(', ')}] (${n}).`);
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, want);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - ((8 + headerBytes.length) % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The first key that appears twice at the top level of valid JSON object text (JSON.parse silently keeps the last). */
function duplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && ' \t\r\n'.includes(text[k])) k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}

/** Parse and validate a safetensors buffer; every problem is named. */
export function decodeSafetensors(buffer: ArrayBuffer | Uint8Array, what = 'safetensors file'): SafeFile {
  assertLittleEndian();
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength < 8) throw new Error(`${what}: ${bytes.byteLength} bytes is too short for a safetensors file (8-byte header length missing).`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > bytes.byteLength - 8) {
    throw new Error(`${what}: header length ${headerLen} exceeds the file size ${bytes.byteLength}; the file is truncated or not safetensors.`);
  }
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new Error(`${what}: the header is not valid UTF-8 JSON (${(err as Error).message}).`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${what}: the header must be a JSON object.`);
  const dup = duplicateTopLevelKey(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  if (dup !== undefined) throw new Error(`${what}: the header names "${dup}" twice; the file is damaged or was written by a broken tool (which of the two is meant cannot be known).`);
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafeTensor>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries(entry ?? {})) {
        if (typeof v !== 'string') throw new Error(`${what}: __metadata__.${k} is not a string.`);
        metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, data_offsets: off } = entry ?? {};
    if (!(dtype in DTYPE_BYTES)) throw new Error(`${what}: tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}.`);
    if (!Array.isArray(shape) || shape.some((d: unknown) => !Number.isInteger(d) || (d as number) < 0)) {
      throw new Error(`${what}: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}.`);
    }
    if (!Array.isArray(off) || off.length !== 2 || !Number.isInteger(off[0]) || !Number.isInteger(off[1]) || off[0] < 0 || off[1] < off[0] || off[1] > dataLen) {
      throw new Error(`${what}: tensor "${name}" has data_offsets ${JSON.stringify(off)} outside the ${dataLen} data bytes.`);
    }
    const need = size(shape) * DTYPE_BYTES[dtype as SafeDType];
    if (off[1] - off[0] !== need) {
      throw new Error(`${what}: tensor "${name}" ${dtype}[${shape.join(', ')}] needs ${need} bytes but data_offsets span ${off[1] - off[0]}.`);
    }
    // A copy (Uint8Array.prototype.slice, also for a Node Buffer, whose own slice() is a view), so
    // the result is aligned and independent of the file buffer.
    tensors.set(name, { dtype, shape, bytes: Uint8Array.prototype.slice.call(bytes, dataStart + off[0], dataStart + off[1]) });
    ranges.push([off[0], off[1], name]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) throw new Error(`${what}: tensors "${ranges[i - 1][2]}" and "${ranges[i][2]}" overlap.`);
  }
  return { tensors, metadata };
}

/** A stored tensor as Float32 values (F16/BF16/F64/integers converted), for loading into f32 parameters. */
export function toFloat32(t: SafeTensor): Float32Array {
  const b = t.bytes;
  const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return Float32Array.from(new Float64Array(buf));
    case 'F16':
      return Float32Array.from(new Uint16Array(buf), halfToFloat);
    case 'BF16': {
      const u = new Uint16Array(buf);
      const out = new Uint32Array(u.length);
      for (let i = 0; i < u.length; i++) out[i] = u[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'I32':
      return Float32Array.from(new Int32Array(buf));
    case 'I64':
      return Float32Array.from(new BigInt64Array(buf), (v) => Number(v));
    case 'I16':
      return Float32Array.from(new Int16Array(buf));
    case 'I8':
      return Float32Array.from(new Int8Array(buf));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(new Uint8Array(buf));
    case 'U16':
      return Float32Array.from(new Uint16Array(buf));
    case 'U32':
      return Float32Array.from(new Uint32Array(buf));
    case 'U64':
      return Float32Array.from(new BigUint64Array(buf), (v) => Number(v));
  }
}

/** A stored integer tensor as Int32 values (I64 ids from PyTorch included; out-of-range is an error). */
export function toInt32(t: SafeTensor, name = 'tensor'): Int32Array {
  const b = t.bytes;
  const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  if (t.dtype === 'I32') return new Int32Array(buf);
  if (t.dtype === 'I64') {
    const src = new BigInt64Array(buf);
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      if (src[i] > 2147483647n || src[i] < -2147483648n) throw new Error(`${name}: value ${src[i]} at index ${i} does not fit int32.`);
      out[i] = Number(src[i]);
    }
    return out;
  }
  throw new Error(`${name}: expected an I32 or I64 tensor, got ${t.dtype}.`);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
