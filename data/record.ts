// The one record schema of the project: the pose-captions record (FOCUSCLIP.md section 4). Real MPII
// + captions and the synthetic generator both produce it; shards, the describer and the LLM
// pipeline consume it. Validation names the record and the field, because a bad record found deep
// inside a training run is otherwise a mystery. No Node built-ins here (browser too): file checks
// take an `exists` callback.
import { NUM_JOINTS } from './mpii.js';

export interface RecordPerson {
  id: number;
  /** Person centre in image pixels (MPII's rough torso centre). */
  center: [number, number];
  /** Person height / 200 px (MPII convention). */
  scale: number;
  /** 16 joints [x, y] in image pixels, MPII order (data/mpii.ts). */
  kpts: [number, number][];
  /** 16 flags, 1 = visible/annotated, 0 = not (occluded or out of frame). */
  kpts_vis: number[];
  /** Optional ground-truth attributes (synthetic data only: build/age, clothing colours). */
  attrs?: Record<string, string>;
}

export interface PoseRecord {
  image: string;
  video_id?: number | null;
  video_frame?: number | null;
  activity_id?: number | null;
  /** "<category>, <activity>" as in MPII. */
  activity: string;
  count: number;
  istrain: boolean;
  people: RecordPerson[];
  description: string;
  /** Optional image size (synthetic records carry it; real ones are measured when decoded). */
  width?: number;
  height?: number;
}

export interface ValidateOptions {
  /** When given, the image file must exist: called with `image` (the caller joins its folder). */
  exists?: (image: string) => boolean;
  /** Folder name for the message when `exists` fails. */
  folder?: string;
  /** Allow an empty description (records waiting for the describer/LLM). */
  allowEmptyDescription?: boolean;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Every problem of one record, as messages naming the record and the field ([] = valid). */
export function recordProblems(r: unknown, where: string, opts: ValidateOptions = {}): string[] {
  const out: string[] = [];
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return [`${where}: not a record object (got ${Array.isArray(r) ? 'an array' : typeof r})`];
  const rec = r as Record<string, unknown>;
  const name = typeof rec.image === 'string' && rec.image ? `${where} (image ${rec.image})` : where;
  const bad = (field: string, msg: string) => out.push(`${name}: field "${field}" ${msg}`);
  if (typeof rec.image !== 'string' || !rec.image) bad('image', 'must be a non-empty file name');
  if (typeof rec.activity !== 'string') bad('activity', 'must be a string "<category>, <activity>"');
  if (typeof rec.description !== 'string') bad('description', 'must be a string');
  else if (!opts.allowEmptyDescription && !rec.description.trim()) bad('description', 'is empty: run `focusclip describe` (rule-based) or the LLM pipeline first');
  if (typeof rec.istrain !== 'boolean' && rec.istrain !== 0 && rec.istrain !== 1) bad('istrain', 'must be true/false');
  if (!Array.isArray(rec.people)) {
    bad('people', 'must be a list of people');
  } else {
    if (!isNum(rec.count) || rec.count !== rec.people.length) bad('count', `is ${JSON.stringify(rec.count)} but people has ${rec.people.length} entries`);
    rec.people.forEach((p: any, k: number) => {
      const f = `people[${k}]`;
      if (typeof p !== 'object' || p === null) return bad(f, 'must be an object');
      if (!Array.isArray(p.center) || p.center.length !== 2 || !p.center.every(isNum)) bad(`${f}.center`, `must be [x, y] finite numbers, got ${JSON.stringify(p.center)}`);
      if (!isNum(p.scale) || p.scale <= 0) bad(`${f}.scale`, `must be a positive number (person height / 200 px), got ${JSON.stringify(p.scale)}`);
      if (!Array.isArray(p.kpts) || p.kpts.length !== NUM_JOINTS) {
        bad(`${f}.kpts`, `must have ${NUM_JOINTS} keypoints (MPII order), got ${Array.isArray(p.kpts) ? p.kpts.length : typeof p.kpts}`);
      } else {
        p.kpts.forEach((xy: unknown, j: number) => {
          if (!Array.isArray(xy) || xy.length !== 2) bad(`${f}.kpts[${j}]`, `must be [x, y], got ${JSON.stringify(xy)}`);
          else if (!xy.every(isNum)) bad(`${f}.kpts[${j}]`, `has a non-finite coordinate ${JSON.stringify(xy.map((v) => (isNum(v) ? v : String(v))))} (use visibility 0 and -1, -1 for unknown joints)`);
        });
      }
      if (!Array.isArray(p.kpts_vis) || p.kpts_vis.length !== NUM_JOINTS) {
        bad(`${f}.kpts_vis`, `must have ${NUM_JOINTS} flags, got ${Array.isArray(p.kpts_vis) ? p.kpts_vis.length : typeof p.kpts_vis}`);
      } else {
        const wrong = p.kpts_vis.map((v: unknown, j: number) => [v, j] as const).filter(([v]: readonly [unknown, number]) => v !== 0 && v !== 1);
        if (wrong.length) bad(`${f}.kpts_vis`, `must be 0 or 1; joint ${wrong[0][1]} is ${JSON.stringify(wrong[0][0])}${wrong.length > 1 ? ` (and ${wrong.length - 1} more)` : ''}`);
      }
    });
  }
  if (opts.exists && typeof rec.image === 'string' && rec.image && !opts.exists(rec.image)) {
    bad('image', `file not found${opts.folder ? ` in ${opts.folder}` : ''}: check --images points at the MPII images folder`);
  }
  return out;
}

/** Throws one error listing every problem of the record; returns it typed when valid. */
export function validateRecord(r: unknown, where: string, opts: ValidateOptions = {}): PoseRecord {
  const problems = recordProblems(r, where, opts);
  if (problems.length) throw new Error(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
  return r as PoseRecord;
}

/** Validate a whole list ("record 12" in messages); throws with at most `maxShown` problems listed. */
export function validateRecords(rs: unknown, opts: ValidateOptions & { source?: string; maxShown?: number } = {}): PoseRecord[] {
  const src = opts.source ? `${opts.source}: ` : '';
  if (!Array.isArray(rs)) throw new Error(`${src}expected a JSON list of pose-captions records, got ${typeof rs}`);
  const problems: string[] = [];
  rs.forEach((r, i) => problems.push(...recordProblems(r, `${src}record ${i}`, opts)));
  if (problems.length) {
    const max = opts.maxShown ?? 20;
    throw new Error(`${problems.length} problem(s) in ${rs.length} records:\n  ${problems.slice(0, max).join('\n  ')}${problems.length > max ? `\n  ... and ${problems.length - max} more` : ''}`);
  }
  return rs as PoseRecord[];
}

/** The activity part of "<category>, <activity>" (the whole string when there is no comma). */
export function activityName(activity: string): string {
  const i = activity.indexOf(', ');
  return i < 0 ? activity.trim() : activity.slice(i + 2).trim();
}

/** MPII centre/scale from keypoints: box centre of the visible joints, height / 200. */
export function centerScale(kpts: readonly (readonly [number, number])[], vis: readonly number[]): { center: [number, number]; scale: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  kpts.forEach(([x, y], j) => {
    if (!vis[j]) return;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  });
  if (x0 === Infinity) return { center: [0, 0], scale: 1 };
  return { center: [(x0 + x1) / 2, (y0 + y1) / 2], scale: Math.max(1e-3, (y1 - y0) * 1.15) / 200 };
}
