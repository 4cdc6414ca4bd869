// From records + images to GPU batches: pixels [B,3,S,S] in [0,1], heatmaps rasterised on the GPU
// from the records' keypoints, token ids and masks. The epoch order is a seeded permutation derived
// from (seed, epoch), so a resumed run visits exactly the samples an uninterrupted one would.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/rng.js';
import { resizeBilinear, toCHW, type RGBAImage } from '../data/image.js';
import type { PoseRecord, RecordPerson } from '../data/record.js';
import type { Person } from '../data/mpii.js';
import { heatmapsFromPeople } from '../model/heatmaps.js';
import type { HeatmapMode } from '../data/heatmap-ref.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import type { Batch } from '../model/focusclip.js';

/** What training reads of a record: the image name, the caption and the people's keypoints
 *  (a PoseRecord has them; so has a shard's sample). */
export type TrainRecord = Pick<PoseRecord, 'image' | 'description'> & { people: readonly Pick<RecordPerson, 'kpts' | 'kpts_vis'>[] };

export interface TrainExample {
  image: RGBAImage;
  record: TrainRecord;
}

/** In-memory training set at the model's resolution; keypoints are rescaled to it. */
export class TrainSet {
  readonly people: Person[][];
  readonly texts: string[];
  readonly images: RGBAImage[];

  constructor(
    examples: readonly TrainExample[],
    readonly imageSize: number,
  ) {
    if (!examples.length) throw new Error('The training set is empty.');
    this.images = [];
    this.people = [];
    this.texts = [];
    examples.forEach(({ image, record }, i) => {
      const sx = imageSize / image.width;
      const sy = imageSize / image.height;
      this.images.push(resizeBilinear(image, imageSize, imageSize));
      this.people.push(
        record.people.map((p) => ({
          kpts: p.kpts.map(([x, y]) => [x * sx, y * sy] as [number, number]),
          vis: [...p.kpts_vis],
        })),
      );
      if (!record.description?.trim()) throw new Error(`Training record ${i} (${record.image}) has an empty description.`);
      this.texts.push(record.description);
    });
  }

  /** From a dataset that keeps records and images side by side (what `generateDataset` returns). */
  static fromDataset(ds: { records: readonly TrainRecord[]; images: readonly RGBAImage[] }, imageSize: number): TrainSet {
    if (ds.records.length !== ds.images.length) throw new Error(`The dataset has ${ds.records.length} records but ${ds.images.length} images; they must pair up one to one.`);
    return new TrainSet(ds.records.map((record, i) => ({ record, image: ds.images[i] })), imageSize);
  }

  get size(): number {
    return this.images.length;
  }

  /** The sample order of an epoch (a pure function of seed and epoch). */
  epochOrder(seed: number, epoch: number): number[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    return new Rng((seed * 7919 + epoch * 104729 + 1) >>> 0).shuffle(order);
  }
}

export interface BatchOptions {
  tokenizer: WordPieceTokenizer;
  contextLength: number;
  /** Rasterise heatmaps (FocusCLIP); CLIP batches skip them. */
  heatmaps: boolean;
  heatmapMode?: HeatmapMode;
}

/** Upload one batch; every tensor is created in the caller's scope. */
export function makeBatch(e: Engine, set: TrainSet, indices: readonly number[], opts: BatchOptions): Batch {
  const S = set.imageSize;
  const B = indices.length;
  const pixels = new Float32Array(B * 3 * S * S);
  indices.forEach((idx, b) => toCHW(set.images[idx], pixels, b * 3 * S * S));
  const enc = opts.tokenizer.encode(
    indices.map((i) => set.texts[i]),
    opts.contextLength,
  );
  const batch: Batch = {
    pixels: e.tensor(pixels, [B, 3, S, S]),
    ids: e.tensor(enc.ids, [B, opts.contextLength]),
    mask: e.tensor(enc.mask, [B, opts.contextLength]),
  };
  if (opts.heatmaps) batch.heatmap = batchHeatmaps(e, set, indices, opts.heatmapMode);
  return batch;
}

/** The ROI heatmaps [B, 1, S, S] of some samples, rasterised on the GPU from their keypoints. */
export function batchHeatmaps(e: Engine, set: TrainSet, indices: readonly number[], mode?: HeatmapMode): Tensor {
  const S = set.imageSize;
  return heatmapsFromPeople(
    e,
    indices.map((i) => set.people[i]),
    indices.map(() => ({ width: S, height: S })),
    { width: S, height: S, mode },
  );
}
