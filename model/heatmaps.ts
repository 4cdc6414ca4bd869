// The model's ROI heatmaps from people records: pack on the host (data/pack-keypoints.ts), upload,
// rasterise on the GPU (e.nn.heatmaps, kernels/heatmap.ts).

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { NUM_JOINTS, type Person } from '../data/mpii.js';
import { packKeypoints, type ImageSize, type PackOptions } from '../data/pack-keypoints.js';
import type { RasterOptions } from '../ops/nn.js';

/** Pack, upload and rasterise in one call; the temporaries are released. */
export function heatmapsFromPeople(
  e: Engine,
  samples: readonly (readonly Person[])[],
  sizes: readonly ImageSize[],
  opts: RasterOptions & PackOptions,
): Tensor {
  const packed = packKeypoints(samples, sizes, opts);
  const kp = e.tensor(packed.keypoints, [packed.batch, packed.maxPeople, NUM_JOINTS, 3]);
  const sz = e.tensor(packed.sizes, [packed.batch, 2]);
  const out = e.noGrad(() => e.nn.heatmaps(kp, sz, opts));
  kp.dispose();
  sz.dispose();
  return out;
}
