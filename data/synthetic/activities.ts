// Named activities as joint-angle distributions. A pose is a set of world-frame segment angles
// (degrees): `phi` swings a segment forward (0 = hanging down, 90 = pointing forward, 180 = up),
// `alpha` raises it sideways away from the body (90 = horizontal out). Upper and lower segments of a
// limb carry their own angles, so an elbow or knee bend is the difference. Each sampler draws from
// per-activity means and spreads; correlated joints (walking's opposite swings) share draws.
import type { Rng } from '../../engine/rng.js';

export interface LimbAngles { phi1: number; alpha1: number; phi2: number; alpha2: number }

export interface Pose {
  /** Torso forward lean and sideways tilt (toward the person's left). */
  pitch: number; roll: number;
  headPitch: number; headRoll: number;
  lArm: LimbAngles; rArm: LimbAngles; lLeg: LimbAngles; rLeg: LimbAngles;
  /** Preferred camera view: near-frontal, side-on, or anything. */
  view: 'front' | 'side' | 'any';
  /** In-plane rotation of the whole figure (degrees; lying down ~ 90). 'followYaw' flips with the side view. */
  spin: number; spinFollowsYaw?: boolean;
  /** Feet above the ground, as a fraction of stature (jumps, climbing). */
  lift: number;
  prop?: 'chair' | 'box' | 'bicycle' | 'ladder' | 'ball-foot' | 'ball-hand';
}

class S {
  constructor(readonly rng: Rng) {}
  n(mean: number, sd: number) { return mean + sd * this.rng.normal(); }
  u(lo: number, hi: number) { return this.rng.uniform(lo, hi); }
  coin(p = 0.5) { return this.rng.next() < p; }
}

/** Arm: upper segment at (phi, alpha); elbow bends the forearm forward/up by `bend`. */
const arm = (phi: number, alpha: number, bend: number, alpha2 = alpha): LimbAngles => ({ phi1: phi, alpha1: alpha, phi2: phi + bend, alpha2 });
/** Leg: thigh at (phi, alpha); knee bends the shin backward by `bend`. */
const leg = (phi: number, alpha: number, bend: number, alpha2 = alpha): LimbAngles => ({ phi1: phi, alpha1: alpha, phi2: phi - bend, alpha2 });

const base = (): Pose => ({
  pitch: 0, roll: 0, headPitch: 0, headRoll: 0,
  lArm: arm(0, 8, 10), rArm: arm(0, 8, 10), lLeg: leg(0, 4, 3), rLeg: leg(0, 4, 3),
  view: 'any', spin: 0, lift: 0,
});

const hanging = (s: S) => arm(s.n(0, 8), s.n(8, 4), Math.abs(s.n(10, 8)));
const straightLeg = (s: S) => leg(s.n(0, 3), s.n(4, 2), Math.abs(s.n(3, 3)));
/** Left/right symmetric pieces swapped at random, so one-sided actions use either side. */
function sides<T>(s: S, a: T, b: T): [T, T] { return s.coin() ? [a, b] : [b, a]; }

export interface Activity {
  /** Short name, also the -ing phrase of the prompt "a photo of a person {name}". */
  name: string;
  /** MPII-style category: the record's activity is "<category>, <name>". */
  category: string;
  /** One-line general attributes of the activity, for descriptions. */
  about: string;
  sample: (s: S) => Pose;
}

