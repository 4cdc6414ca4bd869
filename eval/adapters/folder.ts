// A generic labelled image folder, also the format of our synthetic held-out sets.
//
// Layout: <root>/<class>/*.{jpg,jpeg,png}; optional <root>/classes.json:
//   { "name": "synthetic-activity", "task": "activity", "classes": ["running", ...],
//     "promptNames": ["running", ...], "template": "a photo of a person {}" (or "templates": [...]),
//     "prompts": ["a photo of a person running", ...] (exact prompts, one per class; win over the
//     template), "heldOut": [...] (classes never named in training; reported) }
// This is what data/synthetic/write-node.ts writes. A task outside the paper's (e.g. "count",
// "clothing") is scored as task "other" (top-1) and keeps its name in the dataset name.
// Without classes.json the classes are the sorted sub-folder names. With it, the listed order is
// the label order, every folder must be a listed class, and a listed class without a folder stays
// a candidate (zero-shot scores it) with no items of its own.

import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { TASKS, type EvalDataset, type EvalItem, type Task } from '../types.js';
import { fileItem, limitItems, listDirs, listImages, readText, requirePath, words, type AdapterOptions } from './common.js';
import { resolveInside } from '../../data/paths-node.js';

export const FOLDER_LAYOUT =
  'An image folder is <root>/<class>/*.jpg|png, optionally with <root>/classes.json {"classes": [...], "template": "a photo of {}", "task": "activity|age|emotion|race|..."}.';

interface ClassesJson {
  name?: string;
  task?: string;
  classes?: string[];
  promptNames?: string[];
  template?: string;
  templates?: string[];
  prompts?: string[];
  heldOut?: string[];
}

export function imageFolder(root: string, opts: AdapterOptions = {}, kind = 'folder'): EvalDataset {
  requirePath(kind, root, FOLDER_LAYOUT, true);
  const cfgFile = join(root, 'classes.json');
  let cfg: ClassesJson = {};
  if (existsSync(cfgFile)) {
    try {
      cfg = JSON.parse(readText(cfgFile));
    } catch (e) {
      throw new Error(`${kind}: ${cfgFile} is not valid JSON (${(e as Error).message}). ${FOLDER_LAYOUT}`);
    }
  } else if (kind === 'synthetic') {
    throw new Error(`${kind}: missing file ${cfgFile}; synthetic held-out sets carry their classes, task and template there. ${FOLDER_LAYOUT}`);
  }
  const folders = listDirs(root);
  const classes = cfg.classes ?? folders;
  if (!classes.length) throw new Error(`${kind}: ${root} has no class folders. ${FOLDER_LAYOUT}`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const extra = folders.filter((f) => !index.has(f));
  if (extra.length) throw new Error(`${kind}: folders ${extra.slice(0, 5).join(', ')} in ${root} are not classes listed in ${cfgFile} (${classes.join(', ')}). The class list does not match the data.`);
  if (cfg.promptNames && cfg.promptNames.length !== classes.length) {
    throw new Error(`${kind}: ${cfgFile} has ${cfg.promptNames.length} promptNames for ${classes.length} classes.`);
  }
  if (cfg.prompts && cfg.prompts.length !== classes.length) {
    throw new Error(`${kind}: ${cfgFile} has ${cfg.prompts.length} prompts for ${classes.length} classes.`);
  }
  const taskName = String(cfg.task ?? opts.task ?? 'other');
  const task: Task = (TASKS as readonly string[]).includes(taskName) ? (taskName as Task) : 'other';
  const items: EvalItem[] = [];
  const empty: string[] = [];
  for (const c of classes) {
    const dir = resolveInside(root, c, `${kind}: class "${c}" of ${cfgFile}`);
    const files = existsSync(dir) ? listImages(dir) : [];
    if (!files.length) empty.push(c);
    for (const f of files) items.push(fileItem(`${c}/${f}`, join(dir, f), index.get(c)!));
  }
  if (!items.length) throw new Error(`${kind}: no images under ${root}/<class>/. ${FOLDER_LAYOUT}`);
  const exact = !!cfg.prompts && !cfg.templates && !opts.template;
  return {
    name: cfg.name ?? (kind === 'synthetic' && cfg.task ? `synthetic-${cfg.task}` : basename(resolve(root))),
    kind,
    task,
    classes,
    templates: exact ? ['{}'] : cfg.templates ?? [cfg.template ?? (String(opts.template ?? '') || 'a photo of {}')],
    promptNames: exact ? [...cfg.prompts!] : cfg.promptNames ?? classes.map(words),
    items: limitItems(items, opts),
    root,
    notes: [
      existsSync(cfgFile) ? 'classes from classes.json' : 'classes = sorted folder names',
      ...(exact ? ['exact prompts from classes.json'] : []),
      ...(task !== taskName ? [`task "${taskName}" scored as "other" (top-1)`] : []),
      ...(cfg.heldOut?.length ? [`classes never named in training captions: ${cfg.heldOut.join(', ')}`] : []),
      ...(empty.length ? [`classes without images (still candidates): ${empty.join(', ')}`] : []),
    ],
  };
}
