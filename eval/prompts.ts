// Class prompts: templates filled with class words, and user overrides of both. The override file
// is JSON keyed by dataset name or adapter kind:
//   { "fer2013": { "templates": ["a photo of {a} {} looking face", "a close-up of {a} {} face"],
//                  "promptNames": { "fear": "scared" } } }
// `promptNames` may be a full array (one per class, in class order) or a map class -> word.

import type { EvalDataset } from './types.js';

export interface PromptOverride {
  templates?: string[];
  promptNames?: string[] | Record<string, string>;
}

export type PromptOverrides = Record<string, PromptOverride>;

/** "a" or "an" for a word, by its first letter (good enough for class words; "hour" is not one). */
export function article(word: string): string {
  return /^[aeiou]/i.test(word.trim()) ? 'an' : 'a';
}

export function fillTemplate(template: string, name: string): string {
  if (!template.includes('{}')) throw new Error(`prompt template "${template}" has no {} placeholder for the class name.`);
  return template.replaceAll('{a}', article(name)).replaceAll('{}', name);
}

/** prompts[c] = every template filled with class c's word. */
export function buildPrompts(templates: readonly string[], promptNames: readonly string[]): string[][] {
  if (!templates.length) throw new Error('no prompt templates: give at least one, e.g. "a photo of a {}".');
  return promptNames.map((name) => templates.map((t) => fillTemplate(t, name)));
}

/** Apply the override for this dataset (by name, then by kind), checking class names. */
export function applyPromptOverrides(ds: EvalDataset, overrides: PromptOverrides | undefined): EvalDataset {
  const o = overrides?.[ds.name] ?? overrides?.[ds.kind];
  if (!o) return ds;
  let promptNames = ds.promptNames;
  if (Array.isArray(o.promptNames)) {
    if (o.promptNames.length !== ds.classes.length) {
      throw new Error(`prompt override for ${ds.name}: promptNames has ${o.promptNames.length} entries but the dataset has ${ds.classes.length} classes (${ds.classes.join(', ')}).`);
    }
    promptNames = [...o.promptNames];
  } else if (o.promptNames) {
    promptNames = [...ds.promptNames];
    for (const [cls, word] of Object.entries(o.promptNames)) {
      const c = ds.classes.indexOf(cls);
      if (c < 0) throw new Error(`prompt override for ${ds.name}: unknown class "${cls}"; classes are ${ds.classes.join(', ')}.`);
      promptNames[c] = word;
    }
  }
  const templates = o.templates ?? ds.templates;
  buildPrompts(templates, promptNames); // validates the templates now, not at encode time
  return { ...ds, templates: [...templates], promptNames };
}

/** Variants of "a photo of ..." for prompt ensembling (--ensemble): the class word and the rest of
 *  the template stay, only the framing changes. Templates of another shape are kept as they are. */
export const ENSEMBLE_FRAMINGS = ['a photo of', 'a picture of', 'an image of', 'a cropped photo of', 'a close-up photo of'];

export function ensembleTemplates(templates: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of templates) {
    if (t.startsWith('a photo of ')) for (const f of ENSEMBLE_FRAMINGS) out.push(f + t.slice('a photo of'.length));
    else out.push(t);
  }
  return [...new Set(out)];
}
