// From a pose (segment angles) and a build to 3D joints, then an orthographic view (yaw about the
// vertical axis, in-plane spin) to the 16 MPII joints in image pixels, plus depth per joint for
// the painter's order. Body frame: x = the person's left, y = down, z = forward; yaw 0 faces the
// camera, so the person's left appears on the image's right, as in MPII.
import { J, NUM_JOINTS } from '../mpii.js';
import type { Appearance } from './builds.js';
import type { LimbAngles, Pose } from './activities.js';

type V3 = [number, number, number];
const rad = Math.PI / 180;
const add = (a: V3, b: V3, s = 1): V3 => [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]];

/** Unit direction of a segment: phi swings forward from hanging, alpha raises it out to `side`. */
function dir(phi: number, alpha: number, side: number): V3 {
  const p = phi * rad, a = alpha * rad;
  return [side * Math.cos(p) * Math.sin(a), Math.cos(p) * Math.cos(a), Math.sin(p)];
}

/** Rotate a body-frame vector by torso pitch (about x, forward) then roll (about z, toward left). */
function torsoRot(v: V3, pitch: number, roll: number): V3 {
  const p = pitch * rad, r = roll * rad;
  // Pitch: the up vector (0,-1,0) tips toward +z (forward); forward tips down.
  const yP = v[1] * Math.cos(p) + v[2] * Math.sin(p);
  const zP = -v[1] * Math.sin(p) + v[2] * Math.cos(p);
  // Roll: up tips toward +x (the person's left).
  const x2 = v[0] * Math.cos(r) - yP * Math.sin(r);
  const y2 = v[0] * Math.sin(r) + yP * Math.cos(r);
  return [x2, y2, zP];
}

export interface Figure3D {
  /** 16 joints in metres, body frame, pelvis at the origin. */
  joints: V3[];
  /** Extra points for drawing: hands and toes (left, right). */
  lHand: V3; rHand: V3; lToe: V3; rToe: V3;
  /** Head height in metres. */
  head: number;
}

export function buildFigure(pose: Pose, look: Appearance): Figure3D {
  const P = look.props;
  const H = look.stature / (1 + P.neck + P.torso + P.thigh + P.shin + 0.25);
  const pitch = pose.pitch + P.stoop;
  const up = torsoRot([0, -1, 0], pitch, pose.roll);
  const lat = torsoRot([1, 0, 0], pitch, pose.roll);
  const hd = torsoRot([0, -1, 0], pitch + pose.headPitch + P.headForward, pose.roll + pose.headRoll);
  const j: V3[] = new Array(NUM_JOINTS);
  const pelvis: V3 = [0, 0, 0];
  j[J.pelvis] = pelvis;
  j[J.lHip] = add(pelvis, lat, P.hipHalf * H);
  j[J.rHip] = add(pelvis, lat, -P.hipHalf * H);
  const thorax = add(pelvis, up, P.torso * H);
  j[J.thorax] = thorax;
  j[J.upperNeck] = add(thorax, hd, P.neck * H);
  j[J.headTop] = add(j[J.upperNeck], hd, H);
  const shoulderDrop = add(thorax, up, -0.08 * H);
  j[J.lShoulder] = add(shoulderDrop, lat, P.shoulderHalf * H);
  j[J.rShoulder] = add(shoulderDrop, lat, -P.shoulderHalf * H);
  const kb = P.kneeBend;
  const limb = (root: V3, a: LimbAngles, side: number, l1: number, l2: number, isLeg: boolean) => {
    const mid = add(root, dir(a.phi1 + (isLeg ? kb * 0.5 : 0), a.alpha1, side), l1 * H);
    const endDir = dir(a.phi2 - (isLeg ? kb * 0.5 : 0), a.alpha2, side);
    return [mid, add(mid, endDir, l2 * H), endDir] as const;
  };
  const [lK, lA] = limb(j[J.lHip], pose.lLeg, 1, P.thigh, P.shin, true);
  const [rK, rA] = limb(j[J.rHip], pose.rLeg, -1, P.thigh, P.shin, true);
  const [lE, lW, lFd] = limb(j[J.lShoulder], pose.lArm, 1, P.upperArm, P.forearm, false);
  const [rE, rW, rFd] = limb(j[J.rShoulder], pose.rArm, -1, P.upperArm, P.forearm, false);
  j[J.lKnee] = lK; j[J.lAnkle] = lA; j[J.rKnee] = rK; j[J.rAnkle] = rA;
  j[J.lElbow] = lE; j[J.lWrist] = lW; j[J.rElbow] = rE; j[J.rWrist] = rW;
  const toe = (ankle: V3): V3 => add(add(ankle, [0, 1, 0], 0.15 * H), [0, 0, 1], 0.75 * H);
  return { joints: j, lHand: add(lW, lFd, 0.35 * H), rHand: add(rW, rFd, 0.35 * H), lToe: toe(lA), rToe: toe(rA), head: H };
}

export interface Projected {
  /** 16 joints in image pixels. */
  xy: [number, number][];
  /** Depth toward the camera per joint (larger = nearer), metres. */
  z: number[];
  lHand: [number, number, number]; rHand: [number, number, number]; lToe: [number, number, number]; rToe: [number, number, number];
  /** Pixels per metre. */
  ppm: number;
}

/** Orthographic view: yaw about the vertical, spin in the image plane, then scale and place so the
 * lowest point sits at `groundY` minus `lift` (or the body centre at `centerY` when given). */
export function project(fig: Figure3D, yaw: number, spin: number, ppm: number, x: number, groundY: number, liftPx: number): Projected {
  const cy = Math.cos(yaw * rad), sy = Math.sin(yaw * rad);
  const cs = Math.cos(spin * rad), ss = Math.sin(spin * rad);
  const view = (v: V3): [number, number, number] => {
    const vx = v[0] * cy + v[2] * sy;
    const vz = -v[0] * sy + v[2] * cy;
    return [(vx * cs - v[1] * ss) * ppm, (vx * ss + v[1] * cs) * ppm, vz];
  };
  const pts = fig.joints.map(view);
  const extra = [fig.lHand, fig.rHand, fig.lToe, fig.rToe].map(view);
  let maxY = -Infinity, minX = Infinity, maxX = -Infinity;
  for (const p of [...pts, ...extra]) { maxY = Math.max(maxY, p[1]); minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]); }
  // The pelvis sits at x for upright people; lying or planked figures are centred on their extent.
  const ox = Math.abs(spin) > 30 ? x - (minX + maxX) / 2 : x;
  const oy = groundY - liftPx - maxY;
  const place = (p: [number, number, number]): [number, number, number] => [p[0] + ox, p[1] + oy, p[2]];
  const placed = pts.map(place);
  const [lHand, rHand, lToe, rToe] = extra.map(place);
  return { xy: placed.map((p) => [p[0], p[1]] as [number, number]), z: placed.map((p) => p[2]), lHand, rHand, lToe, rToe, ppm };
}
