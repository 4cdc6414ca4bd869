// One synthetic picture: background and clutter, one to three people doing the same activity
// (far ones first), their props, foreground occluders, then visibility from the owner layer:
// a joint is visible when it is inside the frame and still owned by its person.
import type { Rng } from '../../engine/rng.js';
import { J, NUM_JOINTS } from '../mpii.js';
import type { RGBAImage } from '../image.js';
import type { RecordPerson } from '../record.js';
import { samplePose, type Activity } from './activities.js';
import { drawClutter, drawLimbDistractors, fillBackground, type Background } from './background.js';
import { sampleAppearance, type AgeGroup, type Appearance, type ColourName } from './builds.js';
import { Canvas } from './raster.js';
import { drawPerson } from './person.js';
import { buildFigure, project, type Projected } from './skeleton.js';

export interface SceneOptions {
  width: number;
  height: number;
  activity: Activity;
  /** Ages of the people, main subject first (its length is the number of people). */
  ages: AgeGroup[];
  /** Force the main subject's shirt colour (clothing evaluation). */
  shirt?: ColourName;
  backgrounds: readonly Background[];
  /** 'train': varied size and position, some crops; 'eval': the subject centred and large, like a person-box crop. */
  framing: 'train' | 'eval';
  clutter: number;
  distractors: number;
  /** Probability of a foreground occluder over the main subject. */
  occlusion: number;
  /** Probability of framing the main subject so that some joints fall outside the picture. */
  crop: number;
}

export interface Scene {
  image: RGBAImage;
  people: RecordPerson[];
  looks: Appearance[];
  /** The background family drawn (the background-shift probe measures its correlation with the label). */
  background: Background;
}

function viewYaw(rng: Rng, view: 'front' | 'side' | 'any'): number {
  const back = rng.next() < 0.15 ? 180 : 0;
  if (view === 'front') return back + rng.normal() * 18;
  if (view === 'side') return (rng.next() < 0.5 ? 1 : -1) * rng.uniform(50, 90);
  return back + rng.uniform(-70, 70);
}

const fwdSign = (yaw: number) => (Math.sin((yaw * Math.PI) / 180) >= 0 ? 1 : -1);

function drawPropBehind(cv: Canvas, prop: string | undefined, pr: Projected, yaw: number, groundY: number, statPx: number) {
  const p = pr.xy;
  const f = fwdSign(yaw);
  if (prop === 'chair') {
    const seatY = Math.max(p[J.lHip][1], p[J.rHip][1]) + 0.04 * statPx;
    const x0 = Math.min(p[J.lHip][0], p[J.rHip][0], p[J.lKnee][0], p[J.rKnee][0]) - 0.05 * statPx;
    const x1 = Math.max(p[J.lHip][0], p[J.rHip][0], p[J.lKnee][0], p[J.rKnee][0]) + 0.05 * statPx;
    const wood = [110, 75, 45];
    cv.rect(x0, seatY, x1, seatY + 0.04 * statPx, wood, 0);
    cv.capsule(x0 + 2, seatY, x0 + 2, groundY, 0.015 * statPx, wood, 0);
    cv.capsule(x1 - 2, seatY, x1 - 2, groundY, 0.015 * statPx, wood, 0);
    const bx = Math.abs(Math.sin((yaw * Math.PI) / 180)) > 0.5 ? p[J.pelvis][0] - f * 0.12 * statPx : p[J.pelvis][0];
    const half = Math.abs(Math.sin((yaw * Math.PI) / 180)) > 0.5 ? 0.02 * statPx : (x1 - x0) / 2;
    cv.rect(bx - half, seatY - 0.3 * statPx, bx + half, seatY, wood, 0, 0.2);
  } else if (prop === 'bicycle') {
    const R = 0.2 * statPx;
    const rear = [p[J.pelvis][0] - f * 0.25 * statPx, groundY - R], front = [(p[J.lWrist][0] + p[J.rWrist][0]) / 2 + f * 0.18 * statPx, groundY - R];
    const metal = [60, 60, 70], frame = [200, 30, 30];
    cv.ring(rear[0], rear[1], R, Math.max(1, 0.015 * statPx), metal, 0);
    cv.ring(front[0], front[1], R, Math.max(1, 0.015 * statPx), metal, 0);
    const w = Math.max(0.7, 0.012 * statPx);
    const seat = [p[J.pelvis][0], p[J.pelvis][1] + 0.03 * statPx], bar = [(p[J.lWrist][0] + p[J.rWrist][0]) / 2, (p[J.lWrist][1] + p[J.rWrist][1]) / 2];
    const crank = [(rear[0] + front[0]) / 2, groundY - R * 0.9];
    for (const [a, b] of [[rear, seat], [seat, bar], [bar, front], [rear, crank], [crank, seat], [crank, bar]]) cv.capsule(a[0], a[1], b[0], b[1], w, frame, 0, 0);
  } else if (prop === 'ladder') {
    const x = Math.max(p[J.lWrist][0], p[J.rWrist][0]) * (f > 0 ? 1 : 0) + Math.min(p[J.lWrist][0], p[J.rWrist][0]) * (f > 0 ? 0 : 1);
    const top = Math.min(p[J.lWrist][1], p[J.rWrist][1]) - 0.15 * statPx;
    const wood = [150, 110, 60], w = Math.max(0.7, 0.015 * statPx);
    cv.capsule(x - 0.03 * statPx, groundY, x - 0.03 * statPx, top, w, wood, 0, 0);
    cv.capsule(x + 0.05 * statPx, groundY, x + 0.05 * statPx, top, w, wood, 0, 0);
    for (let y = groundY - 0.15 * statPx; y > top; y -= 0.16 * statPx) cv.capsule(x - 0.05 * statPx, y, x + 0.07 * statPx, y, w * 0.8, wood, 0, 0);
  }
}

