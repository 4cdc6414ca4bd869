// Batches from shards, with prefetch and seeded shuffling. Each epoch visits the shards in a
// seeded order and the samples of each shard in a seeded order (leftovers carry into the next
// shard's batches), while the next shard is already being read and decoded: in steady state the
// consumer only waits for a memcpy-sized conversion to floats. The source abstracts where shard
// bytes come from (files in Node, fetch in the browser, memory for generated data).
import { Rng } from '../engine/rng.js';
import { NUM_JOINTS } from './mpii.js';
import { decodeShard, type Shard, type ShardIndex, type ShardMeta } from './shards.js';

export interface ShardSource {
  index: ShardIndex;
  read(i: number): Promise<Uint8Array>;
}

export function memorySource(index: ShardIndex, shards: Uint8Array[]): ShardSource {
  return { index, read: async (i) => shards[i] };
}

export interface HostBatch {
  size: number;
  /** [B, 3, H, W] in [0, 1]. */
  pixels: Float32Array;
  /** [B, maxPeople, 16, 3]: x, y in training-size pixels, visibility. */
  keypoints: Float32Array;
  /** People per sample (rows beyond it in `keypoints` are zeros). */
  counts: Int32Array;
  texts: string[];
  labels: Record<string, string>[];
  images: string[];
}

export interface LoaderOptions { batchSize: number; seed?: number; shuffle?: boolean; dropLast?: boolean }

export class Loader {
  readonly width: number;
  readonly height: number;
  readonly maxPeople: number;
  constructor(readonly source: ShardSource, readonly opts: LoaderOptions) {
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
    const ix = source.index;
    if (ix.format !== 'focusclip-shards') throw new Error(`not a FocusCLIP shard index (format ${JSON.stringify(ix.format)})`);
    this.width = ix.width; this.height = ix.height; this.maxPeople = ix.maxPeople;
  }

  get count() { return this.source.index.count; }
  batchesPerEpoch() { return this.opts.dropLast ? Math.floor(this.count / this.opts.batchSize) : Math.ceil(this.count / this.opts.batchSize); }

  private async load(i: number): Promise<Shard> {
    const s = decodeShard(await this.source.read(i), this.source.index.shards[i].file);
    if (s.width !== this.width || s.height !== this.height || s.maxPeople !== this.maxPeople) {
      throw new Error(`${this.source.index.shards[i].file}: ${s.width}x${s.height} maxPeople ${s.maxPeople} differs from the index (${this.width}x${this.height}, ${this.maxPeople})`);
    }
    return s;
  }

  /** All batches of one epoch; the order depends only on (seed, epoch). */
  async *epoch(epoch = 0): AsyncGenerator<HostBatch> {
    const shuffle = this.opts.shuffle ?? true;
    const rng = new Rng(((this.opts.seed ?? 0) * 1_000_003 + epoch * 7919 + 1) >>> 0);
    const order = this.source.index.shards.map((_, i) => i);
    if (shuffle) rng.shuffle(order);
    const B = this.opts.batchSize;
    let pending: { shard: Shard; i: number }[] = [];
    let next: Promise<Shard> | undefined = order.length ? this.load(order[0]) : undefined;
    for (let k = 0; k < order.length; k++) {
      const shard = await next!;
      // Prefetch: start reading the following shard before handing out this one's batches.
      next = k + 1 < order.length ? this.load(order[k + 1]) : undefined;
      const idx = Array.from({ length: shard.count }, (_, i) => i);
      if (shuffle) rng.shuffle(idx);
      for (const i of idx) {
        pending.push({ shard, i });
        if (pending.length === B) { yield this.assemble(pending); pending = []; }
      }
    }
    if (pending.length && !this.opts.dropLast) yield this.assemble(pending);
  }

  private assemble(items: { shard: Shard; i: number }[]): HostBatch {
    const B = items.length, W = this.width, H = this.height, n = W * H, kp = this.maxPeople * NUM_JOINTS * 3;
    const pixels = new Float32Array(B * 3 * n);
    const keypoints = new Float32Array(B * kp);
    const counts = new Int32Array(B);
    const texts: string[] = [], labels: Record<string, string>[] = [], images: string[] = [];
    const inv = 1 / 255;
    items.forEach(({ shard, i }, b) => {
      const src = shard.pixels, so = i * n * 3, dst = b * 3 * n;
      for (let p = 0; p < n; p++) {
        pixels[dst + p] = src[so + 3 * p] * inv;
        pixels[dst + n + p] = src[so + 3 * p + 1] * inv;
        pixels[dst + 2 * n + p] = src[so + 3 * p + 2] * inv;
      }
      keypoints.set(shard.keypoints.subarray(i * kp, (i + 1) * kp), b * kp);
      const m: ShardMeta = shard.meta[i];
      counts[b] = Math.min(m.count, this.maxPeople);
      texts.push(m.text); labels.push(m.labels); images.push(m.image);
    });
    return { size: B, pixels, keypoints, counts, texts, labels, images };
  }
}
