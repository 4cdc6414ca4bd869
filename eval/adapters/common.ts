// What every dataset adapter needs: clear errors for missing files, small CSV and text readers,
// box crops, and lazy image loaders (decoding happens in the evaluator's loop, so a corrupt file
// costs one skipped item, not the run).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readImage } from '../../data/image-node.js';
import type { RGBAImage } from '../../data/image.js';
import type { EvalItem, SkipLog } from '../types.js';

/** Options shared by adapters: `split`/`usage` pick the test subset, `limit` keeps the first n
 *  items (quick checks on huge sets). */
export interface AdapterOptions {
  split?: string;
  usage?: string;
  limit?: number;
  [key: string]: string | number | undefined;
}

export const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Throw `<kind>: missing <path>` plus what the adapter expects there, unless the path exists. */
export function requirePath(kind: string, path: string, expected: string, dir = false): string {
  let ok = false;
  try {
    const s = statSync(path);
    ok = dir ? s.isDirectory() : s.isFile();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`${kind}: missing ${dir ? 'folder' : 'file'} ${path}. ${expected}`);
  return path;
}

/** The first existing path among candidates, or an error listing all of them. */
export function firstExisting(kind: string, candidates: string[], expected: string): string {
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`${kind}: missing ${candidates.join(' (or ') + ')'.repeat(candidates.length - 1)}. ${expected}`);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

/** Non-empty, trimmed lines. */
export function readLines(path: string): string[] {
  return readText(path)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** One CSV line into fields (RFC 4180 quotes; these datasets have no newlines inside fields). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface Csv {
  header: string[];
  rows: string[][];
  /** Column index by name; an error naming the file and the columns found if absent. */
  col(name: string): number;
}

export function readCsv(path: string, kind: string): Csv {
  const lines = readText(path).split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i].trim()) rows.push(splitCsvLine(lines[i]));
  return {
    header,
    rows,
    col(name: string) {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`${kind}: ${path} has no column "${name}"; its header is: ${header.join(',')}.`);
      return i;
    },
  };
}

export type Box = readonly [number, number, number, number];

/** Crop [x0, y0, x1, y1] (pixels, x1/y1 exclusive), clamped to the image and at least 1 pixel. */
export function cropBox(img: RGBAImage, box: Box): RGBAImage {
  const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(box[0])));
  const y0 = Math.max(0, Math.min(img.height - 1, Math.floor(box[1])));
  const x1 = Math.max(x0 + 1, Math.min(img.width, Math.ceil(box[2])));
  const y1 = Math.max(y0 + 1, Math.min(img.height, Math.ceil(box[3])));
  const w = x1 - x0;
  const h = y1 - y0;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x1) * 4), y * w * 4);
  return { width: w, height: h, data };
}

export function validBox(b: readonly number[]): b is Box {
  return b.length === 4 && b.every(Number.isFinite) && b[2] > b[0] && b[3] > b[1];
}

/** An item that reads (and optionally crops) one image file when asked. */
export function fileItem(id: string, path: string, label: number | number[], box?: Box): EvalItem {
  return {
    id,
    label,
    load() {
      const img = readImage(path);
      return box ? cropBox(img, box) : img;
    },
  };
}

/** Image files directly in a folder, sorted by name (stable order across machines). */
export function listImages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => IMAGE_EXT.test(f))
    .sort();
}

export function listDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

export class Skips implements SkipLog {
  count = 0;
  examples: { id: string; reason: string }[] = [];
  add(id: string, reason: string): void {
    this.count++;
    if (this.examples.length < 20) this.examples.push({ id, reason });
  }
}

export function limitItems<T>(items: T[], opts: AdapterOptions): T[] {
  const n = opts.limit === undefined ? undefined : Number(opts.limit);
  if (n === undefined) return items;
  if (!Number.isInteger(n) || n < 1) throw new Error(`limit must be a positive integer, got ${opts.limit}.`);
  return items.slice(0, n);
}

/** 'riding_a_horse' -> 'riding a horse'. */
export function words(name: string): string {
  return name.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
}

export { basename, join, existsSync };
