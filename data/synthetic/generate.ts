// The synthetic people dataset as a library: training records + images in memory, and held-out
// zero-shot evaluation sets (activity, age group, clothing colour, number of people). Every image
// draws from its own random stream (seed hashed with its index), so image i is the same whatever
// the count, and evaluation sets use other seeds, other background families and other framing.
import { Rng } from '../../engine/rng.js';
import { describeRecord, hashSeed } from '../describe.js';
import type { RGBAImage } from '../image.js';
import type { PoseRecord } from '../record.js';
import { ACTIVITIES, HELD_OUT_ACTIVITIES, activityByName, type Activity } from './activities.js';
import { EVAL_BACKGROUNDS, TRAIN_BACKGROUNDS } from './background.js';
import { AGE_GROUPS, EVAL_SHIRT_COLOURS, type AgeGroup, type ColourName } from './builds.js';
import { renderScene, type SceneOptions } from './scene.js';

export interface GenerateOptions {
  seed?: number;
  count: number;
  /** Square size in pixels (64 is the tiny training size; 224 the paper's). */
  size?: number;
  width?: number;
  height?: number;
  /** Include the held-out activities in training (default false: they stay zero-shot only). */
  includeHeldOut?: boolean;
  /** Restrict to these activity names. */
  activities?: string[];
  /** Probabilities of 2 and 3 people (default 0.28, 0.12). */
  twoPeople?: number;
  threePeople?: number;
  /** Scene difficulty knobs (defaults in parentheses): clutter objects (0-4), limb-like strokes (0-3). */
  maxClutter?: number;
  maxDistractors?: number;
  occlusion?: number;
  crop?: number;
  /** Record image names: `${prefix}${index}.png`. */
  prefix?: string;
  /** Called after each image (progress bars). */
  onProgress?: (done: number) => void;
}

export interface Dataset {
  records: PoseRecord[];
  images: RGBAImage[];
}

export function trainingActivities(opts: Pick<GenerateOptions, 'includeHeldOut' | 'activities'> = {}): Activity[] {
  if (opts.activities?.length) return opts.activities.map(activityByName);
  return ACTIVITIES.filter((a) => opts.includeHeldOut || !HELD_OUT_ACTIVITIES.includes(a.name));
}

function sizeOf(o: { size?: number; width?: number; height?: number }): [number, number] {
  const w = o.width ?? o.size ?? 64, h = o.height ?? o.size ?? 64;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w >= 8 && h >= 8 && w <= 4096 && h <= 4096)) {
    throw new Error(`image size must be an integer from 8 to 4096 pixels, got ${w}x${h} (use --size 64 or --size 224)`);
  }
  return [w, h];
}

function makeRecord(name: string, a: Activity, W: number, H: number, people: PoseRecord['people'], seed: number, istrain: boolean): PoseRecord {
  const rec: PoseRecord = {
    image: name,
    video_id: null,
    video_frame: null,
    activity_id: ACTIVITIES.indexOf(a) + 1,
    activity: `${a.category}, ${a.name}`,
    count: people.length,
    istrain,
    people,
    description: '',
    width: W,
    height: H,
  };
  rec.description = describeRecord(rec, { seed });
  return rec;
}

