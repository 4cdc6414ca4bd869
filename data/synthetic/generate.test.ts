import { describe, expect, it } from 'vitest';
import { J } from '../mpii.js';
import { validateRecords } from '../record.js';
import { HELD_OUT_ACTIVITIES } from './activities.js';
import { ACTIVITIES } from './activities.js';
import { TRAIN_BACKGROUNDS } from './background.js';
import { EVAL_TASKS, evalClasses, generateDataset, generateEvalSet, homeBackground, trainingActivities } from './generate.js';
import { Canvas } from './raster.js';

const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

describe('generateDataset', () => {
  it('is deterministic from the seed, and image i does not depend on the count', () => {
    const a = generateDataset({ seed: 3, count: 6, size: 48 });
    const b = generateDataset({ seed: 3, count: 3, size: 48 });
    const c = generateDataset({ seed: 4, count: 3, size: 48 });
    for (let i = 0; i < 3; i++) {
      expect(b.images[i].data).toEqual(a.images[i].data);
      expect(b.records[i]).toEqual(a.records[i]);
    }
    expect(sum(c.images[0].data)).not.toBe(sum(a.images[0].data));
    expect(a.images[0].width).toBe(48);
    expect(a.images[0].data.length).toBe(48 * 48 * 4);
  });

  it('writes valid records with 1-3 people, in-frame joints mostly visible and out-of-frame joints invisible', () => {
    const { records } = generateDataset({ seed: 11, count: 300, size: 64 });
    validateRecords(records);
    const counts = [0, 0, 0, 0];
    let outside = 0, outsideVisible = 0, inside = 0, insideVisible = 0;
    for (const r of records) {
      counts[r.count]++;
      expect(r.width).toBe(64);
      for (const p of r.people) {
        p.kpts.forEach(([x, y], j) => {
          const inFrame = x >= 0 && y >= 0 && x < 64 && y < 64;
          if (inFrame) { inside++; insideVisible += p.kpts_vis[j]; } else { outside++; outsideVisible += p.kpts_vis[j]; }
        });
      }
    }
    expect(counts[1]).toBeGreaterThan(120);
    expect(counts[2]).toBeGreaterThan(40);
    expect(counts[3]).toBeGreaterThan(10);
    expect(outside).toBeGreaterThan(100); // crops push joints out of the frame
    expect(outsideVisible).toBe(0);
    // Occluders and other people hide some in-frame joints, but most stay visible.
    expect(insideVisible / inside).toBeGreaterThan(0.75);
    expect(insideVisible / inside).toBeLessThan(0.99);
  });

  it('with no clutter, crops or occluders, a lone person keeps nearly all joints visible', () => {
    const { records } = generateDataset({ seed: 5, count: 60, size: 128, maxClutter: 0, maxDistractors: 0, occlusion: 0, crop: 0, twoPeople: 0, threePeople: 0 });
    const vis = records.reduce((s, r) => s + r.people[0].kpts_vis.reduce((a, b) => a + b, 0), 0);
    // Only a carried box may hide wrists; nothing leaves the frame when crops are off.
    expect(vis / (60 * 16)).toBeGreaterThan(0.98);
    for (const r of records) for (const [x, y] of r.people[0].kpts) expect(x >= 0 && y >= 0 && x < 128 && y < 128).toBe(true);
  });

  it('kids have larger heads relative to their height than adults', () => {
    const ratio = (age: string) => {
      const { records } = generateDataset({ seed: 9, count: 400, size: 128, activities: ['standing'], twoPeople: 0, threePeople: 0, crop: 0, occlusion: 0 });
      const rs = records.filter((r) => r.people[0].attrs?.age === age).map((r) => {
        const k = r.people[0].kpts;
        const head = Math.hypot(k[J.headTop][0] - k[J.upperNeck][0], k[J.headTop][1] - k[J.upperNeck][1]);
        const tall = Math.max(k[J.lAnkle][1], k[J.rAnkle][1]) - k[J.headTop][1];
        return head / tall;
      });
      expect(rs.length).toBeGreaterThan(50);
      return rs.reduce((a, b) => a + b, 0) / rs.length;
    };
    const kid = ratio('kid'), adult = ratio('adult');
    expect(kid).toBeGreaterThan(adult * 1.15);
    expect(adult).toBeGreaterThan(0.1);
    expect(adult).toBeLessThan(0.16);
  });

  it('keeps the held-out activities out of training images and captions', () => {
    const names = trainingActivities().map((a) => a.name);
    for (const h of HELD_OUT_ACTIVITIES) expect(names).not.toContain(h);
    const { records } = generateDataset({ seed: 1, count: 200, size: 32 });
    for (const r of records) for (const h of HELD_OUT_ACTIVITIES) expect(r.description).not.toContain(h);
    expect(new Set(records.map((r) => r.activity)).size).toBeGreaterThan(15);
  });

  it('renders 64x64 images fast (loose floor: 300 in under 6 s on a shared core)', () => {
    const t = performance.now();
    generateDataset({ seed: 2, count: 300, size: 64 });
    expect(performance.now() - t).toBeLessThan(6000);
  });

  it('rejects bad sizes with a clear message', () => {
    expect(() => generateDataset({ count: 1, size: 3 })).toThrow('image size must be an integer from 8 to 4096 pixels, got 3x3');
  });
});

