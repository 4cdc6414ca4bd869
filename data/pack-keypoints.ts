// People records -> the heatmap kernel's input arrays (kernels/heatmap.ts), on the host: keypoints
// [batch, maxPeople, 16, 3] and source sizes [batch, 2].

import { JOINT_NAMES, NUM_JOINTS, type Person } from './mpii.js';

export interface ImageSize {
  width: number;
  height: number;
}

export interface PackOptions {
  /** People slots per sample (default: the most people in any sample, at least 1). */
  maxPeople?: number;
}

export interface PackedKeypoints {
  /** [batch, maxPeople, 16, 3] as {x, y, visible}; padding people and invisible joints are zeros. */
  keypoints: Float32Array;
  /** [batch, 2] as (width, height). */
  sizes: Float32Array;
  batch: number;
  maxPeople: number;
}

/**
 * Host-side packer: people per sample + source image sizes -> the kernel's input arrays. Visible
 * joints must have finite coordinates (an error names sample, person and joint); invisible joints'
 * coordinates are ignored (MPII stores -1 or garbage there).
 */
export function packKeypoints(samples: readonly (readonly Person[])[], sizes: readonly ImageSize[], opts: PackOptions = {}): PackedKeypoints {
  if (samples.length !== sizes.length) {
    throw new Error(`packKeypoints: ${samples.length} samples of people but ${sizes.length} image sizes; give one size per sample.`);
  }
  const most = samples.reduce((m, s) => Math.max(m, s.length), 0);
  const maxPeople = opts.maxPeople ?? Math.max(1, most);
  if (!(Number.isInteger(maxPeople) && maxPeople >= 1)) throw new Error(`packKeypoints: maxPeople must be a positive integer, got ${maxPeople}.`);
  const batch = samples.length;
  const keypoints = new Float32Array(batch * maxPeople * NUM_JOINTS * 3);
  const sz = new Float32Array(batch * 2);
  samples.forEach((people, b) => {
    const { width, height } = sizes[b];
    if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1 && width < 2 ** 24 && height < 2 ** 24)) {
      throw new Error(`packKeypoints: sample ${b} has image size ${width} x ${height}; sizes must be positive integers (pixels).`);
    }
    sz[2 * b] = width;
    sz[2 * b + 1] = height;
    if (people.length > maxPeople) {
      throw new Error(`packKeypoints: sample ${b} has ${people.length} people but maxPeople is ${maxPeople}; raise maxPeople or drop people from that sample.`);
    }
    people.forEach((person, p) => {
      if (person.kpts?.length !== NUM_JOINTS || person.vis?.length !== NUM_JOINTS) {
        throw new Error(`packKeypoints: sample ${b}, person ${p} has ${person.kpts?.length} joints and ${person.vis?.length} visibility flags; MPII people need ${NUM_JOINTS} of each.`);
      }
      for (let j = 0; j < NUM_JOINTS; j++) {
        const v = person.vis[j];
        if (!(v > 0)) continue;
        const [x, y] = person.kpts[j];
        if (!Number.isFinite(x) || !Number.isFinite(y)) {
          throw new Error(`packKeypoints: sample ${b}, person ${p}, joint ${j} (${JOINT_NAMES[j]}) is visible at (${x}, ${y}), which is not finite; fix the record or mark the joint invisible (vis 0).`);
        }
        const o = ((b * maxPeople + p) * NUM_JOINTS + j) * 3;
        keypoints[o] = x;
        keypoints[o + 1] = y;
        keypoints[o + 2] = 1;
      }
    });
  });
  return { keypoints, sizes: sz, batch, maxPeople };
}
