import { describe, expect, it } from 'vitest';
import { createImage } from './image.js';
import { Loader, memorySource } from './loader.js';
import type { PoseRecord } from './record.js';
import { buildShards, decodeShard, encodeShard, prepareSample } from './shards.js';

/** n records whose image i is filled with colour (i, 2i, 255-i) and whose joint j of person k sits at (i + j, 10k + j). */
function fixture(n: number, w = 20, h = 10) {
  const records: PoseRecord[] = [], images = [];
  for (let i = 0; i < n; i++) {
    const people = Array.from({ length: 1 + (i % 3) }, (_, k) => ({ id: k, center: [5, 5] as [number, number], scale: 0.1, kpts: Array.from({ length: 16 }, (_, j) => [i + j, 10 * k + j] as [number, number]), kpts_vis: Array.from({ length: 16 }, (_, j) => (j === 9 ? 0 : 1)) }));
    records.push({ image: `im${i}.png`, activity: 'sports, run', count: people.length, istrain: true, people, description: `text ${i}` });
    images.push(createImage(w, h, [i, (2 * i) % 256, 255 - i]));
  }
  return { records, images };
}

describe('shards', () => {
  it('round-trip pixels, keypoints scaled to the training size, texts and labels', () => {
    const { records, images } = fixture(7, 20, 10);
    const { index, shards } = buildShards(records, images, { width: 10, height: 5, maxPeople: 2, shardSize: 3 });
    expect(index.shards.map((s) => s.count)).toEqual([3, 3, 1]);
    const s = decodeShard(shards[1]);
    expect([s.count, s.width, s.height, s.maxPeople]).toEqual([3, 10, 5, 2]);
    // Sample 1 of shard 1 is record 4: colour (4, 8, 251); 2 people; x scaled by 10/20, y by 5/10.
    expect(Array.from(s.pixels.subarray(150, 153))).toEqual([4, 8, 251]);
    const kp = s.keypoints.subarray(96, 192);
    expect(Array.from(kp.subarray(0, 3))).toEqual([2, 0, 1]);
    expect(Array.from(kp.subarray(48 + 9 * 3, 48 + 10 * 3))).toEqual([6.5, 9.5, 0]);
    expect(s.meta[1]).toEqual({ image: 'im4.png', text: 'text 4', count: 2, labels: { activity: 'run' } });
  });

  it('letterbox keeps the aspect and offsets keypoints', () => {
    const { records, images } = fixture(1, 20, 10);
    const { kpts } = prepareSample(images[0], records[0], { width: 10, height: 10, letterbox: true, maxPeople: 1 });
    // 20x10 into 10x10: scale 0.5, image 5 rows high, centred with floor((10 - 5) / 2) = 2 rows above.
    expect(Array.from(kpts.subarray(3, 5))).toEqual([0.5, 2.5]);
  });

  it('rejects foreign or truncated buffers with a clear message', () => {
    expect(() => decodeShard(new Uint8Array(40), 'x.bin')).toThrow('x.bin: not a FocusCLIP shard (bad magic)');
    const { records, images } = fixture(2);
    const good = buildShards(records, images, { width: 4, height: 4 }).shards[0];
    expect(() => decodeShard(good.subarray(0, good.length - 200), 'y.bin')).toThrow('y.bin: truncated or corrupt');
    expect(() => encodeShard([{ rgb: new Uint8Array(5), kpts: new Float32Array(192), meta: { image: 'a', text: '', count: 0, labels: {} } }], { width: 4, height: 4 })).toThrow('shard sample 0 (a) has 5 pixel bytes');
  });
});

describe('Loader', () => {
  const { records, images } = fixture(23, 8, 8);
  const built = buildShards(records, images, { width: 8, height: 8, maxPeople: 3, shardSize: 5 });

  it('yields [B,3,H,W] pixels in [0,1] and [B,maxPeople,16,3] keypoints matching each text', async () => {
    const loader = new Loader(memorySource(built.index, built.shards), { batchSize: 4, seed: 1 });
    const seen: string[] = [];
    for await (const b of loader.epoch(0)) {
      expect(b.pixels.length).toBe(b.size * 3 * 64);
      expect(b.keypoints.length).toBe(b.size * 3 * 16 * 3);
      for (let k = 0; k < b.size; k++) {
        const i = Number(b.texts[k].slice(5));
        seen.push(b.images[k]);
        expect(b.pixels[k * 192]).toBeCloseTo(i / 255, 6); // R plane
        expect(b.pixels[k * 192 + 64]).toBeCloseTo(((2 * i) % 256) / 255, 6); // G plane
        expect(b.pixels[k * 192 + 128]).toBeCloseTo((255 - i) / 255, 6); // B plane
        expect(b.counts[k]).toBe(1 + (i % 3));
        expect(b.keypoints[k * 144 + 3]).toBe(i + 1);
        expect(b.keypoints[k * 144 + 48 + 1]).toBe(i % 3 >= 1 ? 10 : 0);
      }
    }
    expect(seen.length).toBe(23);
    expect(new Set(seen).size).toBe(23);
    expect(loader.batchesPerEpoch()).toBe(6);
  });

  it('shuffles reproducibly per (seed, epoch) and can run unshuffled', async () => {
    const order = async (seed: number, epoch: number, shuffle = true) => {
      const out: string[] = [];
      for await (const b of new Loader(memorySource(built.index, built.shards), { batchSize: 6, seed, shuffle, dropLast: true }).epoch(epoch)) out.push(...b.images);
      return out;
    };
    const a = await order(1, 0);
    expect(a.length).toBe(18);
    expect(await order(1, 0)).toEqual(a);
    expect(await order(1, 1)).not.toEqual(a);
    expect(await order(2, 0)).not.toEqual(a);
    expect(await order(1, 0, false)).toEqual(Array.from({ length: 18 }, (_, i) => `im${i}.png`));
  });

  it('prefetches the next shard while the current one is consumed', async () => {
    const reads: number[] = [];
    const src = { index: built.index, read: async (i: number) => (reads.push(i), built.shards[i]) };
    const it = new Loader(src, { batchSize: 5, shuffle: false }).epoch(0);
    await it.next();
    expect(reads).toEqual([0, 1]);
  });
});
