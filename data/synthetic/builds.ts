// Body builds (age groups) and appearance. Proportions are in head heights (H = chin to crown):
// children have big heads on short limbs (about 6 heads tall), adults about 7.5; the elderly keep
// adult proportions but stoop, bend their knees a little and have grey hair. These are the cues an
// age classifier can learn, so they differ in ratios, not just in overall size.
import type { Rng } from '../../engine/rng.js';

export const AGE_GROUPS = ['kid', 'teenager', 'adult', 'elderly'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];

export interface Proportions {
  /** Segment lengths in head heights. */
  neck: number; torso: number; thigh: number; shin: number; upperArm: number; forearm: number;
  /** Half widths in head heights. */
  shoulderHalf: number; hipHalf: number;
  /** Total stature range in metres. */
  stature: [number, number];
  /** Posture added to every activity (degrees): forward stoop, knee bend, head forward. */
  stoop: number; kneeBend: number; headForward: number;
}

export const BUILD: Record<AgeGroup, Proportions> = {
  kid: { neck: 0.2, torso: 1.85, thigh: 1.3, shin: 1.25, upperArm: 1.0, forearm: 0.9, shoulderHalf: 0.68, hipHalf: 0.45, stature: [1.05, 1.35], stoop: 0, kneeBend: 0, headForward: 0 },
  teenager: { neck: 0.3, torso: 2.1, thigh: 1.7, shin: 1.6, upperArm: 1.3, forearm: 1.1, shoulderHalf: 0.85, hipHalf: 0.52, stature: [1.5, 1.78], stoop: 0, kneeBend: 0, headForward: 0 },
  adult: { neck: 0.32, torso: 2.3, thigh: 1.95, shin: 1.85, upperArm: 1.45, forearm: 1.25, shoulderHalf: 0.95, hipHalf: 0.58, stature: [1.6, 1.92], stoop: 0, kneeBend: 0, headForward: 0 },
  elderly: { neck: 0.28, torso: 2.25, thigh: 1.85, shin: 1.75, upperArm: 1.4, forearm: 1.2, shoulderHalf: 0.92, hipHalf: 0.62, stature: [1.5, 1.78], stoop: 16, kneeBend: 12, headForward: 14 },
};

export const COLOURS = {
  red: [200, 40, 40], green: [40, 150, 60], blue: [40, 80, 200], yellow: [230, 200, 40],
  white: [235, 235, 235], black: [30, 30, 32], orange: [235, 130, 30], purple: [130, 60, 170],
  pink: [235, 140, 180], grey: [128, 128, 128], brown: [120, 80, 45], cyan: [50, 190, 200],
} as const;
export type ColourName = keyof typeof COLOURS;
export const SHIRT_COLOURS: readonly ColourName[] = ['red', 'green', 'blue', 'yellow', 'white', 'black', 'orange', 'purple', 'pink', 'grey'];
/** The clothing-colour evaluation classes (distinct hues, so the label is unambiguous). */
export const EVAL_SHIRT_COLOURS: readonly ColourName[] = ['red', 'green', 'blue', 'yellow', 'white', 'black'];
const TROUSER_COLOURS: readonly ColourName[] = ['blue', 'black', 'grey', 'brown', 'white', 'green'];

const SKIN: readonly [number, number, number][] = [[255, 220, 190], [240, 195, 160], [210, 160, 120], [175, 120, 80], [130, 85, 55], [90, 60, 40]];
const HAIR: readonly [number, number, number][] = [[30, 25, 20], [70, 45, 25], [120, 80, 40], [200, 170, 90], [150, 60, 30]];
const GREY_HAIR: readonly [number, number, number][] = [[200, 200, 200], [230, 230, 230], [160, 160, 165]];

export interface Appearance {
  age: AgeGroup;
  props: Proportions;
  stature: number;
  /** Limb and torso thickness multiplier (slim 0.8 .. heavy 1.35). */
  girth: number;
  skin: number[]; hair: number[]; shirt: number[]; trousers: number[]; shoes: number[];
  shirtName: ColourName; trousersName: ColourName;
  longSleeves: boolean; shorts: boolean;
}

const jitter = (rng: Rng, c: readonly number[], amount: number) => c.map((v) => Math.max(0, Math.min(255, v + amount * rng.normal())));

export function sampleAppearance(rng: Rng, age: AgeGroup, shirtName?: ColourName): Appearance {
  const props = BUILD[age];
  const shirtN = shirtName ?? rng.pick(SHIRT_COLOURS);
  let trousersName = rng.pick(TROUSER_COLOURS);
  if (trousersName === shirtN) trousersName = 'grey' === shirtN ? 'black' : 'grey';
  const girthBase = age === 'kid' ? 1.05 : age === 'elderly' ? 1.1 : 1.0;
  return {
    age,
    props,
    stature: rng.uniform(props.stature[0], props.stature[1]),
    girth: Math.max(0.75, Math.min(1.4, girthBase + 0.13 * rng.normal())),
    skin: jitter(rng, rng.pick(SKIN), 6),
    hair: jitter(rng, age === 'elderly' ? rng.pick(GREY_HAIR) : rng.pick(HAIR), 8),
    shirt: jitter(rng, COLOURS[shirtN], 10),
    trousers: jitter(rng, COLOURS[trousersName], 10),
    shoes: jitter(rng, rng.next() < 0.5 ? [40, 35, 30] : [220, 220, 220], 10),
    shirtName: shirtN,
    trousersName,
    longSleeves: rng.next() < (age === 'elderly' ? 0.8 : 0.45),
    shorts: rng.next() < (age === 'kid' ? 0.5 : age === 'elderly' ? 0.1 : 0.3),
  };
}
