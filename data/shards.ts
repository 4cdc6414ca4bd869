// Preprocessed shards: images decoded and resized once to the training size, so reading them only
// copies bytes (`focusclip train --shards` trains from them). One shard = one binary buffer:
//   header (8 x u32): magic "FCS1", version, count, width, height, maxPeople, offset of keypoints, offset of meta
//   pixels   count x H x W x 3 uint8 (RGB, row-major)
//   keypts   count x maxPeople x 16 x 3 f32 (x, y in training-size pixels, visibility); people beyond
//            the record's count are zeros
//   meta     UTF-8 JSON list [{image, text, count, labels}]
// The index (JSON) lists the shard files and counts. A ShardSource says where the bytes come from
// (files in Node: shards-node.ts; memory); readShards is the one reader. No Node built-ins here
// (browser too).
import { NUM_JOINTS } from './mpii.js';
import { createImage, letterbox, resizeBilinear, type RGBAImage } from './image.js';
import { activityName, type PoseRecord, type RecordPerson } from './record.js';

export const SHARD_MAGIC = 0x31534346; // "FCS1" little-endian
export const SHARD_VERSION = 1;
/** How to make shards again, for error messages. */
export const REBUILD_SHARDS = 'rebuild them with `focusclip generate --shards` or `focusclip prepare mpii`';

export interface ShardMeta { image: string; text: string; count: number; labels: Record<string, string> }

export interface ShardIndex {
  format: 'focusclip-shards';
  version: number;
  width: number;
  height: number;
  maxPeople: number;
  count: number;
  shards: { file: string; count: number }[];
}

export interface Shard {
  count: number; width: number; height: number; maxPeople: number;
  pixels: Uint8Array;
  keypoints: Float32Array;
  meta: ShardMeta[];
}

export interface ShardOptions { width: number; height: number; maxPeople?: number; letterbox?: boolean }

/** Labels a classifier may want: the activity, and ground-truth attributes of the first person. */
export function recordLabels(r: PoseRecord): Record<string, string> {
  return { activity: activityName(r.activity), ...(r.people[0]?.attrs ?? {}) };
}

/** Resize one image (aspect not kept, as the paper; or letterboxed) and map its keypoints. */
export function prepareSample(img: RGBAImage, r: PoseRecord, o: ShardOptions): { rgb: Uint8Array; kpts: Float32Array } {
  const maxPeople = o.maxPeople ?? 4;
  let out: RGBAImage, sx: number, sy: number, ox = 0, oy = 0;
  if (o.letterbox) {
    const lb = letterbox(img, o.width, o.height);
    out = lb.image; sx = sy = lb.scale; ox = lb.offsetX; oy = lb.offsetY;
  } else {
    out = resizeBilinear(img, o.width, o.height);
    sx = o.width / img.width; sy = o.height / img.height;
  }
  const n = o.width * o.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) { rgb[3 * i] = out.data[4 * i]; rgb[3 * i + 1] = out.data[4 * i + 1]; rgb[3 * i + 2] = out.data[4 * i + 2]; }
  const kpts = new Float32Array(maxPeople * NUM_JOINTS * 3);
  r.people.slice(0, maxPeople).forEach((p, k) => {
    for (let j = 0; j < NUM_JOINTS; j++) {
      const o3 = (k * NUM_JOINTS + j) * 3;
      kpts[o3] = p.kpts[j][0] * sx + ox;
      kpts[o3 + 1] = p.kpts[j][1] * sy + oy;
      kpts[o3 + 2] = p.kpts_vis[j] ? 1 : 0;
    }
  });
  return { rgb, kpts };
}

/** Encode samples (already prepared at the shard's size) into one shard buffer. */
export function encodeShard(samples: readonly { rgb: Uint8Array; kpts: Float32Array; meta: ShardMeta }[], o: ShardOptions): Uint8Array {
  const maxPeople = o.maxPeople ?? 4;
  const count = samples.length, px = o.width * o.height * 3, kp = maxPeople * NUM_JOINTS * 3;
  const kOff = 32 + Math.ceil((count * px) / 4) * 4;
  const metaBytes = new TextEncoder().encode(JSON.stringify(samples.map((s) => s.meta)));
  const mOff = kOff + count * kp * 4;
  const buf = new Uint8Array(mOff + metaBytes.length);
  const head = new Uint32Array(buf.buffer, 0, 8);
  head.set([SHARD_MAGIC, SHARD_VERSION, count, o.width, o.height, maxPeople, kOff, mOff]);
  const kv = new Float32Array(buf.buffer, kOff, count * kp);
  samples.forEach((s, i) => {
    if (s.rgb.length !== px || s.kpts.length !== kp) throw new Error(`shard sample ${i} (${s.meta.image}) has ${s.rgb.length} pixel bytes / ${s.kpts.length} keypoint values, expected ${px} / ${kp} for ${o.width}x${o.height} with maxPeople ${maxPeople}`);
    buf.set(s.rgb, 32 + i * px);
    kv.set(s.kpts, i * kp);
  });
  buf.set(metaBytes, mOff);
  return buf;
}

