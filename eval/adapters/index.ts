// Every dataset adapter by kind, and the `kind:path[#key=value,...]` spec the CLI takes.
// A kind may yield several datasets (emotic -> age and emotion; lagenda -> body and face crops).

import type { EvalDataset } from '../types.js';
import type { AdapterOptions } from './common.js';
import { cub200 } from './cub200.js';
import { emotic } from './emotic.js';
import { fairface } from './fairface.js';
import { fer2013, ferplus } from './fer.js';
import { imageFolder } from './folder.js';
import { kinetics400 } from './kinetics.js';
import { lagenda } from './lagenda.js';
import { stanford40 } from './stanford40.js';
import { utkface } from './utkface.js';

type Open = (root: string, opts: AdapterOptions) => EvalDataset[];

export const ADAPTERS: Record<string, { open: Open; about: string }> = {
  stanford40: { open: (r, o) => [stanford40(r, o)], about: 'Stanford 40 Actions, test split (activity, top-3)' },
  kinetics400: { open: (r, o) => [kinetics400(r, o)], about: 'Kinetics-400 frames, <split>/<label>/*.jpg (activity, top-3)' },
  emotic: { open: (r, o) => [emotic(r, 'age', o), emotic(r, 'emotion', o)], about: 'EMOTIC age and emotion on person crops' },
  'emotic-age': { open: (r, o) => [emotic(r, 'age', o)], about: 'EMOTIC age groups (age, top-1)' },
  'emotic-emotion': { open: (r, o) => [emotic(r, 'emotion', o)], about: 'EMOTIC 26 emotions (emotion, top-3)' },
  lagenda: { open: (r, o) => [lagenda(r, 'body', o), lagenda(r, 'face', o)], about: 'LAGENDA body and face crops (LG-B, LG-F)' },
  'lagenda-body': { open: (r, o) => [lagenda(r, 'body', o)], about: 'LAGENDA body crops, LG-B (age, top-1)' },
  'lagenda-face': { open: (r, o) => [lagenda(r, 'face', o)], about: 'LAGENDA face crops, LG-F (age, top-1)' },
  utkface: { open: (r, o) => [utkface(r, o)], about: 'UTKFace, five age groups from file names (age, top-1)' },
  fer2013: { open: (r, o) => [fer2013(r, o)], about: 'FER2013 CSV, PublicTest+PrivateTest (emotion, top-3)' },
  ferplus: { open: (r, o) => [ferplus(r, o)], about: 'FER+ vote counts, majority label (emotion, top-3)' },
  fairface: { open: (r, o) => [fairface(r, o)], about: 'FairFace validation, 7 races (race, top-1)' },
  cub200: { open: (r, o) => [cub200(r, o)], about: 'CUB-200-2011 birds, test split (top-1)' },
  folder: { open: (r, o) => [imageFolder(r, o, 'folder')], about: 'generic <class>/*.jpg folder, optional classes.json' },
  synthetic: { open: (r, o) => [imageFolder(r, o, 'synthetic')], about: 'our synthetic held-out sets (image folder + classes.json)' },
};

const ALIASES: Record<string, string> = {
  kinetics: 'kinetics400',
  'lg-b': 'lagenda-body',
  'lg-f': 'lagenda-face',
  fer: 'fer2013',
  'fer+': 'ferplus',
  cub: 'cub200',
  stanford: 'stanford40',
};

export interface DatasetSpec {
  kind: string;
  path: string;
  options: AdapterOptions;
}

/** "kind:path" or "kind:path#split=val,limit=100". */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new Error(`dataset "${spec}" must be <kind>:<path>, e.g. stanford40:/data/Stanford40. Kinds: ${Object.keys(ADAPTERS).join(', ')}.`);
  const rawKind = spec.slice(0, colon).toLowerCase();
  const kind = ALIASES[rawKind] ?? rawKind;
  if (!ADAPTERS[kind]) throw new Error(`unknown dataset kind "${rawKind}". Kinds: ${Object.keys(ADAPTERS).join(', ')}.`);
  let rest = spec.slice(colon + 1);
  const options: AdapterOptions = {};
  const hash = rest.lastIndexOf('#');
  if (hash >= 0) {
    for (const kv of rest.slice(hash + 1).split(',').filter(Boolean)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`dataset option "${kv}" in "${spec}" must be key=value (e.g. split=val, usage=PrivateTest, limit=500).`);
      const k = kv.slice(0, eq).trim();
      const v = kv.slice(eq + 1).trim();
      options[k] = k === 'limit' ? Number(v) : v;
    }
    rest = rest.slice(0, hash);
  }
  if (!rest) throw new Error(`dataset "${spec}" has no path after "${rawKind}:".`);
  return { kind, path: rest, options };
}

export function openDatasets(spec: string | DatasetSpec): EvalDataset[] {
  const s = typeof spec === 'string' ? parseDatasetSpec(spec) : spec;
  return ADAPTERS[s.kind].open(s.path, s.options);
}
