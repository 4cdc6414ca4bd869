// Rule-based pose descriptions with the structure of the paper's LLM captions (FOCUSCLIP.md
// section 5): people count and activity; general attributes of the activity; then per person their
// location, state, and each limb in turn (left leg, right leg, left arm, right arm, torso, head)
// with relative positions and bend angles measured from the joints. Phrasing varies with a seed
// (hashed with the image name, so a record's text does not depend on its position in the list).
// Left/right are the person's own, as in MPII.
import { Rng } from '../engine/rng.js';
import { J } from './mpii.js';
import { activityName, type PoseRecord, type RecordPerson } from './record.js';
import { ACTIVITIES } from './synthetic/activities.js';

export interface DescribeOptions {
  seed?: number;
  /** Image size when the record does not carry it (real MPII: measured from the file). */
  width?: number;
  height?: number;
}

/** FNV-1a of a string mixed with a seed. */
export function hashSeed(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const NUMBER = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const round5 = (deg: number) => Math.round(deg / 5) * 5;
const ABOUT = new Map(ACTIVITIES.map((a) => [a.name, a.about]));
const AGE_NOUN: Record<string, string> = { kid: 'kid', teenager: 'teenager', adult: 'adult', elderly: 'elderly person' };

type XY = [number, number];
const vis = (p: RecordPerson, j: number) => p.kpts_vis[j] === 1;
/** Angle at b between b->a and b->c, degrees (180 = straight). */
function jointAngle(a: XY, b: XY, c: XY): number {
  const ux = a[0] - b[0], uy = a[1] - b[1], vx = c[0] - b[0], vy = c[1] - b[1];
  const d = Math.hypot(ux, uy) * Math.hypot(vx, vy) || 1;
  return (Math.acos(Math.max(-1, Math.min(1, (ux * vx + uy * vy) / d))) * 180) / Math.PI;
}
/** Direction of a->b from straight down, degrees in (-180, 180], positive toward the image right. */
const fromDown = (a: XY, b: XY) => (Math.atan2(b[0] - a[0], b[1] - a[1]) * 180) / Math.PI;

function bendPhrase(r: Rng, angle: number, joint: string): string {
  const bend = 180 - angle;
  if (bend < 20) return r.pick([`is straight`, `is held straight`, `is extended`]);
  if (bend < 50) return r.pick([`is slightly bent at the ${joint}`, `bends a little at the ${joint} (about ${round5(angle)} degrees)`]);
  if (bend < 110) return r.pick([`is bent at the ${joint} at about ${round5(angle)} degrees`, `bends at the ${joint} to roughly ${round5(angle)} degrees`]);
  return r.pick([`is sharply bent at the ${joint} (about ${round5(angle)} degrees)`, `is folded tightly at the ${joint}`]);
}

function legSentence(r: Rng, p: RecordPerson, side: 'left' | 'right'): string {
  const [hip, knee, ankle] = side === 'left' ? [J.lHip, J.lKnee, J.lAnkle] : [J.rHip, J.rKnee, J.rAnkle];
  const name = `${side} leg`;
  if (!vis(p, hip) && !vis(p, knee) && !vis(p, ankle)) return r.pick([`The ${name} is not visible.`, `The ${name} is hidden or out of the frame.`]);
  const parts: string[] = [];
  if (vis(p, hip) && vis(p, knee) && vis(p, ankle)) parts.push(bendPhrase(r, jointAngle(p.kpts[hip], p.kpts[knee], p.kpts[ankle]), 'knee'));
  const end = vis(p, ankle) ? ankle : vis(p, knee) ? knee : -1;
  if (vis(p, hip) && end >= 0) {
    const a = fromDown(p.kpts[hip], p.kpts[end]);
    const what = end === ankle ? 'foot' : 'knee';
    if (Math.abs(a) < 15) parts.push(`the ${what} is straight below the hip`);
    else if (Math.abs(a) > 165) parts.push(`the ${what} is raised above the hip`);
    else if (Math.abs(a) > 60) parts.push(`the ${what} is lifted to the ${a > 0 ? 'image right' : 'image left'}, about ${round5(Math.abs(a))} degrees from vertical`);
    else parts.push(`the ${what} is placed ${a > 0 ? 'to the image right' : 'to the image left'} of the hip`);
  }
  if (end !== ankle) parts.push('the foot is not visible');
  return `The ${name} ${parts.length ? parts.join(', and ') : 'is partly visible'}.`.replace(/ leg the /, ' leg: the ');
}

function armSentence(r: Rng, p: RecordPerson, side: 'left' | 'right'): string {
  const [sh, el, wr] = side === 'left' ? [J.lShoulder, J.lElbow, J.lWrist] : [J.rShoulder, J.rElbow, J.rWrist];
  const name = `${side} arm`;
  if (!vis(p, sh) && !vis(p, el) && !vis(p, wr)) return r.pick([`The ${name} is not visible.`, `The ${name} cannot be seen.`]);
  const parts: string[] = [];
  if (vis(p, sh) && vis(p, el) && vis(p, wr)) parts.push(bendPhrase(r, jointAngle(p.kpts[sh], p.kpts[el], p.kpts[wr]), 'elbow'));
  const end = vis(p, wr) ? wr : vis(p, el) ? el : -1;
  const what = end === wr ? 'hand' : 'elbow';
  if (end >= 0) {
    const y = p.kpts[end][1];
    const head = vis(p, J.headTop) ? p.kpts[J.headTop][1] : undefined;
    const shY = vis(p, sh) ? p.kpts[sh][1] : undefined;
    const hipY = vis(p, J.pelvis) ? p.kpts[J.pelvis][1] : undefined;
    if (head !== undefined && y < head) parts.push(r.pick([`the ${what} is raised above the head`, `the ${what} reaches above the head`]));
    else if (shY !== undefined && y < shY - 2) parts.push(`the ${what} is above shoulder height`);
    else if (hipY !== undefined && y < hipY) parts.push(`the ${what} is between the shoulder and the waist`);
    else parts.push(r.pick([`the ${what} hangs below the waist`, `the ${what} is low, near the hip`]));
    if (vis(p, sh)) {
      const a = fromDown(p.kpts[sh], p.kpts[end]);
      if (Math.abs(a) > 50 && Math.abs(a) < 130) parts.push(`it points ${a > 0 ? 'to the image right' : 'to the image left'}`);
    }
  } else parts.push('the hand is not visible');
  return `The ${name} ${parts.join(', and ')}.`;
}

function torsoSentence(r: Rng, p: RecordPerson): string {
  if (!vis(p, J.pelvis) || !vis(p, J.thorax)) return 'The torso is partly hidden.';
  const a = fromDown(p.kpts[J.pelvis], p.kpts[J.thorax]); // 180 = upright
  const lean = a > 0 ? 180 - a : -180 - a; // signed tilt from upright, positive = toward image left
  const t = Math.abs(lean);
  if (t < 12) return r.pick(['The torso is upright.', 'The torso is held upright and straight.']);
  const dir = lean > 0 ? 'the image left' : 'the image right';
  if (t > 65) return `The torso is almost horizontal, pointing toward ${dir} (about ${round5(t)} degrees from vertical).`;
  return r.pick([`The torso leans toward ${dir} by about ${round5(t)} degrees.`, `The upper body is tilted about ${round5(t)} degrees toward ${dir}.`]);
}

function headSentence(r: Rng, p: RecordPerson): string {
  if (!vis(p, J.upperNeck) || !vis(p, J.headTop)) return r.pick(['The head is not clearly visible.', 'The head is hidden or out of the frame.']);
  const head = fromDown(p.kpts[J.upperNeck], p.kpts[J.headTop]);
  const torso = vis(p, J.pelvis) && vis(p, J.thorax) ? fromDown(p.kpts[J.pelvis], p.kpts[J.thorax]) : 180;
  let d = head - torso;
  d = ((d + 540) % 360) - 180;
  if (Math.abs(d) < 12) return r.pick(['The head is in line with the torso.', 'The head is held straight.']);
  return `The head is tilted about ${round5(Math.abs(d))} degrees toward the image ${d > 0 ? 'left' : 'right'} relative to the torso.`;
}

/** standing / sitting / lying / kneeling / squatting / bending over / in the air, from the joints. */
export function poseState(p: RecordPerson): string {
  const ok = (...js: number[]) => js.every((j) => vis(p, j));
  if (ok(J.pelvis, J.thorax)) {
    const tilt = 180 - Math.abs(fromDown(p.kpts[J.pelvis], p.kpts[J.thorax])); // 0 = upright
    if (tilt > 55) {
      // Torso far from upright: lying when the legs are horizontal too, bending over when they stand.
      const legsFlat = [[J.lHip, J.lAnkle], [J.rHip, J.rAnkle], [J.lHip, J.lKnee], [J.rHip, J.rKnee]].some(([h, k]) => ok(h, k) && Math.abs(Math.abs(fromDown(p.kpts[h], p.kpts[k])) - 90) < 35);
      return legsFlat || tilt > 120 ? 'lying down' : 'bending over';
    }
  }
  const legs = [[J.lHip, J.lKnee, J.lAnkle], [J.rHip, J.rKnee, J.rAnkle]].filter((l) => ok(...l));
  if (legs.length) {
    const thighFlat = legs.filter(([h, k]) => Math.abs(fromDown(p.kpts[h], p.kpts[k])) > 55).length;
    const shinFlat = legs.filter(([, k, a]) => Math.abs(fromDown(p.kpts[k], p.kpts[a])) > 60).length;
    const bent = legs.filter(([h, k, a]) => jointAngle(p.kpts[h], p.kpts[k], p.kpts[a]) < 120).length;
    if (shinFlat && !thighFlat) return 'kneeling';
    if (thighFlat === legs.length && bent === legs.length) {
      const ankleBelowHip = legs.every(([h, , a]) => p.kpts[a][1] - p.kpts[h][1] > 0);
      return ankleBelowHip && legs.some(([h, k, a]) => jointAngle(p.kpts[h], p.kpts[k], p.kpts[a]) < 75) ? 'squatting' : 'sitting';
    }
  }
  return 'standing';
}

function location(p: RecordPerson, W: number, H: number): { where: string; dist: string } {
  const fx = p.center[0] / W;
  const where = fx < 0.38 ? 'on the left' : fx > 0.62 ? 'on the right' : 'in the centre';
  const h = (p.scale * 200) / H;
  const dist = h > 0.75 ? 'close to the camera' : h < 0.4 ? 'further away' : 'at a medium distance';
  return { where, dist };
}

/** One description for one record. */
export function describeRecord(rec: PoseRecord, opts: DescribeOptions = {}): string {
  const r = new Rng(hashSeed(rec.image, opts.seed ?? 0));
  const W = rec.width ?? opts.width ?? 0, H = rec.height ?? opts.height ?? 0;
  const act = activityName(rec.activity);
  const n = rec.people.length;
  const out: string[] = [];
  const ages = rec.people.map((p) => p.attrs?.age).filter(Boolean) as string[];
  const who = n === 1 && ages.length === 1 ? `one ${AGE_NOUN[ages[0]] ?? ages[0]}` : `${NUMBER[n] ?? n} ${n === 1 ? 'person' : 'people'}`;
  const verb = n === 1 ? 'is' : 'are';
  out.push(cap(r.pick([`${who} ${verb} ${act}.`, `The image shows ${who} ${act}.`, `There ${verb} ${who} in the picture, ${act}.`])));
  const about = ABOUT.get(act);
  if (about) out.push(about);
  else {
    const cat = rec.activity.includes(', ') ? rec.activity.slice(0, rec.activity.indexOf(', ')) : '';
    if (cat) out.push(`This is a ${cat} activity.`);
  }
  const order = [...rec.people].sort((a, b) => a.center[0] - b.center[0]);
  for (const p of order) {
    const loc = W && H ? location(p, W, H) : { where: '', dist: '' };
    const age = p.attrs?.age ? (AGE_NOUN[p.attrs.age] ?? p.attrs.age) : 'person';
    const head = n === 1 ? `The ${age}${loc.where ? ` ${loc.where}` : ''}` : `The ${age} ${loc.where || `number ${p.id + 1}`}`;
    const state = poseState(p);
    const clothes = p.attrs?.shirt ? `, wearing a ${p.attrs.shirt} shirt${p.attrs.trousers ? ` and ${p.attrs.trousers} ${p.attrs.legs ?? 'trousers'}` : ''}` : '';
    out.push(`${head}${loc.dist ? `, ${loc.dist}` : ''}${clothes}, is ${state}.`);
    const nVis = p.kpts_vis.reduce((s, v) => s + v, 0);
    if (nVis < 16) out.push(nVis === 0 ? 'None of their joints are visible.' : `${NUMBER[16 - nVis] ?? 16 - nVis} of their joints are hidden or outside the picture.`.replace(/^./, (c) => c.toUpperCase()));
    out.push(legSentence(r, p, 'left'), legSentence(r, p, 'right'), armSentence(r, p, 'left'), armSentence(r, p, 'right'), torsoSentence(r, p), headSentence(r, p));
  }
  return out.join(' ');
}

/** Fill every record's description (returns new records; the input is not modified). */
export function describeRecords(recs: readonly PoseRecord[], opts: DescribeOptions = {}): PoseRecord[] {
  return recs.map((r) => ({ ...r, description: describeRecord(r, opts) }));
}
