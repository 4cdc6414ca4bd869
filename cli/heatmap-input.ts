// Keypoint files for `focusclip heatmap`, parsed from JSON already loaded (no Node built-ins here):
// - a pose-captions record  {image, people: [{kpts: [[x, y] x16], kpts_vis: [0|1 x16], center, scale}], ...}
// - a list of such records (one is picked by index), or JSON Lines of records
// - a bare list of people   [{kpts, kpts_vis | vis}, ...]
// Joints may also be [x, y, visible] triples, in which case the flags may be omitted.
import { NUM_JOINTS, type Person } from '../data/mpii.js';

export interface KeypointInput {
  people: Person[];
  /** The record's image file name, when the input was a record. */
  image?: string;
}

/** Parse JSON text or JSON Lines. */
export function parseJsonOrLines(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const lines = text.split('\n').filter((l) => l.trim());
    if (lines.length > 1) {
      try {
        return lines.map((l) => JSON.parse(l));
      } catch {
        /* report the whole-file error below */
      }
    }
    throw new Error(`${name} is not JSON or JSON Lines: ${(e as Error).message}`);
  }
}

const isRecord = (x: unknown): x is { people: unknown; image?: unknown } => !!x && typeof x === 'object' && !Array.isArray(x) && 'people' in x;

export function keypointsFromJson(json: unknown, name: string, index = 0): KeypointInput {
  let record: unknown = json;
  if (Array.isArray(json) && json.length && isRecord(json[0])) {
    if (!(Number.isInteger(index) && index >= 0 && index < json.length)) {
      throw new Error(`${name} holds ${json.length} records; --index ${index} is out of range (0..${json.length - 1}).`);
    }
    record = json[index];
  }
  if (isRecord(record)) {
    if (!Array.isArray(record.people)) throw new Error(`${name}: "people" must be a list of people.`);
    return { people: record.people.map((p, i) => parsePerson(p, `${name} person ${i}`)), image: typeof record.image === 'string' ? record.image : undefined };
  }
  if (Array.isArray(json)) return { people: json.map((p, i) => parsePerson(p, `${name} person ${i}`)) };
  throw new Error(`${name} is neither a pose-captions record ({image, people: [...]}), a list of records, nor a list of people.`);
}

function parsePerson(raw: unknown, where: string): Person {
  const p = raw as { kpts?: unknown; kpts_vis?: unknown; vis?: unknown; center?: unknown; scale?: unknown };
  if (!p || typeof p !== 'object' || !Array.isArray(p.kpts) || p.kpts.length !== NUM_JOINTS) {
    throw new Error(`${where}: "kpts" must be a list of ${NUM_JOINTS} [x, y] joints in MPII order, got ${Array.isArray(p?.kpts) ? `${p.kpts.length} entries` : typeof p?.kpts}.`);
  }
  const flags = (p.kpts_vis ?? p.vis) as unknown;
  if (flags !== undefined && (!Array.isArray(flags) || flags.length !== NUM_JOINTS)) {
    throw new Error(`${where}: "kpts_vis" must be a list of ${NUM_JOINTS} flags (0 or 1).`);
  }
  const kpts: [number, number][] = [];
  const vis: number[] = [];
  p.kpts.forEach((k: unknown, j: number) => {
    if (!Array.isArray(k) || k.length < 2 || k.slice(0, 3).some((v) => typeof v !== 'number' && v !== null)) {
      throw new Error(`${where}, joint ${j}: expected [x, y] or [x, y, visible] numbers, got ${JSON.stringify(k)}.`);
    }
    // JSON has no NaN: null stands for a missing coordinate (never visible).
    const x = k[0] ?? NaN;
    const y = k[1] ?? NaN;
    kpts.push([x, y]);
    const v = flags ? Number((flags as unknown[])[j]) : k.length >= 3 ? Number(k[2]) : 1;
    // A visible joint without coordinates is an error the packer reports by name.
    vis.push(v > 0 ? 1 : 0);
  });
  const person: Person = { kpts, vis };
  if (Array.isArray(p.center) && p.center.length === 2) person.center = [Number(p.center[0]), Number(p.center[1])];
  if (typeof p.scale === 'number') person.scale = p.scale;
  return person;
}
