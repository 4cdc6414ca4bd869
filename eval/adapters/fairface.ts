// FairFace validation set, race (7 classes).
//
// Layout: <root>/fairface_label_val.csv with columns file, age, gender, race (service_test
// optional); `file` is relative to <root> (e.g. "val/1.jpg"). Races as written in the CSV:
// White, Black, Latino_Hispanic, East Asian, Southeast Asian, Indian, Middle Eastern (that class
// order, the FairFace paper's).

import { join } from 'node:path';
import type { EvalDataset, EvalItem } from '../types.js';
import { fileItem, limitItems, readCsv, requirePath, Skips, words, type AdapterOptions } from './common.js';
import { resolveInside } from '../../data/paths-node.js';

export const FAIRFACE_RACES = ['White', 'Black', 'Latino_Hispanic', 'East Asian', 'Southeast Asian', 'Indian', 'Middle Eastern'];

export const FAIRFACE_LAYOUT = 'FairFace expects <root>/fairface_label_val.csv (columns file,age,gender,race) and the images at <root>/<file> (e.g. <root>/val/1.jpg).';

export function fairface(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'fairface';
  const file = requirePath(kind, join(root, String(opts.csv ?? 'fairface_label_val.csv')), FAIRFACE_LAYOUT);
  const csv = readCsv(file, kind);
  const [cF, cR] = [csv.col('file'), csv.col('race')];
  const index = new Map(FAIRFACE_RACES.map((r, i) => [r.toLowerCase().replace(/[_\s]+/g, ' '), i]));
  const items: EvalItem[] = [];
  const skips = new Skips();
  csv.rows.forEach((row, i) => {
    const f = row[cF]?.trim();
    if (!f) return skips.add(`row ${i + 2}`, 'no file');
    const race = row[cR]?.trim() ?? '';
    const label = index.get(race.toLowerCase().replace(/[_\s]+/g, ' '));
    if (label === undefined) throw new Error(`${kind}: ${f} has race "${race}", not one of ${FAIRFACE_RACES.join(', ')}. The class list does not match the data.`);
    items.push(fileItem(f, resolveInside(root, f, `${kind}: ${f}`), label));
  });
  return {
    name: kind,
    kind,
    task: 'race',
    classes: FAIRFACE_RACES,
    templates: ['a photo of a {} person'],
    promptNames: FAIRFACE_RACES.map((r) => words(r).toLowerCase()),
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`${file}; full face images`],
  };
}
