// The MPII skeleton: joint order, the ten body parts of FocusCLIP's heatmap rule, and the bones we
// draw, for the synthetic generator, the describer and the heatmap reference. The joint count and
// the body parts are defined with the heatmap rule's constants in spec/heatmap-rule.ts, which the
// heatmap kernel reads too.

export { NUM_JOINTS, BODY_PARTS } from '../spec/heatmap-rule.js';

export const JOINT_NAMES = [
  'right ankle', 'right knee', 'right hip', 'left hip', 'left knee', 'left ankle',
  'pelvis', 'thorax', 'upper neck', 'head top',
  'right wrist', 'right elbow', 'right shoulder', 'left shoulder', 'left elbow', 'left wrist',
] as const;

export const J = {
  rAnkle: 0, rKnee: 1, rHip: 2, lHip: 3, lKnee: 4, lAnkle: 5, pelvis: 6, thorax: 7, upperNeck: 8, headTop: 9,
  rWrist: 10, rElbow: 11, rShoulder: 12, lShoulder: 13, lElbow: 14, lWrist: 15,
} as const;

/** Bones for drawing skeletons (parent, child). */
export const BONES: readonly [number, number][] = [
  [0, 1], [1, 2], [2, 6], [3, 6], [3, 4], [4, 5], [6, 7], [7, 8], [8, 9],
  [7, 12], [12, 11], [11, 10], [7, 13], [13, 14], [14, 15],
];

/** One person: 16 joints in source-image pixels and visibility flags. */
export interface Person {
  kpts: [number, number][];
  vis: number[];
  center?: [number, number];
  scale?: number;
  id?: number;
}
