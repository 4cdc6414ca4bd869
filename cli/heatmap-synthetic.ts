// A simple synthetic sample for `focusclip heatmap --synthetic <seed>`: one or two stick figures in
// random poses on a plain background, with their keypoints, so the command works without any file.
// (Not the dataset generator: just enough of a picture to see the heatmap and the focusing.)
import { Rng } from '../engine/rng.js';
import { BONES, J, NUM_JOINTS, type Person } from '../data/mpii.js';
import { createImage, drawDisc, drawLine, type RGBAImage } from '../data/image.js';

/** A front-facing standing pose in body-height units, pelvis at the origin, y down. */
const TEMPLATE: Record<number, [number, number]> = {
  [J.pelvis]: [0, 0], [J.thorax]: [0, -0.42], [J.upperNeck]: [0, -0.5], [J.headTop]: [0, -0.68],
  [J.rShoulder]: [-0.13, -0.4], [J.rElbow]: [-0.2, -0.2], [J.rWrist]: [-0.24, 0.0],
  [J.lShoulder]: [0.13, -0.4], [J.lElbow]: [0.2, -0.2], [J.lWrist]: [0.24, 0.0],
  [J.rHip]: [-0.08, 0.02], [J.rKnee]: [-0.1, 0.3], [J.rAnkle]: [-0.11, 0.58],
  [J.lHip]: [0.08, 0.02], [J.lKnee]: [0.1, 0.3], [J.lAnkle]: [0.11, 0.58],
};

/** Parent of each joint in a tree rooted at the pelvis (for bending limbs). */
const PARENT: Record<number, number> = {
  [J.thorax]: J.pelvis, [J.upperNeck]: J.thorax, [J.headTop]: J.upperNeck,
  [J.rShoulder]: J.thorax, [J.rElbow]: J.rShoulder, [J.rWrist]: J.rElbow,
  [J.lShoulder]: J.thorax, [J.lElbow]: J.lShoulder, [J.lWrist]: J.lElbow,
  [J.rHip]: J.pelvis, [J.rKnee]: J.rHip, [J.rAnkle]: J.rKnee,
  [J.lHip]: J.pelvis, [J.lKnee]: J.lHip, [J.lAnkle]: J.lKnee,
};
const ORDER = [J.pelvis, J.thorax, J.upperNeck, J.headTop, J.rShoulder, J.rElbow, J.rWrist, J.lShoulder, J.lElbow, J.lWrist, J.rHip, J.rKnee, J.rAnkle, J.lHip, J.lKnee, J.lAnkle];

/** A random pose: each bone turned by up to `bend` radians relative to its parent. */
export function syntheticPerson(rng: Rng, cx: number, cy: number, height: number, bend = 0.5): Person {
  const angle = new Array<number>(NUM_JOINTS).fill(0);
  const pos = new Array<[number, number]>(NUM_JOINTS);
  angle[J.pelvis] = rng.uniform(-0.15, 0.15);
  pos[J.pelvis] = [cx, cy];
  for (const j of ORDER.slice(1)) {
    const par = PARENT[j];
    // Arms and legs swing more than the spine.
    const limb = ![J.thorax, J.upperNeck, J.headTop, J.rShoulder, J.lShoulder, J.rHip, J.lHip].includes(j as never);
    angle[j] = angle[par] + (limb ? rng.uniform(-bend, bend) : 0);
    const dx = (TEMPLATE[j][0] - TEMPLATE[par][0]) * height;
    const dy = (TEMPLATE[j][1] - TEMPLATE[par][1]) * height;
    const c = Math.cos(angle[j]);
    const s = Math.sin(angle[j]);
    pos[j] = [Math.round((pos[par][0] + c * dx - s * dy) * 2) / 2, Math.round((pos[par][1] + s * dx + c * dy) * 2) / 2];
  }
  return { kpts: pos, vis: new Array(NUM_JOINTS).fill(1) };
}

/** One or two figures drawn on a soft background; keypoints are exact pixel positions. */
export function stickFigureSample(seed: number, width = 320, height = 240): { image: RGBAImage; people: Person[] } {
  const rng = new Rng(seed);
  const image = createImage(width, height);
  const top = [rng.uniform(90, 140), rng.uniform(110, 160), rng.uniform(140, 200)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = y / height;
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) image.data[i + c] = Math.round(top[c] * (1 - t) + 70 * t + 12 * Math.sin(x / 9 + c));
    }
  }
  const count = 1 + rng.int(2);
  const people: Person[] = [];
  for (let k = 0; k < count; k++) {
    const h = rng.uniform(0.55, 0.75) * height;
    const cx = ((k + 0.5) / count) * width + rng.uniform(-0.08, 0.08) * width;
    people.push(syntheticPerson(rng, cx, height * 0.52, h));
  }
  for (const person of people) {
    const colour = [rng.uniform(180, 255), rng.uniform(60, 200), rng.uniform(20, 120)];
    const thick = Math.max(2, height / 40);
    for (const [a, b] of BONES) drawLine(image, ...person.kpts[a], ...person.kpts[b], colour, thick);
    const [hx, hy] = person.kpts[J.headTop];
    const [nx, ny] = person.kpts[J.upperNeck];
    drawDisc(image, (hx + nx) / 2, (hy + ny) / 2, Math.hypot(hx - nx, hy - ny) * 0.6, colour);
  }
  return { image, people };
}
