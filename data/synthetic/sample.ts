// People from the synthetic generator for tools that need them without files: one picture with its
// people from a seed (`focusclip heatmap --synthetic`), and posed people without a picture (the
// heatmap benchmark). Both draw on the same activities, builds and skeleton as the dataset.
import { Rng } from '../../engine/rng.js';
import { NUM_JOINTS, type Person } from '../mpii.js';
import type { RGBAImage } from '../image.js';
import { ACTIVITIES, samplePose } from './activities.js';
import { TRAIN_BACKGROUNDS } from './background.js';
import { AGE_GROUPS, sampleAppearance, type AgeGroup } from './builds.js';
import { trainingActivities } from './generate.js';
import { renderScene } from './scene.js';
import { buildFigure, project } from './skeleton.js';

/** One or two people of a training activity on a training background, no clutter, occluders or crops. */
export function syntheticSample(seed: number, width = 320, height = 240): { image: RGBAImage; people: Person[] } {
  const rng = new Rng(seed);
  const activity = rng.pick(trainingActivities());
  const ages: AgeGroup[] = Array.from({ length: 1 + rng.int(2) }, () => rng.pick(AGE_GROUPS));
  const scene = renderScene(rng, {
    width, height, activity, ages, backgrounds: TRAIN_BACKGROUNDS, framing: 'train', clutter: 0, distractors: 0, occlusion: 0, crop: 0,
  });
  const people = scene.people.map((p) => ({ kpts: p.kpts, vis: p.kpts_vis, center: p.center, scale: p.scale }));
  return { image: scene.image, people };
}

/** A person of any activity, `statPx` pixels tall, feet at (x, groundY), every joint visible: keypoints only. */
export function posedPerson(rng: Rng, x: number, groundY: number, statPx: number): Person {
  const look = sampleAppearance(rng, rng.pick(AGE_GROUPS));
  const pose = samplePose(rng, rng.pick(ACTIVITIES));
  const yaw = rng.uniform(-70, 70);
  const spin = pose.spinFollowsYaw && yaw < 0 ? -pose.spin : pose.spin;
  const pr = project(buildFigure(pose, look), yaw, spin, statPx / look.stature, x, groundY, pose.lift * statPx);
  return { kpts: pr.xy, vis: new Array(NUM_JOINTS).fill(1) };
}