/** Training images with records (descriptions from the rule-based describer). */
export function generateDataset(opts: GenerateOptions): Dataset {
  const seed = opts.seed ?? 0;
  const [W, H] = sizeOf(opts);
  if (!(Number.isInteger(opts.count) && opts.count >= 0)) throw new Error(`count must be a non-negative integer, got ${opts.count}`);
  const acts = trainingActivities(opts);
  const p2 = opts.twoPeople ?? 0.28, p3 = opts.threePeople ?? 0.12;
  const records: PoseRecord[] = [];
  const images: RGBAImage[] = [];
  const prefix = opts.prefix ?? `synth-${seed}-`;
  for (let i = 0; i < opts.count; i++) {
    const rng = new Rng(hashSeed(`train:${i}`, seed));
    const activity = rng.pick(acts);
    const u = rng.next();
    const n = u < p3 ? 3 : u < p3 + p2 ? 2 : 1;
    const ages: AgeGroup[] = Array.from({ length: n }, () => rng.pick(AGE_GROUPS));
    const scene = renderScene(rng, {
      width: W, height: H, activity, ages,
      backgrounds: TRAIN_BACKGROUNDS, framing: 'train',
      clutter: rng.int((opts.maxClutter ?? 4) + 1),
      distractors: rng.int((opts.maxDistractors ?? 3) + 1),
      occlusion: opts.occlusion ?? 0.25,
      crop: opts.crop ?? 0.2,
    });
    records.push(makeRecord(`${prefix}${String(i).padStart(6, '0')}.png`, activity, W, H, scene.people, seed, true));
    images.push(scene.image);
    opts.onProgress?.(i + 1);
  }
  return { records, images };
}

export const EVAL_TASKS = ['activity', 'age', 'clothing', 'count'] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];

export interface EvalSet {
  task: EvalTask;
  classes: string[];
  /** Prompt template with `{}` for the class name (as the evaluation adapters expect). */
  template: string;
  /** The template filled per class, with grammar fixed (a/an). */
  prompts: string[];
  /** Classes never shown or named in the default training data. */
  heldOut: string[];
  items: { label: number; image: RGBAImage; record: PoseRecord }[];
}

const article = (s: string) => s.replace(/\ba ([aeiou])/g, 'an $1');

export function evalClasses(task: EvalTask): { classes: string[]; template: string; heldOut: string[] } {
  switch (task) {
    case 'activity': return { classes: ACTIVITIES.map((a) => a.name), template: 'a photo of a person {}', heldOut: [...HELD_OUT_ACTIVITIES] };
    case 'age': return { classes: [...AGE_GROUPS], template: 'a photo of a {} person', heldOut: [] };
    case 'clothing': return { classes: [...EVAL_SHIRT_COLOURS], template: 'a photo of a person wearing a {} shirt', heldOut: [] };
    case 'count': return { classes: ['one person', 'two people', 'three people'], template: 'a photo of {}', heldOut: [] };
    default: throw new Error(`unknown evaluation task "${task}"; known: ${EVAL_TASKS.join(', ')}`);
  }
}

/** A balanced held-out evaluation set (class = index mod number of classes). */
export function generateEvalSet(task: EvalTask, opts: { seed?: number; count: number; size?: number; width?: number; height?: number; onProgress?: (done: number) => void }): EvalSet {
  const { classes, template, heldOut } = evalClasses(task);
  const seed = opts.seed ?? 1000;
  const [W, H] = sizeOf(opts);
  const items: EvalSet['items'] = [];
  const everyday = trainingActivities();
  for (let i = 0; i < opts.count; i++) {
    const rng = new Rng(hashSeed(`eval:${task}:${i}`, seed));
    const label = i % classes.length;
    let activity = rng.pick(everyday);
    let ages: AgeGroup[] = [rng.pick(AGE_GROUPS)];
    let shirt: ColourName | undefined;
    if (task === 'activity') activity = activityByName(classes[label]);
    else if (task === 'age') ages = [classes[label] as AgeGroup];
    else if (task === 'clothing') shirt = classes[label] as ColourName;
    else ages = Array.from({ length: label + 1 }, () => rng.pick(AGE_GROUPS));
    const scene: SceneOptions = {
      width: W, height: H, activity, ages, shirt,
      backgrounds: EVAL_BACKGROUNDS, framing: task === 'count' ? 'train' : 'eval',
      clutter: rng.int(4), distractors: rng.int(3), occlusion: 0.1, crop: 0,
    };
    const s = renderScene(rng, scene);
    const name = `${task}-${String(i).padStart(5, '0')}.png`;
    items.push({ label, image: s.image, record: makeRecord(name, activity, W, H, s.people, seed, false) });
    opts.onProgress?.(i + 1);
  }
  return { task, classes, template, prompts: classes.map((c) => article(template.replace('{}', c))), heldOut, items };
}
