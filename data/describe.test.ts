import { describe, expect, it } from 'vitest';
import { describeRecord, describeRecords, poseState } from './describe.js';
import { J } from './mpii.js';
import type { PoseRecord, RecordPerson } from './record.js';
import { generateDataset } from './synthetic/generate.js';

/** A person from named joint positions; missing joints are invisible. */
function person(pos: Partial<Record<keyof typeof J, [number, number]>>, id = 0): RecordPerson {
  const kpts: [number, number][] = Array.from({ length: 16 }, () => [-1, -1]);
  const vis = new Array(16).fill(0);
  for (const [k, v] of Object.entries(pos)) { kpts[J[k as keyof typeof J]] = v!; vis[J[k as keyof typeof J]] = 1; }
  return { id, center: [100, 100], scale: 0.8, kpts, kpts_vis: vis };
}

// An upright standing figure in a 200x200 image, facing the camera (its left on the image right).
const standing = {
  headTop: [100, 20], upperNeck: [100, 40], thorax: [100, 50], pelvis: [100, 100],
  lShoulder: [115, 52], rShoulder: [85, 52], lElbow: [120, 75], rElbow: [80, 75], lWrist: [122, 98], rWrist: [78, 98],
  lHip: [108, 100], rHip: [92, 100], lKnee: [109, 140], rKnee: [91, 140], lAnkle: [110, 180], rAnkle: [90, 180],
} satisfies Partial<Record<keyof typeof J, [number, number]>>;

const rec = (people: RecordPerson[], activity = 'sports, curling'): PoseRecord => ({ image: 'a.jpg', activity, count: people.length, istrain: true, people, description: '', width: 200, height: 200 });

describe('describeRecord', () => {
  it('follows the paper structure: count + activity, then limbs in order', () => {
    const d = describeRecord(rec([person(standing)]));
    expect(d).toMatch(/one person|One person/);
    expect(d).toContain('curling');
    expect(d).toContain('This is a sports activity.');
    expect(d).toContain('is standing');
    expect(d).toContain('in the centre');
    const order = ['The left leg', 'The right leg', 'The left arm', 'The right arm', 'The torso', 'The head'].map((s) => d.indexOf(s));
    expect(order.every((v) => v >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('measures bend angles from the joints', () => {
    // Left knee bent to 90 degrees: the shin goes horizontally backward from the knee.
    const p = person({ ...standing, lKnee: [108, 140], lAnkle: [148, 140] });
    const d = describeRecord(rec([p]));
    expect(d).toMatch(/left leg[^.]*(90 degrees)/);
    expect(d).toMatch(/right leg[^.]*(straight|extended)/);
    // Left arm raised above the head.
    const q = person({ ...standing, lElbow: [118, 30], lWrist: [120, 5] });
    expect(describeRecord(rec([q]))).toMatch(/left arm[^.]*above the head/);
  });

  it('handles invisible joints', () => {
    const { lAnkle, lKnee, lHip, lWrist, lElbow, lShoulder, ...rest } = standing;
    void lAnkle; void lKnee; void lHip; void lWrist; void lElbow; void lShoulder;
    const d = describeRecord(rec([person(rest)]));
    expect(d).toMatch(/The left leg (is not visible|is hidden or out of the frame)/);
    expect(d).toMatch(/The left arm (is not visible|cannot be seen)/);
    expect(d).toContain('Six of their joints are hidden or outside the picture.');
    expect(describeRecord(rec([person({})]))).toContain('None of their joints are visible.');
  });

  it('counts people and places them left to right', () => {
    const a = person(Object.fromEntries(Object.entries(standing).map(([k, [x, y]]) => [k, [x - 60, y]])) as any, 0);
    a.center = [40, 100];
    const b = person(standing, 1);
    b.center = [170, 100];
    const d = describeRecord(rec([b, a]));
    expect(d).toMatch(/two people|Two people/);
    expect(d.indexOf('on the left')).toBeLessThan(d.indexOf('on the right'));
  });

  it('is deterministic, and varies the phrasing with the seed', () => {
    const { records } = generateDataset({ seed: 1, count: 40, size: 64 });
    const a = describeRecords(records, { seed: 0 }), b = describeRecords(records, { seed: 0 }), c = describeRecords(records, { seed: 1 });
    expect(a.map((r) => r.description)).toEqual(b.map((r) => r.description));
    expect(a.filter((r, i) => r.description !== c[i].description).length).toBeGreaterThan(10);
  });

  it('recognises standing, sitting, squatting, kneeling and lying', () => {
    expect(poseState(person(standing))).toBe('standing');
    expect(poseState(person({ ...standing, lKnee: [140, 100], rKnee: [122, 100], lAnkle: [140, 140], rAnkle: [122, 140] }))).toBe('sitting');
    expect(poseState(person({ ...standing, lKnee: [140, 90], rKnee: [122, 90], lAnkle: [112, 120], rAnkle: [94, 120] }))).toBe('squatting');
    expect(poseState(person({ ...standing, lKnee: [108, 140], lAnkle: [150, 142] }))).toBe('kneeling');
    const lying = Object.fromEntries(Object.entries(standing).map(([k, [x, y]]) => [k, [y, 200 - x]])) as any;
    expect(poseState(person(lying))).toBe('lying down');
  });

  it('describes 100k records a minute (loose floor: 10k in under 6 s)', () => {
    const { records } = generateDataset({ seed: 2, count: 100, size: 64 });
    const t = performance.now();
    let chars = 0;
    for (let i = 0; i < 10_000; i++) chars += describeRecord({ ...records[i % 100], image: `x${i}` }).length;
    expect(performance.now() - t).toBeLessThan(6000);
    expect(chars / 10_000).toBeGreaterThan(300);
  });
});
