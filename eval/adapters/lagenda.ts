// LAGENDA (the MiVOLO age/gender benchmark): age groups on body crops (LG-B) and face crops (LG-F).
//
// Layout: <root>/annotations.csv with a header naming at least img_name, age, face_x0, face_y0,
// face_x1, face_y1, person_x0, person_y0, person_x1, person_y1 (missing boxes are -1), and the
// images at <root>/<img_name> or <root>/images/<basename of img_name>.
// As the authors' code: rows with any -1 among those columns are dropped (so LG-B and LG-F score
// the same people); age groups kid <= 12, teenager 13-19, adult >= 20.

import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readImage } from '../../data/image-node.js';
import type { EvalDataset, EvalItem } from '../types.js';
import { cropBox, limitItems, readCsv, requirePath, Skips, type AdapterOptions, type Box } from './common.js';
import { resolveInside } from '../../data/paths-node.js';

export const LAGENDA_AGES = ['kid', 'teenager', 'adult'];

export const LAGENDA_LAYOUT =
  'LAGENDA expects <root>/annotations.csv (columns img_name, age, face_x0..face_y1, person_x0..person_y1) and the images at <root>/<img_name> or <root>/images/<file name>.';

export function lagendaAgeGroup(age: number): number {
  return age <= 12 ? 0 : age <= 19 ? 1 : 2;
}

export function lagenda(root: string, crop: 'body' | 'face', opts: AdapterOptions = {}): EvalDataset {
  const kind = 'lagenda';
  const file = requirePath(kind, join(root, 'annotations.csv'), LAGENDA_LAYOUT);
  const csv = readCsv(file, kind);
  const cImg = csv.col('img_name');
  const cAge = csv.col('age');
  const faceCols = ['face_x0', 'face_y0', 'face_x1', 'face_y1'].map((c) => csv.col(c));
  const bodyCols = ['person_x0', 'person_y0', 'person_x1', 'person_y1'].map((c) => csv.col(c));
  const items: EvalItem[] = [];
  const skips = new Skips();
  csv.rows.forEach((row, i) => {
    const name = row[cImg]?.trim();
    const id = `${name}#${i}`;
    const age = Number(row[cAge]);
    const face = faceCols.map((c) => Number(row[c]));
    const body = bodyCols.map((c) => Number(row[c]));
    if (!name) return skips.add(`row ${i + 2}`, 'no img_name');
    if (!Number.isFinite(age) || age < 0) return skips.add(id, `no age (${row[cAge]})`);
    if ([...face, ...body].some((v) => !Number.isFinite(v) || v === -1)) return skips.add(id, 'a face or body box is missing (-1)');
    const box = (crop === 'face' ? face : body) as unknown as Box;
    if (!(box[2] > box[0] && box[3] > box[1])) return skips.add(id, `empty ${crop} box`);
    items.push({
      id,
      label: lagendaAgeGroup(age),
      load() {
        const direct = resolveInside(root, name, `${kind}: ${id}`);
        const path = existsSync(direct) ? direct : join(root, 'images', basename(name));
        return cropBox(readImage(path), box);
      },
    });
  });
  return {
    name: `lagenda-${crop}`,
    kind,
    task: 'age',
    classes: LAGENDA_AGES,
    templates: ['a photo of a {} person'],
    promptNames: LAGENDA_AGES,
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`${crop} crops; kid <= 12, teenager 13-19, adult >= 20; rows missing either box dropped`],
  };
}
