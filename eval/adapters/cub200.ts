// CUB-200-2011 birds, test split, full images (the paper publishes no protocol; CLIP's bird
// prompt is used).
//
// Layout (the official tarball): <root>/images.txt ("<id> <relative path>"),
// <root>/image_class_labels.txt ("<id> <class id>"), <root>/classes.txt ("<class id>
// <nnn.Class_Name>"), <root>/train_test_split.txt ("<id> <1 train | 0 test>"), <root>/images/.
// Class order = class id order; prompt words drop the "nnn." prefix and underscores.

import { join } from 'node:path';
import type { EvalDataset, EvalItem } from '../types.js';
import { fileItem, limitItems, readLines, requirePath, Skips, words, type AdapterOptions } from './common.js';
import { resolveInside } from '../../data/paths-node.js';

export const CUB_LAYOUT =
  'CUB-200 expects <root>/images.txt, <root>/image_class_labels.txt, <root>/classes.txt, <root>/train_test_split.txt and <root>/images/ (the CUB_200_2011 folder of the official tarball).';

function pairs(kind: string, path: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of readLines(path)) {
    const sp = l.indexOf(' ');
    if (sp < 0) throw new Error(`${kind}: malformed line "${l}" in ${path} (expected "<id> <value>").`);
    m.set(l.slice(0, sp), l.slice(sp + 1).trim());
  }
  return m;
}

export function cub200(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'cub200';
  const images = pairs(kind, requirePath(kind, join(root, 'images.txt'), CUB_LAYOUT));
  const labels = pairs(kind, requirePath(kind, join(root, 'image_class_labels.txt'), CUB_LAYOUT));
  const classRows = [...pairs(kind, requirePath(kind, join(root, 'classes.txt'), CUB_LAYOUT))].sort((a, b) => Number(a[0]) - Number(b[0]));
  const split = pairs(kind, requirePath(kind, join(root, 'train_test_split.txt'), CUB_LAYOUT));
  const imagesDir = requirePath(kind, join(root, 'images'), CUB_LAYOUT, true);
  const classes = classRows.map(([, n]) => n);
  const index = new Map(classRows.map(([id], i) => [id, i]));
  const wantTrain = String(opts.split ?? 'test') === 'train' ? '1' : '0';
  const items: EvalItem[] = [];
  const skips = new Skips();
  for (const [id, rel] of images) {
    if (split.get(id) !== wantTrain) continue;
    const cid = labels.get(id);
    const label = cid === undefined ? undefined : index.get(cid);
    if (label === undefined) {
      if (cid === undefined) skips.add(rel, 'no class label');
      else throw new Error(`${kind}: image ${id} has class id ${cid}, not in classes.txt (${classes.length} classes). The class list does not match the data.`);
      continue;
    }
    items.push(fileItem(rel, resolveInside(imagesDir, rel, `${kind}: ${rel}`), label));
  }
  return {
    name: kind,
    kind,
    task: 'birds',
    classes,
    templates: ['a photo of a {}, a type of bird.'],
    promptNames: classes.map((c) => words(c.replace(/^\d+\./, ''))),
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`${wantTrain === '0' ? 'test' : 'train'} split; full images`],
  };
}
