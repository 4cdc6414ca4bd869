import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, toFloat32, toInt32 } from './safetensors.js';
import { configFromMetadata, encodeParams, hfBertIgnore, hfBertRename, loadParams, timmIgnore } from './checkpoint.js';
import { makeModelConfig } from './config.js';
import { useEngine, read } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';

/** Values that a lossy path would change: NaN payloads, -0, subnormals, extremes. */
function trickyFloats(n: number, seed: number): Float32Array {
  const u = new Uint32Array(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) u[i] = Math.floor(rng.next() * 2 ** 32) >>> 0;
  const f = new Float32Array(u.buffer);
  f[0] = -0;
  f[1] = 1.4e-45; // smallest subnormal
  f[2] = 3.4028234663852886e38;
  u[3] = 0x7fc00001; // a NaN with a payload
  return f;
}

function bits(a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));
}

describe('safetensors codec', () => {
  it('round-trips F32/I32/F16 tensors and metadata bit-exactly, in the reference layout', () => {
    const f = trickyFloats(7 * 33, 1);
    const i = Int32Array.from({ length: 5 }, (_, k) => (k - 2) * 1_000_000_007);
    const h = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00]); // 1, -2, smallest subnormal, +inf
    const bytes = encodeSafetensors(
      [
        ['w', { shape: [7, 33], data: f }],
        ['ids', { shape: [5], data: i }],
        ['half', { shape: [2, 2], data: h }],
        ['scalar', { shape: [], data: new Float32Array([0.5]) }],
      ],
      { config: JSON.stringify({ width: 128 }), note: 'héllo' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [7, 33], data_offsets: [0, 7 * 33 * 4] });
    expect(header.ids.data_offsets).toEqual([924, 944]);
    expect(header.scalar).toEqual({ dtype: 'F32', shape: [], data_offsets: [952, 956] });
    expect(bytes.byteLength).toBe(8 + headerLen + 956);

    const back = decodeSafetensors(bytes.slice().buffer as ArrayBuffer);
    expect(back.metadata).toEqual({ config: '{"width":128}', note: 'héllo' });
    expect([...back.tensors.keys()]).toEqual(['w', 'ids', 'half', 'scalar']);
    expect(bits(toFloat32(back.tensors.get('w')!))).toEqual(bits(f));
    expect(Array.from(toInt32(back.tensors.get('ids')!))).toEqual(Array.from(i));
    expect(Array.from(toFloat32(back.tensors.get('half')!))).toEqual([1, -2, 2 ** -24, Infinity]);
    expect(back.tensors.get('scalar')!.shape).toEqual([]);
  });

  it('converts BF16 and I64 the way PyTorch stores them', () => {
    const bf = new Uint16Array([0x3f80, 0xc040]); // 1.0, -3.0
    const i64 = new BigInt64Array([-5n, 123456789n]);
    const bytes = encodeSafetensors([
      ['b', { shape: [2], data: bf, dtype: 'BF16' }],
      ['l', { shape: [2], data: new Uint8Array(i64.buffer), dtype: 'I64' }],
    ]);
    const back = decodeSafetensors(bytes);
    expect(Array.from(toFloat32(back.tensors.get('b')!))).toEqual([1, -3]);
    expect(Array.from(toInt32(back.tensors.get('l')!))).toEqual([-5, 123456789]);
  });

  it('names what is wrong with a broken file', () => {
    const good = encodeSafetensors([['w', { shape: [2], data: new Float32Array([1, 2]) }]]);
    expect(() => decodeSafetensors(good.subarray(0, 4))).toThrow(/too short/);
    expect(() => decodeSafetensors(good.subarray(0, 20))).toThrow(/header length \d+ exceeds the file size 20/);
    const hdr = (obj: object) => {
      const json = new TextEncoder().encode(JSON.stringify(obj));
      const out = new Uint8Array(8 + json.length + 8);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    expect(() => decodeSafetensors(hdr({ w: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }))).toThrow(/"w" has unknown dtype "F33"/);
    expect(() => decodeSafetensors(hdr({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }))).toThrow(/"w" F32\[3\] needs 12 bytes but data_offsets span 8/);
    expect(() => decodeSafetensors(hdr({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }))).toThrow(/outside the 8 data bytes/);
    expect(() =>
      decodeSafetensors(hdr({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } })),
    ).toThrow(/"a" and "b" overlap/);
    expect(() => encodeSafetensors([['w', { shape: [3], data: new Float32Array(2) }]])).toThrow(/"w" has 2 F32 values for shape \[3\]/);
    // A name twice (JSON.parse would keep the second silently), also with escapes and nesting around it.
    const text = (json: string) => {
      const j = new TextEncoder().encode(json);
      const out = new Uint8Array(8 + j.length + 16);
      new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
      out.set(j, 8);
      return out;
    };
    const t = (a: number) => `{"dtype":"F32","shape":[2],"data_offsets":[${a},${a + 8}]}`;
    expect(() => decodeSafetensors(text(`{"w":${t(0)},"w":${t(8)}}`))).toThrow(/the header names "w" twice/);
    expect(() => decodeSafetensors(text(`{"__metadata__":{"k":"x"},"a\\"b":${t(0)}, "a\\"b" :${t(8)}}`))).toThrow(/names "a"b" twice/);
    expect(decodeSafetensors(text(`{"__metadata__":{"w":"{\\"w\\":1}"},"w":${t(0)},"v":${t(8)}}`)).tensors.size).toBe(2);
    expect(() => encodeSafetensors([], { cfg: { a: 1 } as any })).toThrow(/metadata "cfg" must be a string/);
  });

  it('copies each tensor out of a Node Buffer (whose slice() would be a view into the file)', () => {
    const enc = encodeSafetensors([['a', { shape: [3], data: new Float32Array([1, 2, 3]) }], ['b', { shape: [1], data: new Float32Array([4]) }]]);
    const file = decodeSafetensors(Buffer.from(enc));
    for (const t of file.tensors.values()) expect([t.bytes.byteOffset, t.bytes.buffer.byteLength]).toEqual([0, t.bytes.byteLength]);
    expect(Array.from(new Float32Array(file.tensors.get('b')!.bytes.buffer))).toEqual([4]);
  });

  it('refuses a stored model config that cannot be a model', () => {
    const cfg = makeModelConfig('tiny');
    const file = (c: unknown) => decodeSafetensors(encodeSafetensors([], { focusclip_config: typeof c === 'string' ? c : JSON.stringify(c) }));
    expect(configFromMetadata(file(cfg))).toEqual(cfg);
    expect(() => configFromMetadata(file({ ...cfg, vision: { ...cfg.vision, width: 0 } }), 'x.safetensors')).toThrow(/^x\.safetensors: the stored model config is invalid.*vision\.width must be a positive integer, got 0/s);
    expect(() => configFromMetadata(file({ preset: 'tiny' }), 'x.safetensors')).toThrow(/lacks the vision and text configs/);
    expect(() => configFromMetadata(file('{"vision":'), 'x.safetensors')).toThrow(/focusclip_config is not valid JSON/);
  });

  it('maps Hugging Face and timm names', () => {
    expect(hfBertRename('bert.encoder.layer.0.attention.output.LayerNorm.gamma')).toBe('encoder.layer.0.attention.output.LayerNorm.weight');
    expect(hfBertIgnore('bert.pooler.dense.weight')).toBe(true);
    expect(hfBertIgnore('cls.predictions.bias')).toBe(true);
    expect(hfBertIgnore('embeddings.position_ids')).toBe(true);
    expect(hfBertIgnore('embeddings.word_embeddings.weight')).toBe(false);
    expect(timmIgnore('head.weight')).toBe(true);
    expect(timmIgnore('blocks.0.attn.qkv.weight')).toBe(false);
  });
});

