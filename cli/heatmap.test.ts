// Node-only: the command reads and writes files.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../test/helpers.js';
import { encodeJpeg, readImage, writePng } from '../data/image-node.js';
import { J } from '../data/mpii.js';
import { heatmapRef, sourceToTarget } from '../data/heatmap-ref.js';
import { heatmapCommand, outputNames } from './heatmap.js';
import { syntheticSample } from '../data/synthetic/sample.js';
import { keypointsFromJson } from './heatmap-input.js';

const dir = mkdtempSync(join(tmpdir(), 'focusclip-heatmap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Red channel of the heat colour map is min(1, 3v): decode v where v < 1/3, and v > 1/3 otherwise. */
const redAt = (img: { width: number; data: Uint8Array }, x: number, y: number) => img.data[(Math.round(y) * img.width + Math.round(x)) * 4];

describe('focusclip heatmap', () => {
  const E = useEngine();
  // A 300x200 picture with its pose-captions record next to it (kpts, kpts_vis, center, scale).
  const sample = syntheticSample(11, 300, 200);
  writePng(join(dir, 'photo.png'), sample.image);
  const record = {
    image: 'photo.png',
    people: sample.people.map((p) => ({ kpts: p.kpts, kpts_vis: p.vis, center: p.kpts[J.pelvis], scale: 1.2 })),
    description: 'a synthetic person',
  };
  writeFileSync(join(dir, 'record.json'), JSON.stringify(record));

  it('writes heatmap, focused image and overlay from a record, matching the reference', async () => {
    const out = join(dir, 'overlay.png');
    const r = await heatmapCommand(E(), { keypoints: join(dir, 'record.json'), out, size: 150 });
    expect(r.files).toEqual(outputNames(out));
    expect([r.width, r.height, r.people]).toEqual([150, 100, sample.people.length]);
    expect(r.coverage).toBeGreaterThan(0.03);
    expect(r.coverage).toBeLessThan(0.8);
    const heat = readImage(r.files.heatmap);
    const focused = readImage(r.files.focused);
    const overlay = readImage(r.files.overlay);
    for (const img of [heat, focused, overlay]) expect([img.width, img.height]).toEqual([150, 100]);
    // The heatmap PNG is the reference heatmap through the colour map (red = round(255 min(1, 3v))).
    const want = heatmapRef(sample.people, 300, 200, 150, 100);
    for (let i = 0; i < want.length; i += 37) expect(Math.abs(heat.data[4 * i] - Math.round(255 * Math.min(1, 3 * want[i])))).toBeLessThanOrEqual(1);
    // Hot at the pelvis of the first person, cold in a far corner.
    const [px, py] = sample.people[0].kpts[J.pelvis];
    expect(redAt(heat, sourceToTarget(px, 150, 300), sourceToTarget(py, 100, 200))).toBe(255);
    // Focused image: a = 0.5 halves pixels where the heatmap is 0.
    const small = readImage(r.files.focused);
    let halved = 0;
    let counted = 0;
    for (let i = 0; i < want.length; i++) {
      if (want[i] > 1e-6) continue;
      counted++;
      const orig = overlay.data[4 * i]; // overlay there = 0.5 image + 0.5 black: also the halved image
      if (Math.abs(small.data[4 * i] - orig) <= 2) halved++;
    }
    expect(counted).toBeGreaterThan(100);
    expect(halved / counted).toBeGreaterThan(0.9);
  });

  it('reads a bare list of people with --image, and a list of records by index, in every mode', async () => {
    const people = record.people.map(({ kpts, kpts_vis }) => ({ kpts: kpts.map(([x, y], j) => [x, y, kpts_vis[j]]) }));
    writeFileSync(join(dir, 'people.json'), JSON.stringify(people));
    writeFileSync(join(dir, 'records.jsonl'), [{ image: 'missing.png', people: [] }, record].map((x) => JSON.stringify(x)).join('\n'));
    writeFileSync(join(dir, 'photo.jpg'), encodeJpeg(sample.image));
    for (const mode of ['axis', 'oriented', 'person']) {
      const a = await heatmapCommand(E(), { image: join(dir, mode === 'axis' ? 'photo.jpg' : 'photo.png'), keypoints: join(dir, 'people.json'), out: join(dir, `list-${mode}`), size: 64, mode });
      expect(a.files.heatmap).toBe(join(dir, `list-${mode}-heatmap.png`));
      expect(a.coverage).toBeGreaterThan(0.03);
    }
    const b = await heatmapCommand(E(), { keypoints: join(dir, 'records.jsonl'), index: 1, out: join(dir, 'rec1.png'), size: 64 });
    expect(b.people).toBe(sample.people.length);
    await expect(heatmapCommand(E(), { keypoints: join(dir, 'records.jsonl'), index: 0, out: join(dir, 'rec0.png') })).rejects.toThrow(/Image file not found.*missing\.png/);
  });

  it('works with no files at all (--synthetic)', async () => {
    const r = await heatmapCommand(E(), { synthetic: 3, out: join(dir, 'syn.png'), mode: 'oriented' });
    expect([r.width, r.height]).toEqual([224, 168]);
    expect(r.people).toBeGreaterThanOrEqual(1);
    expect(readFileSync(r.files.overlay).subarray(1, 4).toString()).toBe('PNG');
  });

  it('fails with clear messages on bad input', async () => {
    const e = E();
    await expect(heatmapCommand(e, { out: join(dir, 'x.png') })).rejects.toThrow(/Give --keypoints/);
    await expect(heatmapCommand(e, { keypoints: join(dir, 'nope.json'), out: join(dir, 'x.png') })).rejects.toThrow(/Keypoints file not found.*nope\.json/);
    await expect(heatmapCommand(e, { synthetic: 1, image: 'a.png', out: join(dir, 'x.png') })).rejects.toThrow(/do not combine/);
    await expect(heatmapCommand(e, { synthetic: 1, mode: 'blob', out: join(dir, 'x.png') })).rejects.toThrow(/Unknown heatmap mode "blob"/);
    writeFileSync(join(dir, 'nan.json'), JSON.stringify({ image: 'photo.png', people: [{ kpts: record.people[0].kpts.map((k, j) => (j === 9 ? [null, 3] : k)), kpts_vis: new Array(16).fill(1) }] }));
    await expect(heatmapCommand(e, { keypoints: join(dir, 'nan.json'), out: join(dir, 'x.png') })).rejects.toThrow(/person 0, joint 9 \(head top\).*not finite/);
    expect(() => keypointsFromJson([{ kpts: [[1, 2]] }], 'f.json')).toThrow(/f\.json person 0: "kpts" must be a list of 16/);
    expect(() => keypointsFromJson({ foo: 1 }, 'f.json')).toThrow(/neither a pose-captions record/);
  });
});
