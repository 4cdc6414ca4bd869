// The synthetic people dataset as a library: training records + images in memory, and held-out
// zero-shot evaluation sets (activity, age group, clothing colour, number of people). Every image
// draws from its own random stream (seed hashed with its index), so image i is the same whatever
// the count, and evaluation sets use other seeds, other background families and other framing.
import { Rng } from '../../engine/rng.js';
import { describeRecord, hashSeed } from '../describe.js';
import type { RGBAImage } from '../image.js';
import type { PoseRecord } from '../record.js';
import { ACTIVITIES, HELD_OUT_ACTIVITIES, activityByName, type Activity } from './activities.js';
import { EVAL_BACKGROUNDS, TRAIN_BACKGROUNDS, type Background } from './background.js';
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
  /** Background shortcut: with this probability an image gets its activity's home background family
   *  (`homeBackground`), otherwise one of the other training families; 0 or absent draws the family
   *  independently of the activity (the default world). */
  backgroundBias?: number;
  /** Record image names: `${prefix}${index}.png`. */
  prefix?: string;
  /** Called after each image (progress bars). */
  onProgress?: (done: number) => void;
}

export interface Dataset {
  records: PoseRecord[];
  images: RGBAImage[];
  /** Background family of each image. */
  backgrounds: Background[];
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

function checkBias(bias: number | undefined): void {
  if (bias !== undefined && !(Number.isFinite(bias) && bias >= 0 && bias <= 1)) {
    throw new Error(`backgroundBias must be a probability from 0 to 1, got ${bias}`);
  }
}

/** The training background family that co-occurs with an activity in a background-biased world. */
export function homeBackground(activity: Activity): Background {
  return TRAIN_BACKGROUNDS[ACTIVITIES.indexOf(activity) % TRAIN_BACKGROUNDS.length];
}

/** The one family an image of a biased world is drawn on: home with probability `bias`, else another. */
function biasedBackgrounds(rng: Rng, activity: Activity, bias: number): Background[] {
  const home = homeBackground(activity);
  return [rng.next() < bias ? home : rng.pick(TRAIN_BACKGROUNDS.filter((b) => b !== home))];
}

/** Training images with records (descriptions from the rule-based describer). */
export function generateDataset(opts: GenerateOptions): Dataset {
  const seed = opts.seed ?? 0;
  const [W, H] = sizeOf(opts);
  checkBias(opts.backgroundBias);
  if (!(Number.isInteger(opts.count) && opts.count >= 0)) throw new Error(`count must be a non-negative integer, got ${opts.count}`);
  const acts = trainingActivities(opts);
  const p2 = opts.twoPeople ?? 0.28, p3 = opts.threePeople ?? 0.12;
  const records: PoseRecord[] = [];
  const images: RGBAImage[] = [];
  const backgrounds: Background[] = [];
  const prefix = opts.prefix ?? `synth-${seed}-`;
  for (let i = 0; i < opts.count; i++) {
    const rng = new Rng(hashSeed(`train:${i}`, seed));
    const activity = rng.pick(acts);
    const u = rng.next();
    const n = u < p3 ? 3 : u < p3 + p2 ? 2 : 1;
    const ages: AgeGroup[] = Array.from({ length: n }, () => rng.pick(AGE_GROUPS));
    const scene = renderScene(rng, {
      width: W, height: H, activity, ages,
      backgrounds: opts.backgroundBias ? biasedBackgrounds(rng, activity, opts.backgroundBias) : TRAIN_BACKGROUNDS, framing: 'train',
      clutter: rng.int((opts.maxClutter ?? 4) + 1),
      distractors: rng.int((opts.maxDistractors ?? 3) + 1),
      occlusion: opts.occlusion ?? 0.25,
      crop: opts.crop ?? 0.2,
    });
    records.push(makeRecord(`${prefix}${String(i).padStart(6, '0')}.png`, activity, W, H, scene.people, seed, true));
    images.push(scene.image);
    backgrounds.push(scene.background);
    opts.onProgress?.(i + 1);
  }
  return { records, images, backgrounds };
}

export const EVAL_TASKS = ['activity', 'age', 'clothing', 'count'] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];