describe('generateEvalSet', () => {
  it('builds balanced sets with class prompts for every task', () => {
    for (const task of EVAL_TASKS) {
      const set = generateEvalSet(task, { count: 2 * evalClasses(task).classes.length, size: 32 });
      const perClass = set.classes.map((_, k) => set.items.filter((it) => it.label === k).length);
      expect(new Set(perClass)).toEqual(new Set([2]));
      expect(set.prompts).toHaveLength(set.classes.length);
    }
    const age = generateEvalSet('age', { count: 8, size: 32 });
    expect(age.prompts).toEqual(['a photo of a kid person', 'a photo of a teenager person', 'a photo of an adult person', 'a photo of an elderly person']);
    age.items.forEach((it) => expect(it.record.people[0].attrs?.age).toBe(age.classes[it.label]));
    const act = generateEvalSet('activity', { count: 25, size: 32 });
    expect(act.heldOut).toEqual([...HELD_OUT_ACTIVITIES]);
    expect(act.prompts).toContain('a photo of a person doing push-ups');
    const cnt = generateEvalSet('count', { count: 6, size: 32 });
    cnt.items.forEach((it) => expect(it.record.count).toBe(it.label + 1));
    const clo = generateEvalSet('clothing', { count: 6, size: 32 });
    clo.items.forEach((it) => expect(it.record.people[0].attrs?.shirt).toBe(clo.classes[it.label]));
  });

  it('differs from training data drawn with the same seed', () => {
    const a = generateEvalSet('age', { seed: 0, count: 1, size: 32 }).items[0].image.data;
    const b = generateDataset({ seed: 0, count: 1, size: 32 }).images[0].data;
    expect(sum(a)).not.toBe(sum(b));
  });
});

