// Draws one projected figure: shaded capsules for limbs, a polygon plus capsule for the torso (so it
// keeps some thickness side-on), an ellipse head with hair, in painter's order by depth. Clothing
// follows the appearance (sleeves, shorts). Every part claims its pixels for the person's owner
// id; the joints are stamped too, so that thin limbs of small far-away people keep their joints
// until something else is drawn over them.
import { J } from '../mpii.js';
import type { Appearance } from './builds.js';
import type { Canvas, RGB } from './raster.js';
import type { Projected } from './skeleton.js';

interface Part { z: number; draw: () => void }

export function drawPerson(cv: Canvas, pr: Projected, look: Appearance, headM: number, yaw: number, owner: number): void {
  const H = headM * pr.ppm;
  const g = look.girth;
  const p = pr.xy;
  const z = pr.z;
  const parts: Part[] = [];
  const cap = (a: number, b: number, r: number, c: RGB, dz = 0) =>
    parts.push({ z: (z[a] + z[b]) / 2 + dz, draw: () => cv.capsule(p[a][0], p[a][1], p[b][0], p[b][1], r, c, owner) });
  const capXY = (a: [number, number], b: [number, number, number], za: number, r: number, c: RGB) =>
    parts.push({ z: (za + b[2]) / 2 + 0.001, draw: () => cv.capsule(a[0], a[1], b[0], b[1], r, c, owner) });

  // Torso: shoulders and hips widened by the limb radii, plus a capsule for chest depth.
  const torsoZ = (z[J.pelvis] + z[J.thorax]) / 2;
  parts.push({
    z: torsoZ,
    draw: () => {
      const ext = (a: number, b: number, k: number): [number, number] => {
        const dx = p[a][0] - p[b][0], dy = p[a][1] - p[b][1];
        const l = Math.hypot(dx, dy) || 1;
        return [p[a][0] + (dx / l) * k, p[a][1] + (dy / l) * k];
      };
      const sh = 0.15 * H * g, hp = 0.2 * H * g;
      const quad: [number, number][] = [ext(J.lShoulder, J.rShoulder, sh), ext(J.rShoulder, J.lShoulder, sh), ext(J.rHip, J.lHip, hp), ext(J.lHip, J.rHip, hp)];
      cv.capsule(p[J.pelvis][0], p[J.pelvis][1], p[J.thorax][0], p[J.thorax][1], 0.5 * H * g, look.shirt, owner, 0.25);
      cv.polygon(quad, look.shirt, owner, 0.15);
      // Waist band: trousers start at the hips.
      cv.capsule(p[J.lHip][0], p[J.lHip][1], p[J.rHip][0], p[J.rHip][1], 0.28 * H * g, look.trousers, owner, 0.2);
    },
  });
  cap(J.thorax, J.upperNeck, 0.2 * H * g, look.skin, -0.001);
  // Head and hair.
  const [nx, ny] = p[J.upperNeck], [tx, ty] = p[J.headTop];
  const ang = Math.atan2(ty - ny, tx - nx);
  const back = Math.cos((yaw * Math.PI) / 180) < -0.3;
  parts.push({
    z: (z[J.upperNeck] + z[J.headTop]) / 2 + 0.002,
    draw: () => {
      const cx = (nx + tx) / 2, cy = (ny + ty) / 2;
      cv.ellipse(cx, cy, 0.52 * H, 0.4 * H, ang, look.skin, owner);
      const k = back ? 0.05 : 0.28;
      cv.ellipse(cx + k * (tx - nx), cy + k * (ty - ny), (back ? 0.5 : 0.32) * H, (back ? 0.4 : 0.4) * H, ang, look.hair, owner, 0.2);
    },
  });
  const sleeve = look.longSleeves ? look.shirt : look.skin;
  const shin = look.shorts ? look.skin : look.trousers;
  for (const [sh, el, wr, hand] of [[J.lShoulder, J.lElbow, J.lWrist, pr.lHand], [J.rShoulder, J.rElbow, J.rWrist, pr.rHand]] as const) {
    cap(sh, el, 0.22 * H * g, look.shirt);
    cap(el, wr, 0.17 * H * g, sleeve);
    capXY(p[wr], hand, z[wr], 0.17 * H, look.skin);
  }
  for (const [hip, kn, an, toe] of [[J.lHip, J.lKnee, J.lAnkle, pr.lToe], [J.rHip, J.rKnee, J.rAnkle, pr.rToe]] as const) {
    cap(hip, kn, 0.3 * H * g, look.trousers);
    cap(kn, an, 0.22 * H * g, shin);
    capXY(p[an], toe, z[an], 0.14 * H, look.shoes);
  }
  parts.sort((a, b) => a.z - b.z);
  for (const part of parts) part.draw();
  for (const [x, y] of p) {
    const xi = Math.floor(x), yi = Math.floor(y);
    if (xi >= 0 && yi >= 0 && xi < cv.width && yi < cv.height) cv.layer[yi * cv.width + xi] = owner;
  }
}