export interface EvalSet {
  task: EvalTask;
  /** Absent for the held-out sets; 'val' for the validation split, 'bg-aligned' / 'bg-swapped' for the background probe. */
  variant?: string;
  classes: string[];
  /** Prompt template with `{}` for the class name (as the evaluation adapters expect). */
  template: string;
  /** The template filled per class, with grammar fixed (a/an). */
  prompts: string[];
  /** Classes never shown or named in the default training data. */
  heldOut: string[];
  items: { label: number; image: RGBAImage; record: PoseRecord; background: Background }[];
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

export interface EvalSetOptions {
  seed?: number;
  count: number;
  size?: number;
  width?: number;
  height?: number;
  /** 'heldout' (default): evaluation background families and framing, all 25 activities (4 never
   *  trained on). 'validation': the training world itself (its backgrounds, framing and 21
   *  activities) under other seeds, for tuning a recipe without looking at the held-out sets. */
  split?: 'heldout' | 'validation';
  /** Background-shift probe (activity only): training families and the subject framed as in the
   *  held-out sets; 'aligned' draws the family with the training world's bias (home with
   *  probability `bias`), 'swapped' never uses the activity's home family. */
  backgrounds?: { mode: 'aligned' | 'swapped'; bias: number };
  onProgress?: (done: number) => void;
}

/** A balanced evaluation set (class = index mod number of classes). */
export function generateEvalSet(task: EvalTask, opts: EvalSetOptions): EvalSet {
  const split = opts.split ?? 'heldout';
  const probe = opts.backgrounds;
  if (probe && task !== 'activity') throw new Error(`the background-shift probe is an activity set, not "${task}"`);
  checkBias(probe?.bias);
  const inTrainingWorld = split === 'validation' || probe !== undefined;
  const everyday = trainingActivities();
  const base = evalClasses(task);
  const classes = inTrainingWorld && task === 'activity' ? everyday.map((a) => a.name) : base.classes;
  const { template } = base;
  const heldOut = inTrainingWorld ? [] : base.heldOut;
  const seed = opts.seed ?? 1000;
  const [W, H] = sizeOf(opts);
  const items: EvalSet['items'] = [];
  const stream = split === 'validation' ? 'val' : probe ? `probe-${probe.mode}` : 'eval';
  for (let i = 0; i < opts.count; i++) {
    const rng = new Rng(hashSeed(`${stream}:${task}:${i}`, seed));
    const label = i % classes.length;
    let activity = rng.pick(everyday);
    let ages: AgeGroup[] = [rng.pick(AGE_GROUPS)];
    let shirt: ColourName | undefined;
    if (task === 'activity') activity = activityByName(classes[label]);
    else if (task === 'age') ages = [classes[label] as AgeGroup];
    else if (task === 'clothing') shirt = classes[label] as ColourName;
    else ages = Array.from({ length: label + 1 }, () => rng.pick(AGE_GROUPS));
    let backgrounds: readonly Background[] = split === 'validation' ? TRAIN_BACKGROUNDS : EVAL_BACKGROUNDS;
    if (probe?.mode === 'aligned') backgrounds = biasedBackgrounds(rng, activity, probe.bias);
    else if (probe) backgrounds = TRAIN_BACKGROUNDS.filter((b) => b !== homeBackground(activity));
    const scene: SceneOptions = {
      width: W, height: H, activity, ages, shirt, backgrounds,
      framing: task === 'count' || split === 'validation' ? 'train' : 'eval',
      clutter: rng.int(4), distractors: rng.int(3), occlusion: 0.1, crop: 0,
    };
    const s = renderScene(rng, scene);
    const name = `${task}-${String(i).padStart(5, '0')}.png`;
    items.push({ label, image: s.image, record: makeRecord(name, activity, W, H, s.people, seed, false), background: s.background });
    opts.onProgress?.(i + 1);
  }
  const variant = split === 'validation' ? 'val' : probe ? `bg-${probe.mode}` : undefined;
  return { task, variant, classes, template, prompts: classes.map((c) => article(template.replace('{}', c))), heldOut, items };
}