describe('background-shift setting', () => {
  const activityOf = (activity: string) => ACTIVITIES.find((a) => activity.endsWith(`, ${a.name}`))!;

  it('draws the home background with the configured probability and leaves the default world uncorrelated', () => {
    const n = 2000;
    const biased = generateDataset({ seed: 5, count: n, size: 8, backgroundBias: 0.8, maxClutter: 0, maxDistractors: 0 });
    const home = biased.records.filter((r, i) => biased.backgrounds[i] === homeBackground(activityOf(r.activity))).length / n;
    // Binomial(2000, 0.8): sd 0.009, so +-0.03 is over 3 sd.
    expect(Math.abs(home - 0.8)).toBeLessThan(0.03);
    const plain = generateDataset({ seed: 5, count: n, size: 8, maxClutter: 0, maxDistractors: 0 });
    const homePlain = plain.records.filter((r, i) => plain.backgrounds[i] === homeBackground(activityOf(r.activity))).length / n;
    expect(Math.abs(homePlain - 1 / TRAIN_BACKGROUNDS.length)).toBeLessThan(0.04);
    // The default world is drawn exactly as before the setting existed: image i the same either way.
    expect(generateDataset({ seed: 5, count: 2, size: 16, backgroundBias: 0 }).images[1].data).toEqual(generateDataset({ seed: 5, count: 2, size: 16 }).images[1].data);
  });

  it('builds an aligned probe set with the training bias and a swapped one that never uses the home background', () => {
    const n = 1050;
    const aligned = generateEvalSet('activity', { seed: 9, count: n, size: 8, backgrounds: { mode: 'aligned', bias: 0.8 } });
    const swapped = generateEvalSet('activity', { seed: 9, count: n, size: 8, backgrounds: { mode: 'swapped', bias: 0.8 } });
    const share = (set: typeof aligned) => set.items.filter((it) => it.background === homeBackground(activityOf(it.record.activity))).length / n;
    expect(Math.abs(share(aligned) - 0.8)).toBeLessThan(0.04);
    expect(share(swapped)).toBe(0);
    expect(aligned.classes).toEqual(trainingActivities().map((a) => a.name));
    expect(aligned.heldOut).toEqual([]);
    expect(swapped.variant).toBe('bg-swapped');
    for (const set of [aligned, swapped]) for (const it of set.items) expect(TRAIN_BACKGROUNDS).toContain(it.background);
  });

  it('draws the validation split from the training world under other seeds', () => {
    const val = generateEvalSet('age', { seed: 0, count: 40, size: 8, split: 'validation' });
    const held = generateEvalSet('age', { seed: 0, count: 40, size: 8 });
    for (const it of val.items) expect(TRAIN_BACKGROUNDS).toContain(it.background);
    for (const it of held.items) expect(TRAIN_BACKGROUNDS).not.toContain(it.background);
    expect(generateEvalSet('activity', { count: 21, size: 8, split: 'validation' }).classes).toHaveLength(trainingActivities().length);
  });

  it('rejects a bias outside [0, 1] and a probe on another task', () => {
    expect(() => generateDataset({ count: 1, size: 8, backgroundBias: 1.5 })).toThrow('backgroundBias must be a probability from 0 to 1, got 1.5');
    expect(() => generateEvalSet('age', { count: 1, size: 8, backgrounds: { mode: 'swapped', bias: 0.8 } })).toThrow('the background-shift probe is an activity set, not "age"');
  });
});

describe('Canvas', () => {
  it('covers a disc with its area and claims the owner only inside', () => {
    const cv = new Canvas(40, 40);
    cv.disc(20, 20, 8, [255, 255, 255], 3, 0);
    let covered = 0;
    for (let i = 0; i < 40 * 40; i++) covered += cv.rgb[3 * i] / 255;
    expect(covered).toBeGreaterThan(Math.PI * 64 * 0.97);
    expect(covered).toBeLessThan(Math.PI * 64 * 1.03);
    expect(cv.ownerAt(20, 20)).toBe(3);
    expect(cv.ownerAt(20, 29.5)).toBe(0);
    expect(cv.ownerAt(-1, 5)).toBe(-1);
  });

  it('fills a polygon with its area whatever the winding', () => {
    for (const pts of [[[5, 5], [25, 5], [25, 15], [5, 15]], [[5, 5], [5, 15], [25, 15], [25, 5]]] as [number, number][][]) {
      const cv = new Canvas(30, 20);
      cv.polygon(pts, [255, 0, 0]);
      let covered = 0;
      for (let i = 0; i < 30 * 20; i++) covered += cv.rgb[3 * i] / 255;
      expect(covered).toBeCloseTo(200, 0);
    }
  });
});
