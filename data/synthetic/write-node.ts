// Writing synthetic data to disk: training images + records JSON, and evaluation sets in the
// generic image-folder layout `<root>/<class name>/*.png` + classes.json that the evaluation
// folder adapter reads.
import { join } from 'node:path';
import { writeFileAtomic, writePng } from '../image-node.js';
import type { RGBAImage } from '../image.js';
import type { PoseRecord } from '../record.js';
import type { EvalSet } from './generate.js';

export function writeDataset(dir: string, records: readonly PoseRecord[], images: readonly RGBAImage[], imagesSub = 'images'): void {
  records.forEach((r, i) => writePng(join(dir, imagesSub, r.image), images[i]));
  writeFileAtomic(join(dir, 'records.json'), JSON.stringify(records));
}

export interface ClassesFile {
  task: string;
  classes: string[];
  template: string;
  prompts: string[];
  heldOut: string[];
  count: number;
  source: string;
}

export function writeEvalSet(root: string, set: EvalSet, source = 'focusclip synthetic people'): void {
  for (const it of set.items) writePng(join(root, set.classes[it.label], it.record.image), it.image);
  writeFileAtomic(join(root, 'records.json'), JSON.stringify(set.items.map((it) => ({ ...it.record, label: set.classes[it.label] }))));
  const meta: ClassesFile = { task: set.task, classes: set.classes, template: set.template, prompts: set.prompts, heldOut: set.heldOut, count: set.items.length, source };
  writeFileAtomic(join(root, 'classes.json'), JSON.stringify(meta, null, 2));
}