export const ACTIVITIES: readonly Activity[] = [
  { name: 'standing', category: 'inactivity quiet/light', about: 'The posture is relaxed and upright, with the weight on both feet.', sample: (s) => ({ ...base(), lArm: hanging(s), rArm: hanging(s), lLeg: straightLeg(s), rLeg: straightLeg(s) }) },
  { name: 'walking', category: 'walking', about: 'Walking is a steady gait in which the legs swing alternately and the arms swing opposite to them.', sample: (s) => {
    const w = s.n(25, 6);
    return { ...base(), view: 'side', lLeg: leg(w, 3, Math.abs(s.n(5, 5))), rLeg: leg(-w, 3, Math.abs(s.n(22, 8))), lArm: arm(-0.8 * w, 6, Math.abs(s.n(15, 8))), rArm: arm(0.8 * w, 6, Math.abs(s.n(15, 8))) };
  } },
  { name: 'running', category: 'running', about: 'Running is fast, with a forward lean, strongly bent knees and elbows, and moments with both feet off the ground.', sample: (s) => {
    const w = s.n(40, 8);
    return { ...base(), view: 'side', pitch: s.n(12, 4), lift: Math.abs(s.n(0.03, 0.02)), lLeg: leg(w, 3, s.n(45, 10)), rLeg: leg(-0.6 * w, 3, s.n(85, 15)), lArm: arm(-0.9 * w, 6, s.n(90, 12)), rArm: arm(0.9 * w, 6, s.n(90, 12)) };
  } },
  { name: 'sitting on a chair', category: 'inactivity quiet/light', about: 'Sitting puts the hips on a seat with the thighs roughly horizontal and the shins vertical.', sample: (s) => ({ ...base(), prop: 'chair', pitch: s.n(-3, 5), lLeg: leg(s.n(88, 6), s.n(8, 4), s.n(88, 8)), rLeg: leg(s.n(88, 6), s.n(8, 4), s.n(88, 8)), lArm: arm(s.n(30, 10), 10, s.n(50, 15)), rArm: arm(s.n(30, 10), 10, s.n(50, 15)) }) },
  { name: 'squatting', category: 'conditioning exercise', about: 'Squatting lowers the hips toward the heels with deeply bent knees and a forward lean for balance.', sample: (s) => {
    const t = s.n(80, 8), b = s.n(115, 10);
    return { ...base(), pitch: s.n(30, 8), lLeg: leg(t, s.n(22, 8), b), rLeg: leg(t, s.n(22, 8), b), lArm: arm(s.n(70, 15), 8, s.n(20, 10)), rArm: arm(s.n(70, 15), 8, s.n(20, 10)) };
  } },
  { name: 'jumping', category: 'sports', about: 'Jumping pushes the body off the ground; arms fly up and legs spread or tuck in the air.', sample: (s) => ({ ...base(), view: 'front', lift: s.n(0.15, 0.05), lArm: arm(s.n(0, 10), s.n(145, 15), s.n(10, 8)), rArm: arm(s.n(0, 10), s.n(145, 15), s.n(10, 8)), lLeg: leg(s.n(10, 8), s.n(20, 6), Math.abs(s.n(25, 15))), rLeg: leg(s.n(10, 8), s.n(20, 6), Math.abs(s.n(25, 15))) }) },
  { name: 'waving', category: 'miscellaneous', about: 'Waving raises one hand above the shoulder and moves it side to side as a greeting.', sample: (s) => {
    const a = s.n(115, 15);
    const [l, r] = sides(s, arm(s.n(0, 10), a, s.n(0, 10), a + s.n(50, 15)), hanging(s));
    return { ...base(), view: 'front', lArm: l, rArm: r, lLeg: straightLeg(s), rLeg: straightLeg(s), headRoll: s.n(0, 6) };
  } },
  { name: 'raising both arms', category: 'conditioning exercise', about: 'Both arms are lifted straight above the head.', sample: (s) => ({ ...base(), view: 'front', lArm: arm(s.n(0, 10), s.n(168, 8), s.n(5, 5)), rArm: arm(s.n(0, 10), s.n(168, 8), s.n(5, 5)), lLeg: straightLeg(s), rLeg: straightLeg(s) }) },
  { name: 'bending over', category: 'home activities', about: 'Bending over folds the upper body forward at the hips while the legs stay almost straight.', sample: (s) => ({ ...base(), view: 'side', pitch: s.n(80, 10), headPitch: s.n(-25, 10), lLeg: leg(s.n(-8, 5), 4, Math.abs(s.n(8, 6))), rLeg: leg(s.n(-8, 5), 4, Math.abs(s.n(8, 6))), lArm: arm(s.n(10, 12), 6, s.n(10, 10)), rArm: arm(s.n(10, 12), 6, s.n(10, 10)) }) },
  { name: 'kicking', category: 'sports', about: 'Kicking swings one leg forward from the hip while the other leg carries the weight.', sample: (s) => {
    const [l, r] = sides(s, leg(s.n(70, 12), 4, Math.abs(s.n(12, 10))), leg(s.n(-5, 4), 4, Math.abs(s.n(8, 5))));
    return { ...base(), view: 'side', prop: 'ball-foot', pitch: s.n(-10, 5), lLeg: l, rLeg: r, lArm: arm(s.n(0, 20), s.n(40, 15), s.n(20, 10)), rArm: arm(s.n(0, 20), s.n(40, 15), s.n(20, 10)) };
  } },
  { name: 'punching', category: 'sports', about: 'Punching drives one fist straight forward while the other hand guards the face.', sample: (s) => {
    const [l, r] = sides(s, arm(s.n(88, 6), 5, Math.abs(s.n(5, 5))), arm(s.n(40, 10), 5, s.n(110, 15)));
    return { ...base(), view: 'side', pitch: s.n(10, 4), lArm: l, rArm: r, lLeg: leg(s.n(15, 5), 5, s.n(15, 5)), rLeg: leg(s.n(-15, 5), 5, s.n(15, 5)) };
  } },
  { name: 'lying down', category: 'inactivity quiet/light', about: 'Lying down rests the whole body horizontally on the ground.', sample: (s) => ({ ...base(), spin: (s.coin() ? 1 : -1) * s.n(88, 6), lArm: hanging(s), rArm: arm(s.n(0, 30), s.n(30, 30), Math.abs(s.n(20, 20))), lLeg: leg(s.n(0, 8), s.n(5, 4), Math.abs(s.n(10, 15))), rLeg: leg(s.n(0, 8), s.n(5, 4), Math.abs(s.n(10, 15))) }) },
  { name: 'reaching up', category: 'home activities', about: 'Reaching up stretches one arm high above the head, often on tiptoe.', sample: (s) => {
    const [l, r] = sides(s, arm(s.n(10, 15), s.n(172, 6), s.n(5, 5)), arm(s.n(20, 15), s.n(120, 20), s.n(30, 15)));
    return { ...base(), lift: Math.abs(s.n(0.02, 0.01)), lArm: l, rArm: r, lLeg: straightLeg(s), rLeg: straightLeg(s), headPitch: s.n(20, 8) };
  } },
  { name: 'carrying a box', category: 'occupation', about: 'Carrying holds a load in front of the body with both forearms raised and the elbows bent.', sample: (s) => {
    const w = s.n(12, 6);
    return { ...base(), prop: 'box', pitch: s.n(-5, 3), lArm: arm(s.n(35, 8), 12, s.n(55, 10), 2), rArm: arm(s.n(35, 8), 12, s.n(55, 10), 2), lLeg: leg(w, 3, 5), rLeg: leg(-w, 3, 15) };
  } },
  { name: 'riding a bicycle', category: 'bicycling', about: 'Cycling keeps the body seated and leaning forward, hands on the handlebars and legs pedalling in circles.', sample: (s) => ({ ...base(), view: 'side', prop: 'bicycle', pitch: s.n(35, 8), lLeg: leg(s.n(75, 8), 3, s.n(100, 10)), rLeg: leg(s.n(35, 8), 3, s.n(60, 10)), lArm: arm(s.n(65, 8), 5, s.n(15, 8)), rArm: arm(s.n(65, 8), 5, s.n(15, 8)), lift: 0.12 }) },
  { name: 'dancing', category: 'dancing', about: 'Dancing moves the arms and legs expressively to music, often off balance and tilted.', sample: (s) => ({ ...base(), roll: s.n(0, 10), lArm: arm(s.u(-30, 90), s.u(20, 160), s.u(0, 90)), rArm: arm(s.u(-30, 90), s.u(20, 160), s.u(0, 90)), lLeg: leg(s.u(-20, 40), s.n(20, 10), s.u(0, 50)), rLeg: leg(s.u(-20, 40), s.n(8, 5), s.u(0, 30)), lift: s.coin(0.3) ? s.u(0, 0.08) : 0 }) },
  { name: 'stretching arms out', category: 'conditioning exercise', about: 'Both arms are stretched out sideways at shoulder height.', sample: (s) => ({ ...base(), view: 'front', lArm: arm(s.n(0, 6), s.n(90, 6), Math.abs(s.n(3, 3))), rArm: arm(s.n(0, 6), s.n(90, 6), Math.abs(s.n(3, 3))), lLeg: leg(0, s.n(9, 3), 2), rLeg: leg(0, s.n(9, 3), 2) }) },
  { name: 'kneeling', category: 'religious activities', about: 'Kneeling rests the body on one or both knees with the torso upright.', sample: (s) => {
    const both = s.coin(0.4);
    const down = leg(s.n(5, 8), 4, s.n(90, 8));
    const [l, r] = both ? [down, leg(s.n(5, 8), 4, s.n(90, 8))] : sides(s, down, leg(s.n(85, 8), 6, s.n(85, 8)));
    return { ...base(), lLeg: l, rLeg: r, lArm: arm(s.n(40, 10), 5, s.n(70, 15), -5), rArm: arm(s.n(40, 10), 5, s.n(70, 15), -5), headPitch: s.n(-10, 8) };
  } },
  { name: 'lunging', category: 'conditioning exercise', about: 'A lunge steps one leg far forward with the front knee bent at a right angle and the back leg extended.', sample: (s) => {
    const [l, r] = sides(s, leg(s.n(75, 8), 4, s.n(80, 8)), leg(s.n(-35, 6), 4, Math.abs(s.n(5, 5))));
    return { ...base(), view: 'side', lLeg: l, rLeg: r, lArm: arm(s.n(-10, 8), s.n(35, 8), s.n(10, 8), -40), rArm: arm(s.n(-10, 8), s.n(35, 8), s.n(10, 8), -40) };
  } },
  { name: 'throwing a ball', category: 'sports', about: 'Throwing draws the arm back behind the head and whips it forward while stepping into the throw.', sample: (s) => {
    const [l, r] = sides(s, arm(s.n(150, 15), s.n(40, 10), s.n(60, 15)), arm(s.n(80, 10), 8, s.n(10, 8)));
    return { ...base(), view: 'side', prop: 'ball-hand', pitch: s.n(-8, 5), lArm: l, rArm: r, lLeg: leg(s.n(20, 6), 4, 10), rLeg: leg(s.n(-20, 6), 4, 15) };
  } },
  { name: 'climbing a ladder', category: 'occupation', about: 'Climbing grips the rungs above with the hands while one knee is lifted to step up.', sample: (s) => {
    const [la, ra] = sides(s, arm(s.n(150, 10), 8, s.n(20, 10)), arm(s.n(110, 12), 8, s.n(60, 15)));
    const [ll, rl] = sides(s, leg(s.n(70, 10), 4, s.n(90, 10)), leg(s.n(10, 8), 4, s.n(20, 10)));
    return { ...base(), view: 'side', prop: 'ladder', lift: s.n(0.2, 0.06), lArm: la, rArm: ra, lLeg: ll, rLeg: rl, headPitch: s.n(15, 8) };
  } },
  { name: 'standing with hands on hips', category: 'miscellaneous', about: 'Both hands rest on the hips with the elbows pointing outward.', sample: (s) => ({ ...base(), view: 'front', lArm: arm(s.n(-5, 8), s.n(42, 8), 5, s.n(-45, 10)), rArm: arm(s.n(-5, 8), s.n(42, 8), 5, s.n(-45, 10)), lLeg: leg(0, s.n(9, 3), 2), rLeg: leg(0, s.n(9, 3), 2) }) },
  { name: 'doing push-ups', category: 'conditioning exercise', about: 'A push-up holds the body straight as a plank, supported by the hands and toes, lowering and raising it with the arms.', sample: (s) => ({ ...base(), view: 'side', spin: s.n(78, 4), spinFollowsYaw: true, lArm: arm(s.n(88, 6), 4, s.n(30, 25)), rArm: arm(s.n(88, 6), 4, s.n(30, 25)), lLeg: leg(s.n(0, 3), 3, 0), rLeg: leg(s.n(0, 3), 3, 0) }) },
  { name: 'sitting on the floor', category: 'inactivity quiet/light', about: 'Sitting on the floor with crossed legs, the knees point outward and the hands rest on them.', sample: (s) => ({ ...base(), view: 'front', lLeg: { phi1: s.n(80, 8), alpha1: s.n(55, 10), phi2: s.n(85, 6), alpha2: -s.n(70, 10) }, rLeg: { phi1: s.n(80, 8), alpha1: s.n(55, 10), phi2: s.n(85, 6), alpha2: -s.n(70, 10) }, lArm: arm(s.n(30, 10), s.n(30, 8), s.n(30, 10)), rArm: arm(s.n(30, 10), s.n(30, 8), s.n(30, 10)) }) },
  { name: 'balancing on one leg', category: 'conditioning exercise', about: 'Balancing stands on a single straight leg while the other foot is raised against it.', sample: (s) => {
    const [l, r] = sides(s, straightLeg(s), { phi1: s.n(20, 10), alpha1: s.n(60, 10), phi2: s.n(10, 8), alpha2: -s.n(55, 10) });
    const up = s.coin();
    const a = () => (up ? arm(s.n(0, 6), s.n(170, 6), 5, 178) : arm(s.n(0, 6), s.n(88, 8), 3));
    return { ...base(), view: 'front', lLeg: l, rLeg: r, lArm: a(), rArm: a() };
  } },
];

/** Activities that the training set never shows or names by default: zero-shot only. */
export const HELD_OUT_ACTIVITIES: readonly string[] = ['balancing on one leg', 'doing push-ups', 'climbing a ladder', 'lunging'];

export function activityByName(name: string): Activity {
  const a = ACTIVITIES.find((x) => x.name === name);
  if (!a) throw new Error(`unknown activity "${name}"; known: ${ACTIVITIES.map((x) => x.name).join(', ')}`);
  return a;
}

export function samplePose(rng: Rng, activity: Activity): Pose {
  return activity.sample(new S(rng));
}