export function decodeShard(bytes: Uint8Array, name = 'shard'): Shard {
  if (bytes.byteLength < 32) throw new Error(`${name}: too short to be a shard (${bytes.byteLength} bytes)`);
  // Copy when unaligned (Node Buffers from a pool may start at any offset).
  const b = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  const h = new Uint32Array(b.buffer, b.byteOffset, 8);
  if (h[0] !== SHARD_MAGIC) throw new Error(`${name}: not a FocusCLIP shard (bad magic); rebuild it with \`focusclip prepare\` or \`focusclip generate --shards\``);
  if (h[1] !== SHARD_VERSION) throw new Error(`${name}: shard version ${h[1]}, this build reads ${SHARD_VERSION}; rebuild the shards`);
  const [count, width, height, maxPeople, kOff, mOff] = [h[2], h[3], h[4], h[5], h[6], h[7]];
  const kp = maxPeople * NUM_JOINTS * 3;
  if (mOff > b.byteLength || kOff + count * kp * 4 !== mOff) throw new Error(`${name}: truncated or corrupt (${b.byteLength} bytes, header says meta at ${mOff}); ${REBUILD_SHARDS}`);
  return {
    count, width, height, maxPeople,
    pixels: b.subarray(32, 32 + count * width * height * 3),
    keypoints: new Float32Array(b.buffer, b.byteOffset + kOff, count * kp),
    meta: JSON.parse(new TextDecoder().decode(b.subarray(mOff))),
  };
}

/** Shards straight from in-memory records + images (the synthetic generator's output). */
export function buildShards(records: readonly PoseRecord[], images: readonly RGBAImage[], o: ShardOptions & { shardSize?: number; prefix?: string }): { index: ShardIndex; shards: Uint8Array[] } {
  const size = o.shardSize ?? 1024;
  const maxPeople = o.maxPeople ?? 4;
  const shards: Uint8Array[] = [];
  const entries: ShardIndex['shards'] = [];
  for (let s = 0; s < records.length; s += size) {
    const samples = records.slice(s, s + size).map((r, i) => ({ ...prepareSample(images[s + i] ?? createImage(1, 1), r, { ...o, maxPeople }), meta: { image: r.image, text: r.description, count: r.people.length, labels: recordLabels(r) } }));
    shards.push(encodeShard(samples, { ...o, maxPeople }));
    entries.push({ file: `${o.prefix ?? 'shard'}-${String(entries.length).padStart(5, '0')}.bin`, count: samples.length });
  }
  return { index: { format: 'focusclip-shards', version: SHARD_VERSION, width: o.width, height: o.height, maxPeople, count: records.length, shards: entries }, shards };
}

/** Where shard bytes come from: the index and a reader per shard; `where` (e.g. the folder) names it in errors. */
export interface ShardSource {
  index: ShardIndex;
  where?: string;
  read(i: number): Promise<Uint8Array>;
}

export function memorySource(index: ShardIndex, shards: Uint8Array[]): ShardSource {
  return { index, read: async (i) => shards[i] };
}

/** One sample of a shard: its image at the shard's size, the people's keypoints in its pixels, its caption. */
export interface ShardSample {
  name: string;
  image: RGBAImage;
  text: string;
  labels: Record<string, string>;
  people: Pick<RecordPerson, 'kpts' | 'kpts_vis'>[];
}

/** Every sample of a shard set, shard by shard and sample by sample in the index's order; the next
 *  shard is read while one is decoded. Each shard is checked against the index. */
export async function readShards(source: ShardSource): Promise<ShardSample[]> {
  const ix = source.index;
  const where = source.where ?? 'shard index';
  if (ix?.format !== 'focusclip-shards' || !Array.isArray(ix.shards)) {
    throw new Error(`${where}: not a FocusCLIP shard index (format ${JSON.stringify(ix?.format)}); ${REBUILD_SHARDS}`);
  }
  if (!ix.shards.length) throw new Error(`${where}: the shard index lists no shards; ${REBUILD_SHARDS}`);
  const out: ShardSample[] = [];
  let next = source.read(0);
  for (let k = 0; k < ix.shards.length; k++) {
    const bytes = await next;
    if (k + 1 < ix.shards.length) next = source.read(k + 1);
    const entry = ix.shards[k];
    const name = source.where ? `${source.where}/${entry.file}` : entry.file;
    try {
      const s = decodeShard(bytes, name);
      if (s.width !== ix.width || s.height !== ix.height || s.maxPeople !== ix.maxPeople || s.count !== entry.count) {
        throw new Error(`${name}: ${s.count} samples of ${s.width}x${s.height}, maxPeople ${s.maxPeople}, but the index says ${entry.count} of ${ix.width}x${ix.height}, maxPeople ${ix.maxPeople}; ${REBUILD_SHARDS}`);
      }
      out.push(...shardSamples(s));
    } catch (e) {
      next.catch(() => {}); // the shard read ahead is not needed any more; its failure would go unheard
      throw e;
    }
  }
  return out;
}

/** The samples of one decoded shard (images as RGBA, people beyond maxPeople dropped). */
export function shardSamples(s: Shard): ShardSample[] {
  const n = s.width * s.height;
  const kp = s.maxPeople * NUM_JOINTS * 3;
  return s.meta.map((m, i) => {
    const image = createImage(s.width, s.height);
    const src = s.pixels.subarray(i * n * 3, (i + 1) * n * 3);
    for (let p = 0; p < n; p++) {
      image.data[4 * p] = src[3 * p];
      image.data[4 * p + 1] = src[3 * p + 1];
      image.data[4 * p + 2] = src[3 * p + 2];
      image.data[4 * p + 3] = 255;
    }
    const k = s.keypoints.subarray(i * kp, (i + 1) * kp);
    const people = Array.from({ length: Math.min(m.count, s.maxPeople) }, (_, q) => ({
      kpts: Array.from({ length: NUM_JOINTS }, (_, j) => [k[(q * NUM_JOINTS + j) * 3], k[(q * NUM_JOINTS + j) * 3 + 1]] as [number, number]),
      kpts_vis: Array.from({ length: NUM_JOINTS }, (_, j) => k[(q * NUM_JOINTS + j) * 3 + 2]),
    }));
    return { name: m.image, image, text: m.text, labels: m.labels, people };
  });
}
