// Each adapter on a tiny fixture written here in the dataset's exact on-disk format. Node-only
// (the adapters read files), so these tests use fs.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createImage, type RGBAImage } from '../../data/image.js';
import { encodeJpeg, encodePng } from '../../data/image-node.js';
import type { EvalDataset, EvalItem } from '../types.js';
import { openDatasets, parseDatasetSpec } from './index.js';
import { cropBox, splitCsvLine } from './common.js';
import { greyPixelsToImage } from './fer.js';
import { utkAgeGroup } from './utkface.js';
import { lagendaAgeGroup } from './lagenda.js';

const tmp = mkdtempSync(join(tmpdir(), 'focusclip-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function put(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
/** Left half red, right half blue: crops can be checked by colour and size. */
function halves(w: number, h: number): RGBAImage {
  const img = createImage(w, h, [255, 0, 0]);
  for (let y = 0; y < h; y++) for (let x = Math.floor(w / 2); x < w; x++) img.data.set([0, 0, 255], (y * w + x) * 4);
  return img;
}
const png = (w = 6, h = 4, rgb: [number, number, number] = [10, 200, 30]) => encodePng(createImage(w, h, rgb));
const jpg = (w = 8, h = 8) => encodeJpeg(createImage(w, h, [120, 60, 200]));

async function itemsOf(ds: EvalDataset): Promise<EvalItem[]> {
  const out: EvalItem[] = [];
  for await (const it of ds.items as AsyncIterable<EvalItem>) out.push(it);
  return out;
}

describe('helpers', () => {
  it('parses quoted CSV fields', () => {
    expect(splitCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
  });
  it('crops and clamps boxes', () => {
    const c = cropBox(halves(20, 10), [10, 2, 30, 8]);
    expect([c.width, c.height]).toEqual([10, 6]);
    expect([...c.data.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
    const tiny = cropBox(halves(20, 10), [25, 25, 26, 26]);
    expect([tiny.width, tiny.height]).toEqual([1, 1]);
  });
  it('bins ages as the paper', () => {
    expect([0, 2, 3, 9, 10, 19, 20, 29, 30, 90].map(utkAgeGroup)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect([0, 12, 13, 19, 20, 70].map(lagendaAgeGroup)).toEqual([0, 0, 1, 1, 2, 2]);
  });
  it('parses dataset specs', () => {
    expect(parseDatasetSpec('lg-f:/d/lagenda#limit=5,split=x')).toEqual({ kind: 'lagenda-face', path: '/d/lagenda', options: { limit: 5, split: 'x' } });
    expect(() => parseDatasetSpec('imagenet:/x')).toThrow(/unknown dataset kind "imagenet"/);
    expect(() => parseDatasetSpec('/just/a/path')).toThrow(/must be <kind>:<path>/);
  });
});

describe('stanford40', () => {
  const root = join(tmp, 'Stanford40');
  put(join(root, 'ImageSplits/actions.txt'), 'action_name\tnumber_of_images\napplauding\t284\nriding_a_horse\t296\nwaving_hands\t210\n');
  put(join(root, 'ImageSplits/test.txt'), 'waving_hands_003.jpg\napplauding_001.jpg\nriding_a_horse_120.jpg\n');
  for (const n of ['waving_hands_003.jpg', 'applauding_001.jpg', 'riding_a_horse_120.jpg']) put(join(root, 'JPEGImages', n), jpg());

  it('takes class order from actions.txt and labels from file names', async () => {
    const [ds] = openDatasets(`stanford40:${root}`);
    expect(ds.classes).toEqual(['applauding', 'riding_a_horse', 'waving_hands']);
    expect(ds.promptNames).toEqual(['applauding', 'riding a horse', 'waving hands']);
    expect(ds.templates).toEqual(['a photo of a person {}']);
    const items = await itemsOf(ds);
    expect(items.map((i) => [i.id, i.label])).toEqual([
      ['waving_hands_003.jpg', 2],
      ['applauding_001.jpg', 0],
      ['riding_a_horse_120.jpg', 1],
    ]);
    const img = await items[0].load();
    expect([img.width, img.height]).toEqual([8, 8]);
  });
  it('names the missing file and rejects unknown actions', () => {
    expect(() => openDatasets(`stanford40:${join(tmp, 'nowhere')}`)).toThrow(/missing file .*nowhere\/ImageSplits\/actions.txt\. Stanford40 expects/);
    const bad = join(tmp, 'S40bad');
    put(join(bad, 'ImageSplits/actions.txt'), 'action_name\tnumber_of_images\napplauding\t1\n');
    put(join(bad, 'ImageSplits/test.txt'), 'jumping_001.jpg\n');
    mkdirSync(join(bad, 'JPEGImages'), { recursive: true });
    expect(() => openDatasets(`stanford40:${bad}`)).toThrow(/action "jumping" is not in .*class list does not match/);
  });
});

describe('kinetics400', () => {
  const root = join(tmp, 'k400');
  put(join(root, 'test/air drumming/abc_000010_000020.jpg'), jpg());
  put(join(root, 'test/abseiling/x1.jpg'), jpg());
  put(join(root, 'test/abseiling/x2.jpg'), jpg());
  for (const f of ['f1.jpg', 'f2.jpg', 'f3.jpg']) put(join(root, 'test/zumba/clip9', f), png());
  it('reads one frame per clip with sorted folder classes', async () => {
    const [ds] = openDatasets(`kinetics400:${root}`);
    expect(ds.classes).toEqual(['abseiling', 'air drumming', 'zumba']);
    const items = await itemsOf(ds);
    expect(items.map((i) => [i.id, i.label])).toEqual([
      ['abseiling/x1.jpg', 0],
      ['abseiling/x2.jpg', 0],
      ['air drumming/abc_000010_000020.jpg', 1],
      ['zumba/clip9', 2],
    ]);
    const mid = await items[3].load(); // middle frame f2 (a 6x4 png)
    expect([mid.width, mid.height]).toEqual([6, 4]);
  });
  it('checks folders against classes.json', () => {
    put(join(root, 'classes.json'), JSON.stringify({ classes: ['abseiling', 'air drumming'] }));
    expect(() => openDatasets(`kinetics:${root}`)).toThrow(/folders zumba .* not in .*classes.json/);
    rmSync(join(root, 'classes.json'));
    expect(() => openDatasets(`kinetics:${root}#split=val`)).toThrow(/missing folder .*k400\/val/);
    const nested = join(tmp, 'k400-nested');
    put(join(nested, 'images/test/yoga/v1_000001_000011.jpg'), jpg());
    expect(openDatasets(`kinetics:${nested}`)[0].classes).toEqual(['yoga']);
  });
});

describe('emotic', () => {
  const root = join(tmp, 'emotic');
  put(join(root, 'mscoco/images/a.jpg'), encodePng(halves(20, 10)));
  put(
    join(root, 'annotations/annotations_test.json'),
    JSON.stringify([
      {
        image_name: 'a.jpg',
        image_folder: 'mscoco/images',
        image_dims: { width: 20, height: 10 },
        emotion_data: [
          { bbox: [10, 0, 20, 10], categories: 'Happiness', valence: 5, arousal: 5, dominance: 5, gender: 'Male', age: 'Kid' },
          { bbox: [0, 0, 10, 5], categories: ['Engagement', 'Peace'], gender: 'Female', age: 'Teenager' },
          { bbox: [3, 3, 3, 3], categories: 'Fear', age: 'Adult' },
        ],
      },
    ]),
  );
  it('gives age and emotion sets on person crops', async () => {
    const [age, emo] = openDatasets(`emotic:${root}`);
    expect(age.name).toBe('emotic-age');
    expect(age.classes).toEqual(['Adult', 'Kid', 'Teenager']);
    expect(emo.classes.length).toBe(26);
    expect(emo.templates[0]).toBe('a photo of a person who is feeling {}');
    const ai = await itemsOf(age);
    const ei = await itemsOf(emo);
    expect(ai.map((i) => i.label)).toEqual([1, 2]);
    expect(ei.map((i) => i.label)).toEqual([16, [11, 18]]);
    expect(age.annotationSkips!.count).toBe(1); // the empty box
    const crop = await ai[0].load();
    expect([crop.width, crop.height, ...crop.data.subarray(0, 3)]).toEqual([10, 10, 0, 0, 255]);
    const crop2 = await ai[1].load();
    expect([crop2.width, crop2.height, ...crop2.data.subarray(0, 3)]).toEqual([10, 5, 255, 0, 0]);
  });
  it('rejects unknown categories and names the missing annotation file', () => {
    const bad = join(tmp, 'emotic-bad');
    put(join(bad, 'annotations_test.json'), JSON.stringify([{ image_name: 'a.jpg', image_folder: 'x', emotion_data: [{ bbox: [0, 0, 2, 2], categories: 'Boredom', age: 'Adult' }] }]));
    expect(() => openDatasets(`emotic-emotion:${bad}`)).toThrow(/emotion "Boredom", not one of the 26/);
    expect(() => openDatasets(`emotic-age:${root}#split=val`)).toThrow(/missing .*annotations_val.json/);
  });
});

describe('lagenda', () => {
  const root = join(tmp, 'lagenda');
  put(join(root, 'images/p1.jpg'), encodePng(halves(20, 10)));
  put(
    join(root, 'annotations.csv'),
    'img_name,age,gender,face_x0,face_y0,face_x1,face_y1,person_x0,person_y0,person_x1,person_y1\n' +
      'data/lagenda/images/p1.jpg,8,M,0,0,4,4,10,0,20,10\n' +
      'data/lagenda/images/p1.jpg,35,F,12,2,16,8,0,0,10,10\n' +
      'data/lagenda/images/p1.jpg,15,F,-1,-1,-1,-1,0,0,10,10\n',
  );
  it('crops body and face boxes with the paper age groups', async () => {
    const [body, face] = openDatasets(`lagenda:${root}`);
    expect([body.name, face.name]).toEqual(['lagenda-body', 'lagenda-face']);
    expect(body.classes).toEqual(['kid', 'teenager', 'adult']);
    const b = await itemsOf(body);
    const f = await itemsOf(face);
    expect(b.map((i) => i.label)).toEqual([0, 2]);
    expect(body.annotationSkips!.count).toBe(1);
    const b0 = await b[0].load();
    const f1 = await f[1].load();
    expect([b0.width, b0.height, b0.data[2]]).toEqual([10, 10, 255]);
    expect([f1.width, f1.height, f1.data[2]]).toEqual([4, 6, 255]);
  });
  it('names missing columns', () => {
    const bad = join(tmp, 'lagenda-bad');
    put(join(bad, 'annotations.csv'), 'img_name,age\nx.jpg,3\n');
    expect(() => openDatasets(`lg-b:${bad}`)).toThrow(/has no column "face_x0"; its header is: img_name,age/);
  });
});

describe('utkface', () => {
  const root = join(tmp, 'UTKFace');
  for (const n of ['1_0_0_20161219140623097.jpg.chip.jpg', '25_1_2_20170116174525125.jpg.chip.jpg', '61_0_3_2017.jpg', 'readme_1.jpg']) put(join(root, n), jpg());
  it('reads ages from file names', async () => {
    const [ds] = openDatasets(`utkface:${root}`);
    const items = await itemsOf(ds);
    expect(ds.classes).toEqual(['baby', 'child', 'teenager', 'young adult', 'adult']);
    expect(items.map((i) => i.label)).toEqual([0, 3, 4]);
    expect(ds.annotationSkips!.count).toBe(1);
  });
});

describe('fer2013 and fer+', () => {
  const root = join(tmp, 'fer');
  const px = (v: number) => Array.from({ length: 2304 }, (_, i) => (v + i) % 256).join(' ');
  put(
    join(root, 'fer2013.csv'),
    `emotion,pixels,Usage\n0,${px(1)},Training\n3,${px(2)},PublicTest\n6,${px(3)},PrivateTest\n2,${px(4)},PrivateTest\n`,
  );
  put(
    join(root, 'fer2013new.csv'),
    'Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n' +
      'Training,fer0000000.png,4,0,0,1,3,2,0,0,0,0\n' +
      'PublicTest,fer0000001.png,0,10,0,0,0,0,0,0,0,0\n' +
      'PrivateTest,fer0000002.png,2,0,0,0,0,0,0,6,2,0\n' +
      'PrivateTest,,10,0,0,0,0,0,0,0,0,0\n',
  );
  it('reads FER2013 test rows as 48x48 grey images', async () => {
    const [ds] = openDatasets(`fer2013:${root}`);
    const items = await itemsOf(ds);
    expect(items.map((i) => i.label)).toEqual([3, 6, 2]);
    expect(ds.promptNames).toEqual(['angry', 'disgusted', 'fearful', 'happy', 'sad', 'surprised', 'neutral']);
    const img = await items[0].load();
    expect([img.width, img.height, img.data[0], img.data[1], img.data[2], img.data[3], img.data[4]]).toEqual([48, 48, 2, 2, 2, 255, 3]);
    const [priv] = openDatasets(`fer:${root}#usage=PrivateTest`);
    expect((await itemsOf(priv)).length).toBe(2);
    expect(() => greyPixelsToImage('1 2 3')).toThrow(/3 values/);
  });
  it('takes the FER+ majority label, pixels from fer2013.csv', async () => {
    const [ds] = openDatasets(`ferplus:${root}`);
    const items = await itemsOf(ds);
    expect(ds.classes).toContain('contempt');
    expect(items.map((i) => [i.id, i.label])).toEqual([['fer0000002.png', 7]]);
    expect(ds.annotationSkips!.count).toBe(1);
    const img = await items[0].load();
    expect(img.data[0]).toBe(3); // same row (third) of fer2013.csv: px(3)
  });
  it('uses the FERPlus image folders when present', async () => {
    put(join(root, 'FER2013Test/fer0000002.png'), png(48, 48));
    const [ds] = openDatasets(`ferplus:${root}`);
    const img = await (await itemsOf(ds))[0].load();
    expect(img.data[1]).toBe(200);
    expect(() => openDatasets(`ferplus:${join(tmp, 'none')}`)).toThrow(/missing file .*fer2013new.csv/);
  });
});

describe('fairface', () => {
  const root = join(tmp, 'fairface');
  put(join(root, 'val/1.jpg'), jpg());
  put(join(root, 'val/2.jpg'), jpg());
  put(join(root, 'fairface_label_val.csv'), 'file,age,gender,race,service_test\nval/1.jpg,3-9,Male,East Asian,False\nval/2.jpg,50-59,Female,Latino_Hispanic,True\n');
  it('maps the 7 races', async () => {
    const [ds] = openDatasets(`fairface:${root}`);
    expect(ds.promptNames).toEqual(['white', 'black', 'latino hispanic', 'east asian', 'southeast asian', 'indian', 'middle eastern']);
    expect((await itemsOf(ds)).map((i) => i.label)).toEqual([3, 2]);
    put(join(root, 'fairface_label_val.csv'), 'file,age,gender,race\nval/1.jpg,3-9,Male,Martian\n');
    expect(() => openDatasets(`fairface:${root}`)).toThrow(/race "Martian"/);
  });
});

describe('cub200', () => {
  const root = join(tmp, 'CUB_200_2011');
  put(join(root, 'classes.txt'), '1 001.Black_footed_Albatross\n2 002.Laysan_Albatross\n');
  put(join(root, 'images.txt'), '1 001.Black_footed_Albatross/a.jpg\n2 002.Laysan_Albatross/b.jpg\n3 002.Laysan_Albatross/c.jpg\n');
  put(join(root, 'image_class_labels.txt'), '1 1\n2 2\n3 2\n');
  put(join(root, 'train_test_split.txt'), '1 0\n2 1\n3 0\n');
  for (const p of ['001.Black_footed_Albatross/a.jpg', '002.Laysan_Albatross/b.jpg', '002.Laysan_Albatross/c.jpg']) put(join(root, 'images', p), jpg());
  it('reads the test split with class-id order', async () => {
    const [ds] = openDatasets(`cub:${root}`);
    expect(ds.promptNames).toEqual(['Black footed Albatross', 'Laysan Albatross']);
    expect((await itemsOf(ds)).map((i) => [i.id, i.label])).toEqual([
      ['001.Black_footed_Albatross/a.jpg', 0],
      ['002.Laysan_Albatross/c.jpg', 1],
    ]);
  });
});

describe('image folder and synthetic sets', () => {
  const root = join(tmp, 'synth-age');
  put(join(root, 'kid/0.png'), png());
  put(join(root, 'adult/0.png'), png());
  put(join(root, 'adult/1.jpg'), jpg());
  it('uses sorted folders without classes.json', async () => {
    const [ds] = openDatasets(`folder:${root}`);
    expect(ds.classes).toEqual(['adult', 'kid']);
    expect(ds.templates).toEqual(['a photo of {}']);
    expect((await itemsOf(ds)).map((i) => i.label)).toEqual([0, 0, 1]);
    expect(() => openDatasets(`synthetic:${root}`)).toThrow(/missing file .*classes.json/);
  });
  it('follows classes.json order, template and task', async () => {
    put(join(root, 'classes.json'), JSON.stringify({ name: 'synthetic-age', task: 'age', classes: ['kid', 'teenager', 'adult'], template: 'a photo of a {} person' }));
    const [ds] = openDatasets(`synthetic:${root}`);
    expect([ds.name, ds.task]).toEqual(['synthetic-age', 'age']);
    expect((await itemsOf(ds)).map((i) => i.label)).toEqual([0, 2, 2]);
    expect(ds.notes!.join(' ')).toMatch(/without images .*teenager/);
    // exactly what data/synthetic/write-node.ts writes
    put(join(root, 'classes.json'), JSON.stringify({ task: 'count', classes: ['kid', 'teenager', 'adult'], template: 'a photo of a {}', prompts: ['a photo of a kid', 'a photo of a teenager', 'a photo of an adult'], heldOut: ['adult'], count: 3, source: 'x' }));
    put(join(root, 'records.json'), '[]');
    const [syn] = openDatasets(`synthetic:${root}`);
    expect([syn.name, syn.task]).toEqual(['synthetic-count', 'other']);
    expect(syn.templates).toEqual(['{}']);
    expect(syn.promptNames[2]).toBe('a photo of an adult');
    expect(syn.notes!.join(' ')).toMatch(/never named in training captions: adult/);
    put(join(root, 'classes.json'), JSON.stringify({ classes: ['kid'] }));
    expect(() => openDatasets(`synthetic:${root}`)).toThrow(/folders adult .* not classes listed/);
  });
});
