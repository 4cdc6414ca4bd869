// Real data in Node: the hub's pose-captions JSON (a list of records, any config), MMPose's
// per-person MPII annotations (`mpii_train.json` / `mpii_val.json`) merged per image, and an MPII
// images folder. `prepareMpii` checks every record and image, reports what is missing or broken,
// and writes shards of the good ones, streaming (one shard in memory at a time).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from './image-node.js';
import { writeFileAtomic } from './image-node.js';
import { NUM_JOINTS } from './mpii.js';
import { centerScale, recordProblems, type PoseRecord } from './record.js';
import { encodeShard, prepareSample, recordLabels, SHARD_VERSION, type ShardIndex, type ShardMeta } from './shards.js';
import { resolveInside } from './paths-node.js';

function readJson(path: string, what: string): unknown {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`${what} not found: ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  try { return JSON.parse(text); } catch (e) { throw new Error(`${what} ${path} is not valid JSON: ${(e as Error).message}`); }
}

/** The hub's pose-captions JSON (`saifkhichi96/mpii-human-pose-captions`, any config): a list of records. */
export function loadCaptions(path: string): PoseRecord[] {
  const data = readJson(path, 'captions file');
  // Hub exports sometimes wrap the list: {"train": [...]} or {"data": [...]}.
  const list = Array.isArray(data) ? data : ((data as any)?.data ?? (data as any)?.train ?? (data as any)?.records);
  if (!Array.isArray(list)) throw new Error(`${path}: expected a JSON list of pose-captions records (or {"data": [...]})`);
  return list.map((r: any) => ({
    ...r,
    istrain: r.istrain === true || r.istrain === 1 || r.istrain === 'true',
    people: Array.isArray(r.people) ? r.people.map((p: any) => ({ ...p, kpts_vis: Array.isArray(p.kpts_vis) ? p.kpts_vis.map((v: any) => (Number(v) > 0 ? 1 : 0)) : p.kpts_vis })) : r.people,
  }));
}

export interface MmposePerson { image: string; center: [number, number]; scale: number; joints: [number, number][]; joints_vis: number[] }

/** MMPose's per-person MPII list merged per image (activity and description left empty). */
export function mergeMmpose(list: unknown, source = 'mpii annotations', istrain = true): PoseRecord[] {
  if (!Array.isArray(list)) throw new Error(`${source}: expected a JSON list of {image, center, scale, joints, joints_vis}`);
  const byImage = new Map<string, PoseRecord>();
  list.forEach((p: any, i: number) => {
    if (typeof p?.image !== 'string') throw new Error(`${source}: entry ${i} has no "image" name`);
    if (!Array.isArray(p.joints) || p.joints.length !== NUM_JOINTS) throw new Error(`${source}: entry ${i} (image ${p.image}) has ${Array.isArray(p.joints) ? p.joints.length : 'no'} joints, expected ${NUM_JOINTS}`);
    let rec = byImage.get(p.image);
    if (!rec) {
      rec = { image: p.image, video_id: null, video_frame: null, activity_id: null, activity: '', count: 0, istrain, people: [], description: '' };
      byImage.set(p.image, rec);
    }
    const vis = (p.joints_vis ?? []).map((v: any) => (Number(Array.isArray(v) ? v[0] : v) > 0 ? 1 : 0));
    const kpts = p.joints.map((xy: number[]) => [Number(xy[0]), Number(xy[1])] as [number, number]);
    rec.people.push({ id: rec.people.length, center: p.center ?? centerScale(kpts, vis).center, scale: p.scale ?? centerScale(kpts, vis).scale, kpts, kpts_vis: vis });
    rec.count = rec.people.length;
  });
  return [...byImage.values()];
}

export function loadMmpose(path: string, istrain = true): PoseRecord[] {
  return mergeMmpose(readJson(path, 'MMPose MPII annotations'), path, istrain);
}

/** Fill records (e.g. from MMPose) with activity/description from captions of the same image. */
export function joinCaptions(records: PoseRecord[], captions: PoseRecord[]): PoseRecord[] {
  const byImage = new Map(captions.map((c) => [c.image, c]));
  return records.map((r) => {
    const c = byImage.get(r.image);
    return c ? { ...r, activity: c.activity, activity_id: c.activity_id ?? null, video_id: c.video_id ?? null, video_frame: c.video_frame ?? null, description: c.description } : r;
  });
}

export interface PrepareOptions {
  images: string;
  records: PoseRecord[];
  out: string;
  width: number;
  height: number;
  letterbox?: boolean;
  maxPeople?: number;
  shardSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PrepareReport { total: number; written: number; missingImages: string[]; badImages: { image: string; error: string }[]; badRecords: string[]; index: string }

export function prepareMpii(o: PrepareOptions): PrepareReport {
  const maxPeople = o.maxPeople ?? 4, shardSize = o.shardSize ?? 1024;
  const report: PrepareReport = { total: o.records.length, written: 0, missingImages: [], badImages: [], badRecords: [], index: join(o.out, 'index.json') };
  const index: ShardIndex = { format: 'focusclip-shards', version: SHARD_VERSION, width: o.width, height: o.height, maxPeople, count: 0, shards: [] };
  let pending: { rgb: Uint8Array; kpts: Float32Array; meta: ShardMeta }[] = [];
  const flush = () => {
    if (!pending.length) return;
    const file = `shard-${String(index.shards.length).padStart(5, '0')}.bin`;
    writeFileAtomic(join(o.out, file), encodeShard(pending, { width: o.width, height: o.height, maxPeople }));
    index.shards.push({ file, count: pending.length });
    index.count += pending.length;
    pending = [];
  };
  o.records.forEach((r, i) => {
    const path = resolveInside(o.images, String(r.image ?? ''), `record ${i} (${r.image})`);
    const problems = recordProblems(r, `record ${i}`, { exists: (name) => existsSync(join(o.images, name)), folder: o.images });
    if (problems.some((p) => p.includes('file not found'))) report.missingImages.push(r.image);
    const other = problems.filter((p) => !p.includes('file not found'));
    if (other.length) report.badRecords.push(...other);
    if (problems.length) { o.onProgress?.(i + 1, o.records.length); return; }
    try {
      const img = decodeImage(readFileSync(path), path);
      pending.push({ ...prepareSample(img, r, { width: o.width, height: o.height, letterbox: o.letterbox, maxPeople }), meta: { image: r.image, text: r.description, count: r.people.length, labels: recordLabels(r) } });
      report.written++;
      if (pending.length >= shardSize) flush();
    } catch (e) {
      report.badImages.push({ image: r.image, error: (e as Error).message });
    }
    o.onProgress?.(i + 1, o.records.length);
  });
  flush();
  writeFileAtomic(report.index, JSON.stringify(index, null, 2));
  writeFileAtomic(join(o.out, 'prepare-report.json'), JSON.stringify(report, null, 2));
  return report;
}
