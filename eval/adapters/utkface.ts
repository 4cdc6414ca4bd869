// UTKFace (aligned and cropped faces): age group from the file name
// "<age>_<gender>_<race>_<date&time>.jpg" (".jpg.chip.jpg" in the aligned release).
//
// Layout: the image files directly in <root> (the "UTKFace" folder) or in <root>/images. All
// images are used (UTKFace has no official test split). Five groups as the paper: baby 0-2,
// child 3-9, teenager 10-19, young adult 20-29, adult 30+.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalDataset, EvalItem } from '../types.js';
import { fileItem, limitItems, listImages, requirePath, Skips, type AdapterOptions } from './common.js';

export const UTK_AGES = ['baby', 'child', 'teenager', 'young adult', 'adult'];

export const UTKFACE_LAYOUT = 'UTKFace expects the face images named <age>_<gender>_<race>_<date>.jpg[.chip.jpg] directly in <root> or in <root>/images.';

export function utkAgeGroup(age: number): number {
  return age <= 2 ? 0 : age <= 9 ? 1 : age <= 19 ? 2 : age <= 29 ? 3 : 4;
}

export function utkface(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'utkface';
  requirePath(kind, root, UTKFACE_LAYOUT, true);
  const sub = join(root, 'images');
  let dir = root;
  let files = listImages(root);
  if (!files.length && existsSync(sub) && statSync(sub).isDirectory()) (dir = sub), (files = listImages(sub));
  if (!files.length) throw new Error(`${kind}: no .jpg/.png images in ${root}. ${UTKFACE_LAYOUT}`);
  const items: EvalItem[] = [];
  const skips = new Skips();
  for (const f of files) {
    const m = /^(\d+)_/.exec(f);
    if (!m) {
      skips.add(f, 'file name does not start with <age>_');
      continue;
    }
    items.push(fileItem(f, join(dir, f), utkAgeGroup(Number(m[1]))));
  }
  return {
    name: kind,
    kind,
    task: 'age',
    classes: UTK_AGES,
    templates: ['a photo of a {} person'],
    promptNames: UTK_AGES,
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: ['all images; age from the file name; baby 0-2, child 3-9, teenager 10-19, young adult 20-29, adult 30+'],
  };
}
