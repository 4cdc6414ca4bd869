import { describe, expect, it } from 'vitest';
import { createImage } from './image.js';
import type { PoseRecord } from './record.js';
import { buildShards, decodeShard, encodeShard, memorySource, prepareSample, readShards } from './shards.js';

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

describe('readShards', () => {
  const { records, images } = fixture(23, 8, 8);
  const built = buildShards(records, images, { width: 8, height: 8, maxPeople: 3, shardSize: 5 });

  it('gives every sample in index order: RGBA pixels, keypoints in shard pixels with visibility, text and labels', async () => {
    const samples = await readShards(memorySource(built.index, built.shards));
    expect(samples.map((s) => s.name)).toEqual(Array.from({ length: 23 }, (_, i) => `im${i}.png`));
    samples.forEach((s, i) => {
      expect([s.image.width, s.image.height]).toEqual([8, 8]);
      expect(Array.from(s.image.data.subarray(4 * 9, 4 * 10))).toEqual([i, (2 * i) % 256, 255 - i, 255]);
      expect(s.text).toBe(`text ${i}`);
      expect(s.labels).toEqual({ activity: 'run' });
      expect(s.people).toHaveLength(1 + (i % 3));
      // 8x8 from 8x8: keypoints unscaled; joint j of person k at (i + j, 10k + j), joint 9 hidden.
      expect(s.people[0].kpts[1]).toEqual([i + 1, 1]);
      if (s.people.length > 1) expect(s.people[1].kpts[0]).toEqual([i, 10]);
      expect(s.people[0].kpts_vis).toEqual(Array.from({ length: 16 }, (_, j) => (j === 9 ? 0 : 1)));
    });
  });

  it('reads the next shard while decoding one', async () => {
    const reads: number[] = [];
    const src = { index: built.index, read: async (i: number) => (reads.push(i), built.shards[i]) };
    await readShards(src);
    expect(reads).toEqual([0, 1, 2, 3, 4]);
    // Shard 1 is asked for before shard 0 is decoded: a corrupt shard 0 fails after both reads began.
    const asked: number[] = [];
    const bad = { index: built.index, read: async (i: number) => (asked.push(i), i === 0 ? new Uint8Array(40) : built.shards[i]) };
    await expect(readShards(bad)).rejects.toThrow(/shard-00000\.bin: not a FocusCLIP shard/);
    expect(asked).toEqual([0, 1]);
  });

  it('names the source and the fix when the index or a shard does not match', async () => {
    const where = '/data/shards';
    await expect(readShards({ index: { ...built.index, format: 'x' as any }, where, read: async () => new Uint8Array() })).rejects.toThrow(
      /\/data\/shards: not a FocusCLIP shard index .*focusclip generate --shards/,
    );
    const wrongCount = { ...built.index, shards: built.index.shards.map((e, i) => (i === 2 ? { ...e, count: 4 } : e)) };
    await expect(readShards({ ...memorySource(wrongCount, built.shards), where })).rejects.toThrow(
      /\/data\/shards\/shard-00002\.bin: 5 samples of 8x8, maxPeople 3, but the index says 4 .*focusclip prepare mpii/,
    );
    const cut = built.shards.map((b, i) => (i === 1 ? b.subarray(0, 100) : b));
    await expect(readShards({ ...memorySource(built.index, cut), where })).rejects.toThrow(/\/data\/shards\/shard-00001\.bin: truncated or corrupt .*rebuild them/);
  });
});
