// Kinetics-400 as extracted frames, one frame per test clip.
//
// Layout: <root>/<split>/<label>/*.jpg (one frame per clip; <root>/images/<split>/... also found),
// or <root>/<split>/<label>/<clip>/*.jpg
// (several frames per clip: the middle one in name order is used). Labels are folder names
// ("air drumming" or "air_drumming"). Class order: <root>/classes.json ({"classes": [...]}) when
// present, else the sorted folder names; every folder must be a listed class.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalDataset, EvalItem } from '../types.js';
import { fileItem, limitItems, listDirs, listImages, readText, requirePath, Skips, words, type AdapterOptions } from './common.js';

export const KINETICS_LAYOUT =
  'Kinetics-400 frames expect <root>/<split>/<label>/*.jpg (one frame per clip) or <root>/<split>/<label>/<clip>/*.jpg, split "test" by default (option split=val), and optionally <root>/classes.json with {"classes": [...]}.';

export function kinetics400(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'kinetics400';
  const split = String(opts.split ?? 'test');
  // The authors' extraction puts frames under <root>/images/<split>/...; accept both.
  const dir = existsSync(join(root, split)) || !existsSync(join(root, 'images', split)) ? requirePath(kind, join(root, split), KINETICS_LAYOUT, true) : join(root, 'images', split);
  const folders = listDirs(dir);
  if (!folders.length) throw new Error(`${kind}: ${dir} has no label folders. ${KINETICS_LAYOUT}`);
  let classes = folders;
  const classesFile = join(root, 'classes.json');
  if (existsSync(classesFile)) {
    classes = (JSON.parse(readText(classesFile)) as { classes: string[] }).classes;
    const known = new Set(classes);
    const extra = folders.filter((f) => !known.has(f));
    if (extra.length) throw new Error(`${kind}: folders ${extra.slice(0, 5).join(', ')} in ${dir} are not in ${classesFile} (${classes.length} classes). The class list does not match the data.`);
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const items: EvalItem[] = [];
  const skips = new Skips();
  for (const label of folders) {
    const ldir = join(dir, label);
    const clips = listDirs(ldir);
    for (const f of listImages(ldir)) items.push(fileItem(`${label}/${f}`, join(ldir, f), index.get(label)!));
    for (const clip of clips) {
      const frames = listImages(join(ldir, clip));
      if (!frames.length) {
        skips.add(`${label}/${clip}`, 'clip folder has no frames');
        continue;
      }
      const mid = frames[Math.floor((frames.length - 1) / 2)];
      items.push(fileItem(`${label}/${clip}`, join(ldir, clip, mid), index.get(label)!));
    }
  }
  return {
    name: kind,
    kind,
    task: 'activity',
    classes,
    templates: ['a photo of a person {}'],
    promptNames: classes.map((c) => words(c).toLowerCase()),
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`split ${split}; ${classes.length} classes (${existsSync(classesFile) ? 'classes.json order' : 'sorted folder names'}); one frame per clip`],
  };
}
