// FER2013 and FER+: 48x48 grey faces.
//
// FER2013 layout: <root>/fer2013.csv (or the CSV path itself) with columns emotion, pixels, Usage;
// emotion 0..6 = anger, disgust, fear, happiness, sadness, surprise, neutral; pixels = 2304
// space-separated grey values, row-major; Usage = Training | PublicTest | PrivateTest. The test
// set is PublicTest + PrivateTest by default (option usage=PrivateTest for one of them).
//
// FER+ layout: <root>/fer2013new.csv (Microsoft FERPlus) with columns Usage, Image name, then
// vote counts neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF.
// Rows line up one to one with fer2013.csv. Images come from <root>/FER2013Test|FER2013Valid|
// FER2013Train/<Image name> when those folders exist, else from the pixels of <root>/fer2013.csv.
// Label = the emotion with most votes among the 8 (first in column order on ties); rows with no
// image name, any "no face" (NF) vote or no emotion vote are dropped, as the authors' code does.
// Default usage PrivateTest (= FERPlus's FER2013Test folder).

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RGBAImage } from '../../data/image.js';
import type { EvalDataset, EvalItem } from '../types.js';
import { fileItem, limitItems, readCsv, requirePath, Skips, type AdapterOptions } from './common.js';

export const FER_CLASSES = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'];
export const FER_ADJECTIVES = ['angry', 'disgusted', 'fearful', 'happy', 'sad', 'surprised', 'neutral'];
export const FERPLUS_CLASSES = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt'];
export const FERPLUS_ADJECTIVES = ['neutral', 'happy', 'surprised', 'sad', 'angry', 'disgusted', 'fearful', 'contemptuous'];
const FACE_TEMPLATE = 'a photo of {a} {} looking face';

export const FER2013_LAYOUT = 'FER2013 expects <root>/fer2013.csv with columns emotion,pixels,Usage (the Kaggle release).';
export const FERPLUS_LAYOUT =
  'FER+ expects <root>/fer2013new.csv (FERPlus vote counts: Usage,Image name,neutral,...,contempt,unknown,NF) and either the FERPlus image folders <root>/FER2013Test (etc.) or <root>/fer2013.csv for the pixels.';

/** "70 80 ..." (side x side grey values) -> RGBA. */
export function greyPixelsToImage(pixels: string, side = 48): RGBAImage {
  const v = pixels.trim().split(/\s+/).map(Number);
  if (v.length !== side * side || v.some((x) => !(x >= 0 && x <= 255))) {
    throw new Error(`pixel string has ${v.length} values (expected ${side * side} grey values in 0..255).`);
  }
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < v.length; i++) {
    data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = v[i];
    data[4 * i + 3] = 255;
  }
  return { width: side, height: side, data };
}

function csvPath(kind: string, root: string, file: string, layout: string): string {
  if (existsSync(root) && statSync(root).isFile()) return root;
  return requirePath(kind, join(root, file), layout);
}

function usages(opts: AdapterOptions, dflt: string): Set<string> {
  return new Set(String(opts.usage ?? opts.split ?? dflt).split(/[+,|]/).map((s) => s.trim()));
}

function pixelItem(id: string, pixels: string, label: number): EvalItem {
  return { id, label, load: () => greyPixelsToImage(pixels) };
}

export function fer2013(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'fer2013';
  const file = csvPath(kind, root, 'fer2013.csv', FER2013_LAYOUT);
  const csv = readCsv(file, kind);
  const [cE, cP, cU] = [csv.col('emotion'), csv.col('pixels'), csv.col('Usage')];
  const want = usages(opts, 'PublicTest,PrivateTest');
  const items: EvalItem[] = [];
  const skips = new Skips();
  csv.rows.forEach((row, i) => {
    const usage = row[cU]?.trim();
    if (!want.has(usage)) return;
    const e = Number(row[cE]);
    if (!Number.isInteger(e) || e < 0 || e >= FER_CLASSES.length) {
      throw new Error(`${kind}: row ${i + 2} of ${file} has emotion "${row[cE]}", expected 0..6 (${FER_CLASSES.join(', ')}). The class list does not match the data.`);
    }
    items.push(pixelItem(`row${i + 2}`, row[cP], e));
  });
  if (!items.length) throw new Error(`${kind}: no rows of ${file} have Usage in {${[...want].join(', ')}}.`);
  return {
    name: kind,
    kind,
    task: 'emotion',
    classes: FER_CLASSES,
    templates: [FACE_TEMPLATE],
    promptNames: FER_ADJECTIVES,
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`Usage ${[...want].join(' + ')}`],
  };
}

const FERPLUS_FOLDERS: Record<string, string> = { Training: 'FER2013Train', PublicTest: 'FER2013Valid', PrivateTest: 'FER2013Test' };

export function ferplus(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'ferplus';
  const file = csvPath(kind, root, 'fer2013new.csv', FERPLUS_LAYOUT);
  const base = existsSync(root) && statSync(root).isFile() ? join(file, '..') : root;
  const csv = readCsv(file, kind);
  const cU = csv.col('Usage');
  const cN = csv.col('Image name');
  const voteCols = FERPLUS_CLASSES.map((c) => csv.col(c));
  const cNF = csv.header.indexOf('NF');
  const want = usages(opts, 'PrivateTest');
  const haveFolders = [...want].every((u) => FERPLUS_FOLDERS[u] && existsSync(join(base, FERPLUS_FOLDERS[u])));
  let pixels: string[] | undefined;
  if (!haveFolders) {
    const ferCsv = requirePath(kind, join(base, 'fer2013.csv'), FERPLUS_LAYOUT);
    const fer = readCsv(ferCsv, kind);
    const cP = fer.col('pixels');
    if (fer.rows.length !== csv.rows.length) {
      throw new Error(`${kind}: ${file} has ${csv.rows.length} rows but ${ferCsv} has ${fer.rows.length}; FER+ rows must line up with FER2013 rows.`);
    }
    pixels = fer.rows.map((r) => r[cP]);
  }
  const items: EvalItem[] = [];
  const skips = new Skips();
  csv.rows.forEach((row, i) => {
    const usage = row[cU]?.trim();
    if (!want.has(usage)) return;
    const name = row[cN]?.trim();
    const id = name || `row${i + 2}`;
    if (!name) return skips.add(id, 'no image name (removed from FER+)');
    if (cNF >= 0 && Number(row[cNF]) > 0) return skips.add(id, 'not a face (NF votes)');
    const votes = voteCols.map((c) => Number(row[c]) || 0);
    const max = Math.max(...votes);
    if (max <= 0) return skips.add(id, 'no emotion votes');
    const label = votes.indexOf(max);
    if (pixels) items.push(pixelItem(id, pixels[i], label));
    else items.push(fileItem(id, join(base, FERPLUS_FOLDERS[usage], name), label));
  });
  return {
    name: kind,
    kind,
    task: 'emotion',
    classes: FERPLUS_CLASSES,
    templates: [FACE_TEMPLATE],
    promptNames: FERPLUS_ADJECTIVES,
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`Usage ${[...want].join(' + ')}; label = most votes among the 8 emotions; images from ${pixels ? 'fer2013.csv pixels' : 'FERPlus image folders'}`],
  };
}
