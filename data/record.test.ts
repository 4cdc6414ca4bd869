import { describe, expect, it } from 'vitest';
import { activityName, recordProblems, validateRecord, validateRecords, type PoseRecord } from './record.js';

function good(): PoseRecord {
  return {
    image: '015601864.jpg',
    video_id: 1660,
    video_frame: 0,
    activity_id: 1,
    activity: 'sports, curling',
    count: 1,
    istrain: true,
    people: [{
      id: 0,
      center: [594, 257],
      scale: 3.02,
      kpts: Array.from({ length: 16 }, (_, j) => [600 + j, 200 + 10 * j] as [number, number]),
      kpts_vis: Array.from({ length: 16 }, (_, j) => (j % 5 === 0 ? 0 : 1)),
    }],
    description: 'One person is curling.',
  };
}

describe('validateRecord', () => {
  it('accepts a well-formed record and returns it', () => {
    const r = good();
    expect(validateRecord(r, 'record 0')).toBe(r);
    expect(recordProblems(r, 'record 0')).toEqual([]);
  });

  it('names the record, the image and the field for 15 keypoints', () => {
    const r = good();
    r.people[0].kpts.pop();
    expect(() => validateRecord(r, 'record 7')).toThrow('record 7 (image 015601864.jpg): field "people[0].kpts" must have 16 keypoints (MPII order), got 15');
  });

  it('rejects visibility flags that are not 0/1', () => {
    const r = good();
    r.people[0].kpts_vis[3] = 2;
    expect(() => validateRecord(r, 'record 1')).toThrow('field "people[0].kpts_vis" must be 0 or 1; joint 3 is 2');
  });

  it('rejects NaN coordinates naming the joint', () => {
    const r = good();
    r.people[0].kpts[9] = [Number.NaN, 4];
    expect(() => validateRecord(r, 'record 2')).toThrow('field "people[0].kpts[9]" has a non-finite coordinate ["NaN",4]');
  });

  it('rejects an empty description unless allowed', () => {
    const r = good();
    r.description = '  ';
    expect(() => validateRecord(r, 'record 3')).toThrow('field "description" is empty');
    expect(recordProblems(r, 'record 3', { allowEmptyDescription: true })).toEqual([]);
  });

  it('reports a missing image file when a folder is given', () => {
    const r = good();
    const seen: string[] = [];
    const exists = (name: string) => (seen.push(name), false);
    expect(() => validateRecord(r, 'record 4', { exists, folder: '/data/mpii/images' })).toThrow('field "image" file not found in /data/mpii/images');
    expect(seen).toEqual(['015601864.jpg']);
  });

  it('checks count against people and lists every problem', () => {
    const r = good() as any;
    r.count = 2;
    r.people[0].scale = -1;
    const p = recordProblems(r, 'record 5');
    expect(p).toHaveLength(2);
    expect(p[0]).toContain('"count" is 2 but people has 1 entries');
    expect(p[1]).toContain('"people[0].scale" must be a positive number');
    expect(() => validateRecord(r, 'record 5')).toThrow('2 problems');
  });

  it('validateRecords numbers the records and caps the listing', () => {
    const rs = Array.from({ length: 30 }, () => ({ ...good(), description: '' }));
    expect(() => validateRecords(rs, { source: 'caps.json', maxShown: 3 })).toThrow(/30 problem\(s\) in 30 records:\n {2}caps.json: record 0 .*\n.*\n.*\n {2}\.\.\. and 27 more/);
    expect(() => validateRecords({}, { source: 'x.json' })).toThrow('x.json: expected a JSON list');
  });

  it('activityName takes the part after the category', () => {
    expect(activityName('sports, curling')).toBe('curling');
    expect(activityName('walking, running, jogging')).toBe('running, jogging');
    expect(activityName('dancing')).toBe('dancing');
  });
});