function drawPropFront(cv: Canvas, rng: Rng, prop: string | undefined, pr: Projected, statPx: number) {
  const p = pr.xy;
  if (prop === 'box') {
    const cx = (p[J.lWrist][0] + p[J.rWrist][0]) / 2, cy = (p[J.lWrist][1] + p[J.rWrist][1]) / 2;
    const s = 0.13 * statPx;
    cv.rect(cx - s, cy - s * 0.6, cx + s, cy + s * 0.9, [170 + rng.uniform(-20, 20), 130, 80], 255, 0.3);
  } else if (prop === 'ball-foot' || prop === 'ball-hand') {
    const pts = prop === 'ball-foot' ? [pr.lToe, pr.rToe] : [pr.lHand, pr.rHand];
    const q = prop === 'ball-foot' ? (pts[0][2] > pts[1][2] ? pts[0] : pts[1]) : (pts[0][1] < pts[1][1] ? pts[0] : pts[1]);
    cv.disc(q[0], q[1] - (prop === 'ball-foot' ? 0.04 * statPx : 0), 0.06 * statPx, [rng.uniform(150, 255), rng.uniform(50, 255), rng.uniform(0, 100)]);
  }
}

export function renderScene(rng: Rng, o: SceneOptions): Scene {
  const { width: W, height: H } = o;
  const cv = new Canvas(W, H);
  const background = rng.pick(o.backgrounds);
  const floorY = fillBackground(cv, rng, background);
  drawClutter(cv, rng, o.clutter, floorY);

  // Place the people: main subject per framing, extras smaller and further back (higher feet).
  const n = o.ages.length;
  type Placed = { look: Appearance; pose: ReturnType<typeof samplePose>; yaw: number; statPx: number; x: number; ground: number; depth: number; fit: boolean };
  const placed: Placed[] = [];
  for (let k = 0; k < n; k++) {
    const look = sampleAppearance(rng, o.ages[k], k === 0 ? o.shirt : undefined);
    const pose = samplePose(rng, o.activity);
    const yaw = viewYaw(rng, pose.view);
    let rel: number, x: number, ground: number, fit = true;
    if (k === 0) {
      const cropped = rng.next() < o.crop;
      fit = !cropped;
      rel = o.framing === 'eval' ? rng.uniform(0.75, 0.95) : cropped ? rng.uniform(1.0, 1.5) : rng.uniform(0.45, 0.9);
      x = W * (o.framing === 'eval' ? rng.uniform(0.4, 0.6) : cropped ? rng.uniform(0.15, 0.85) : rng.uniform(0.25, 0.75));
      ground = o.framing === 'eval' ? H * rng.uniform(0.93, 0.99) : cropped ? H * rng.uniform(0.85, 1.4) : Math.min(H * 0.98, Math.max(H * rel + 2, floorY + rng.uniform(0.1, 0.9) * (H - floorY)));
    } else {
      rel = rng.uniform(0.35, 0.75);
      const side = placed[0].x < W / 2 ? 1 : -1;
      x = Math.min(W * 0.9, Math.max(W * 0.1, placed[0].x + side * W * rng.uniform(0.15, 0.45) * (rng.next() < 0.2 ? -1 : 1)));
      ground = Math.max(H * rel, floorY + (H - floorY) * rng.uniform(0.05, 0.6));
    }
    // Kids are shorter than adults next to them: scale by stature relative to an adult's 1.75 m.
    const statPx = rel * H * (k === 0 ? 1 : look.stature / 1.75) * (Math.abs(pose.spin) > 30 ? 0.8 : 1);
    placed.push({ look, pose, yaw, statPx, x, ground, depth: ground, fit });
  }
  const order = placed.map((_, k) => k).sort((a, b) => placed[a].depth - placed[b].depth || b - a);

  const limbPx = (placed[0].statPx / 7.5) * 1.6;
  drawLimbDistractors(cv, rng, o.distractors, limbPx);

  const proj: Projected[] = new Array(n);
  for (const k of order) {
    const pl = placed[k];
    const fig = buildFigure(pl.pose, pl.look);
    const ppm = pl.statPx / pl.look.stature;
    const spin = pl.pose.spinFollowsYaw ? pl.pose.spin * fwdSign(pl.yaw) : pl.pose.spin;
    let pr = project(fig, pl.yaw, spin, ppm, pl.x, pl.ground, pl.pose.lift * pl.statPx);
    if (pl.fit) {
      // Raised arms, jumps and lying figures can leave the frame: shrink and shift to fit unless
      // this subject was deliberately cropped.
      const pts = [...pr.xy, pr.lHand, pr.rHand, pr.lToe, pr.rToe];
      const xs = pts.map((q) => q[0]), ys = pts.map((q) => q[1]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const m = 0.03 * Math.min(W, H);
      const f = Math.min(1, (W - 2 * m) / (x1 - x0 || 1), (H - 2 * m) / (y1 - y0 || 1));
      pl.statPx *= f;
      const dx = Math.max(0, m - (pl.x + (x0 - pl.x) * f)) - Math.max(0, pl.x + (x1 - pl.x) * f - (W - m));
      const top = pl.ground - (pl.ground - y0) * f;
      const dy = Math.max(0, m - top);
      pl.x += dx;
      pl.ground += dy;
      pr = project(fig, pl.yaw, spin, ppm * f, pl.x, pl.ground, pl.pose.lift * pl.statPx);
    }
    proj[k] = pr;
    drawPropBehind(cv, pl.pose.prop, pr, pl.yaw, pl.ground, pl.statPx);
    drawPerson(cv, pr, pl.look, fig.head, pl.yaw, k + 1);
    drawPropFront(cv, rng, pl.pose.prop, pr, pl.statPx);
  }

  // Foreground occluders over the main subject: a counter hiding the legs or a post crossing it.
  if (rng.next() < o.occlusion) {
    const p = proj[0].xy;
    const col = [rng.uniform(40, 220), rng.uniform(40, 220), rng.uniform(40, 220)];
    if (rng.next() < 0.6) {
      const top = p[J.pelvis][1] + rng.uniform(-0.1, 0.35) * placed[0].statPx;
      const half = placed[0].statPx * rng.uniform(0.3, 0.8);
      cv.rect(placed[0].x - half + rng.uniform(-0.2, 0.2) * half, top, placed[0].x + half, H + 2, col, 255, 0.25);
    } else {
      const x = p[J.pelvis][0] + rng.uniform(-0.2, 0.2) * placed[0].statPx;
      cv.capsule(x, -2, x + rng.uniform(-0.1, 0.1) * W, H + 2, placed[0].statPx * rng.uniform(0.04, 0.1), col, 255);
    }
  }

  const people: RecordPerson[] = placed.map((pl, k) => {
    const xy = proj[k].xy;
    const vis = xy.map(([x, y]) => (cv.ownerAt(x, y) === k + 1 ? 1 : 0));
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const [x, y] of xy) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    const r2 = (v: number) => Math.round(v * 100) / 100;
    return {
      id: k,
      center: [r2((x0 + x1) / 2), r2((y0 + y1) / 2)],
      scale: r2(Math.max(y1 - y0, x1 - x0) * 1.1 / 200) || 0.01,
      kpts: xy.map(([x, y]) => [r2(x), r2(y)] as [number, number]),
      kpts_vis: vis.length === NUM_JOINTS ? vis : vis,
      attrs: { age: pl.look.age, shirt: pl.look.shirtName, trousers: pl.look.trousersName, sleeves: pl.look.longSleeves ? 'long' : 'short', legs: pl.look.shorts ? 'shorts' : 'trousers' },
    };
  });
  return { image: cv.toImage(), people, looks: placed.map((p) => p.look), background };
}
