// Node-only: fixtures in the exact on-disk formats, written to a temp dir.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage } from './image.js';
import { encodeJpeg, encodePng } from './image-node.js';
import { readShards } from './shards.js';
import { joinCaptions, loadCaptions, loadMmpose, prepareMpii } from './mpii-loaders.js';
import { fileSource } from './shards-node.js';

const kpts = (dx: number) => Array.from({ length: 16 }, (_, j) => [100 + dx + j, 50 + 10 * j]);
const hubRecord = (image: string, extra: object = {}) => ({
  image, video_id: 1660, video_frame: 3, activity_id: 975, activity: 'sports, curling', count: 1, istrain: true,
  people: [{ id: 0, center: [110, 120], scale: 0.9, kpts: kpts(0), kpts_vis: Array.from({ length: 16 }, (_, j) => (j === 9 ? 0 : 1)) }],
  description: `One person is curling in ${image}.`, ...extra,
});

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'mpii-'));
  const images = join(dir, 'images');
  mkdirSync(images);
  writeFileSync(join(images, '000000001.jpg'), encodeJpeg(createImage(320, 240, [200, 30, 30])));
  writeFileSync(join(images, '000000002.jpg'), encodeJpeg(createImage(160, 240, [30, 200, 30])));
  writeFileSync(join(images, '000000003.png'), encodePng(createImage(64, 64, [30, 30, 200])));
  writeFileSync(join(images, '000000004.jpg'), 'not a jpeg');
  const captions = [hubRecord('000000001.jpg'), hubRecord('000000002.jpg', { istrain: false }), hubRecord('000000003.png'), hubRecord('000000004.jpg'), hubRecord('000000005.jpg'), hubRecord('000000006.jpg', { count: 1, people: [{ ...hubRecord('x').people[0], kpts: kpts(0).slice(0, 15) }] })];
  writeFileSync(join(dir, 'captions.json'), JSON.stringify(captions));
  // MMPose: one entry per person; image 1 has two people.
  const mm = [
    { image: '000000001.jpg', center: [110, 120], scale: 0.9, joints: kpts(0), joints_vis: Array(16).fill(1) },
    { image: '000000001.jpg', center: [210, 120], scale: 0.8, joints: kpts(100), joints_vis: Array.from({ length: 16 }, (_, j) => (j < 8 ? 1 : 0)) },
    { image: '000000002.jpg', center: [50, 60], scale: 0.5, joints: kpts(-80), joints_vis: Array(16).fill(1.0) },
  ];
  writeFileSync(join(dir, 'mpii_train.json'), JSON.stringify(mm));
  return { dir, images };
}

describe('real-data loaders', () => {
  it('reads the hub pose-captions list as records', () => {
    const { dir } = fixture();
    const recs = loadCaptions(join(dir, 'captions.json'));
    expect(recs).toHaveLength(6);
    expect(recs[0].people[0].kpts_vis[9]).toBe(0);
    expect(recs[1].istrain).toBe(false);
    expect(() => loadCaptions(join(dir, 'nope.json'))).toThrow(`captions file not found: ${join(dir, 'nope.json')}`);
  });

  it('merges MMPose per-person entries per image and joins captions', () => {
    const { dir } = fixture();
    const recs = loadMmpose(join(dir, 'mpii_train.json'));
    expect(recs.map((r) => [r.image, r.count])).toEqual([['000000001.jpg', 2], ['000000002.jpg', 1]]);
    expect(recs[0].people[1].kpts_vis).toEqual(Array.from({ length: 16 }, (_, j) => (j < 8 ? 1 : 0)));
    expect(recs[0].people[1].kpts[0]).toEqual([200, 50]);
    const joined = joinCaptions(recs, loadCaptions(join(dir, 'captions.json')));
    expect(joined[0].activity).toBe('sports, curling');
    expect(joined[0].description).toContain('000000001.jpg');
    expect(joined[0].count).toBe(2);
  });

  it('prepare checks every record and image, reports problems, writes loadable shards', async () => {
    const { dir, images } = fixture();
    const out = join(dir, 'shards');
    const rep = prepareMpii({ images, records: loadCaptions(join(dir, 'captions.json')), out, width: 32, height: 32, shardSize: 2 });
    expect(rep.total).toBe(6);
    expect(rep.written).toBe(3);
    expect(rep.missingImages).toEqual(['000000005.jpg', '000000006.jpg']);
    expect(rep.badImages.map((b) => b.image)).toEqual(['000000004.jpg']);
    expect(rep.badRecords).toHaveLength(1);
    expect(rep.badRecords[0]).toContain('record 5 (image 000000006.jpg): field "people[0].kpts" must have 16 keypoints');
    expect(JSON.parse(readFileSync(join(out, 'prepare-report.json'), 'utf8')).written).toBe(3);
    const samples = await readShards(fileSource(out));
    expect(samples.map((x) => x.name)).toEqual(['000000001.jpg', '000000002.jpg', '000000003.png']);
    // Image 1 is 320x240 stretched to 32x32: joint 0 at (100, 50) -> (10, 6.667).
    expect(samples[0].people[0].kpts[0][0]).toBeCloseTo(10, 5);
    expect(samples[0].people[0].kpts[0][1]).toBeCloseTo(50 * 32 / 240, 4);
    expect(samples[0].image.data[0] / 255).toBeGreaterThan(0.7); // red image, R channel
    expect(samples[0].image.data[1] / 255).toBeLessThan(0.2);
    expect(samples[2].text).toBe('One person is curling in 000000003.png.');
    expect(samples[0].labels).toEqual({ activity: 'curling' });
  });
});
