// EMOTIC: people in context, cropped to their body box; two tasks on the same crops: age group
// (Adult / Kid / Teenager) and emotion (26 categories, multi-label: a hit when any annotated
// category is in the top k).
//
// The official annotations are a MATLAB file; the adapter reads them converted to JSON, one file
// per split: <root>/annotations_<split>.json or <root>/annotations/annotations_<split>.json, an
// array of images as the FocusCLIP authors' converter writes them:
//   { "image_name": "COCO_val2014_000000123.jpg", "image_folder": "mscoco/images",
//     "emotion_data": [ { "bbox": [x1, y1, x2, y2], "categories": "Engagement" | ["Engagement", ...],
//                         "age": "Adult", "gender": "Male", ... } ] }
// The field names of the .mat structure are accepted too (filename, folder, person, body_bbox,
// combined_categories or annotations_categories[0].categories). Images: <root>/<image_folder>/<image_name>.

import { join } from 'node:path';
import type { EvalDataset, EvalItem } from '../types.js';
import { firstExisting, fileItem, limitItems, readText, Skips, validBox, type AdapterOptions } from './common.js';
import { resolveInside } from '../../data/paths-node.js';

export const EMOTIC_AGES = ['Adult', 'Kid', 'Teenager'];
export const EMOTIC_EMOTIONS = [
  'Affection', 'Anger', 'Annoyance', 'Anticipation', 'Aversion', 'Confidence', 'Disapproval',
  'Disconnection', 'Disquietment', 'Doubt/Confusion', 'Embarrassment', 'Engagement', 'Esteem',
  'Excitement', 'Fatigue', 'Fear', 'Happiness', 'Pain', 'Peace', 'Pleasure', 'Sadness',
  'Sensitivity', 'Suffering', 'Surprise', 'Sympathy', 'Yearning',
];

export const EMOTIC_LAYOUT =
  'EMOTIC expects the annotations converted to JSON at <root>/annotations_<split>.json (or <root>/annotations/annotations_<split>.json): an array of {image_name, image_folder, emotion_data: [{bbox: [x1,y1,x2,y2], categories, age}]}, and the images at <root>/<image_folder>/<image_name>. Split "test" by default (option split=train|val).';

function categoriesOf(p: any): string[] {
  const c = p.categories ?? p.combined_categories ?? p.annotations_categories?.[0]?.categories ?? p.annotations_categories?.categories;
  if (c === undefined || c === null) return [];
  return (Array.isArray(c) ? c : [c]).map(String);
}

export function emotic(root: string, task: 'age' | 'emotion', opts: AdapterOptions = {}): EvalDataset {
  const kind = 'emotic';
  const split = String(opts.split ?? 'test');
  const file = firstExisting(kind, [join(root, `annotations_${split}.json`), join(root, 'annotations', `annotations_${split}.json`)], EMOTIC_LAYOUT);
  let records: any[];
  try {
    records = JSON.parse(readText(file));
  } catch (e) {
    throw new Error(`${kind}: ${file} is not valid JSON (${(e as Error).message}). ${EMOTIC_LAYOUT}`);
  }
  if (!Array.isArray(records)) throw new Error(`${kind}: ${file} must hold a JSON array of images. ${EMOTIC_LAYOUT}`);
  const classes = task === 'age' ? EMOTIC_AGES : EMOTIC_EMOTIONS;
  const index = new Map(classes.map((c, i) => [c.toLowerCase(), i]));
  const items: EvalItem[] = [];
  const skips = new Skips();
  records.forEach((r, i) => {
    const name = r.image_name ?? r.filename;
    const folder = r.image_folder ?? r.folder ?? '';
    const people = r.emotion_data ?? r.person ?? [];
    if (typeof name !== 'string') throw new Error(`${kind}: record ${i} of ${file} has no image_name. ${EMOTIC_LAYOUT}`);
    (Array.isArray(people) ? people : [people]).forEach((p: any, j: number) => {
      const id = `${folder}/${name}#${j}`;
      const box = (p.bbox ?? p.body_bbox ?? []).map(Number);
      if (!validBox(box)) return skips.add(id, `bad person box ${JSON.stringify(p.bbox ?? p.body_bbox)}`);
      let labels: number[];
      if (task === 'age') {
        const l = index.get(String(p.age ?? '').toLowerCase());
        if (l === undefined) {
          if (p.age === undefined || p.age === '') return skips.add(id, 'no age');
          throw new Error(`${kind}: ${id} has age "${p.age}", not one of ${classes.join(', ')}. The class list does not match the data.`);
        }
        labels = [l];
      } else {
        const cats = categoriesOf(p);
        if (!cats.length) return skips.add(id, 'no emotion category');
        labels = cats.map((c) => {
          const l = index.get(c.toLowerCase());
          if (l === undefined) throw new Error(`${kind}: ${id} has emotion "${c}", not one of the 26 EMOTIC categories (${classes.join(', ')}). The class list does not match the data.`);
          return l;
        });
      }
      items.push(fileItem(id, resolveInside(root, join(folder, name), `${kind}: ${id}`), labels.length === 1 ? labels[0] : labels, box));
    });
  });
  return {
    name: `emotic-${task}`,
    kind,
    task,
    classes,
    templates: task === 'age' ? ['a photo of a {} person'] : ['a photo of a person who is feeling {}'],
    promptNames: classes.map((c) => c.toLowerCase()),
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [
      `split ${split} from ${file}; person body-box crops`,
      ...(task === 'emotion' ? ['multi-label: a hit when any annotated category is in the top k'] : []),
    ],
  };
}