describe('parameters <-> safetensors', () => {
  const E = useEngine();
  it('saves an arena bit-exactly and loads it back', async () => {
    const e = E();
    const specs = [
      { name: 'visual.a', shape: [3, 5] },
      { name: 'visual.b', shape: [7] },
      { name: 'text.c', shape: [] },
    ];
    const src = e.arena('src', specs);
    const values = new Map<string, Float32Array>();
    specs.forEach((s, k) => {
      const v = trickyFloats(src.tensors.get(s.name)!.size, 10 + k);
      v[3 % v.length] = Number.NaN;
      values.set(s.name, v);
      e.write(src.tensors.get(s.name)!, v);
    });
    const bytes = await encodeParams(e, src.tensors, { focusclip_config: '{"preset":"x"}' });
    const file = decodeSafetensors(bytes);
    expect(file.metadata.focusclip_config).toBe('{"preset":"x"}');
    const dst = e.arena('dst', specs);
    const loaded = loadParams(e, dst.tensors, file);
    expect(loaded.sort()).toEqual(['text.c', 'visual.a', 'visual.b']);
    for (const s of specs) expect(bits(await read(dst.tensors.get(s.name)!))).toEqual(bits(values.get(s.name)!));
  });

  it('lists every missing, unexpected and mis-shaped tensor in one error', async () => {
    const e = E();
    const dst = e.arena('dst2', [
      { name: 'visual.a', shape: [3, 5] },
      { name: 'visual.b', shape: [7] },
      { name: 'visual.c', shape: [2] },
      { name: 'text.t', shape: [4] },
    ]);
    const file = decodeSafetensors(
      encodeSafetensors([
        ['a', { shape: [5, 3], data: new Float32Array(15).fill(1) }],
        ['b', { shape: [7], data: new Float32Array(7).fill(2) }],
        ['zzz', { shape: [1], data: new Float32Array(1) }],
        ['head.weight', { shape: [1], data: new Float32Array(1) }],
      ]),
    );
    let msg = '';
    try {
      loadParams(e, dst.tensors, file, { prefix: 'visual.', ignore: timmIgnore, source: 'vit.safetensors' });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain('Cannot load vit.safetensors');
    expect(msg).toContain('missing from the file (1):\n  visual.c');
    expect(msg).toContain('unexpected in the file (1):\n  zzz (as visual.zzz)');
    expect(msg).toContain('shape mismatches (1):\n  visual.a: file has F32[5, 3], model has [3, 5]');
    expect(msg).not.toContain('head.weight');
    expect(msg).not.toContain('text.t'); // outside the prefix: not required
    // Nothing was written: the check happens before any copy.
    expect(Array.from(await read(dst.tensors.get('visual.b')!))).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
