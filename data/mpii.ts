// The MPII skeleton: joint order, the ten body parts of FocusCLIP's heatmap rule, and the bones we
// draw. Single source of truth for the heatmap kernel, the synthetic generator and the describer.

export const NUM_JOINTS = 16;

export const JOINT_NAMES = [
  'right ankle', 'right knee', 'right hip', 'left hip', 'left knee', 'left ankle',
  'pelvis', 'thorax', 'upper neck', 'head top',
  'right wrist', 'right elbow', 'right shoulder', 'left shoulder', 'left elbow', 'left wrist',
] as const;

export const J = {
  rAnkle: 0, rKnee: 1, rHip: 2, lHip: 3, lKnee: 4, lAnkle: 5, pelvis: 6, thorax: 7, upperNeck: 8, headTop: 9,
  rWrist: 10, rElbow: 11, rShoulder: 12, lShoulder: 13, lElbow: 14, lWrist: 15,
} as const;

/** FocusCLIP's ten body parts (FOCUSCLIP.md section 2), each a set of joint indices. */
export const BODY_PARTS: readonly { name: string; joints: readonly number[] }[] = [
  { name: 'head', joints: [7, 8, 9, 12, 13] },
  { name: 'torso', joints: [6, 7, 12, 13, 2, 3] },
  { name: 'left upper arm', joints: [13, 14, 7] },
  { name: 'right upper arm', joints: [12, 11, 7] },
  { name: 'left lower arm', joints: [14, 15, 13] },
  { name: 'right lower arm', joints: [11, 10, 12] },
  { name: 'left upper leg', joints: [3, 4, 6] },
  { name: 'right upper leg', joints: [2, 1, 6] },
  { name: 'left lower leg', joints: [4, 5, 3] },
  { name: 'right lower leg', joints: [1, 0, 2] },
];

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
