// The one rule for paths read from data (records, classes.json, annotation files): they are
// relative to their dataset's folder and must stay inside it, so a planted "../../secret.png" or
// an absolute path elsewhere is an error that names the record instead of a file read from outside.
// Output names built from data (dataset names in reports) are reduced to safe file names.

import { isAbsolute, relative, resolve } from 'node:path';

/** `rel` resolved against `root`; an error naming `what` when it leaves root. */
export function resolveInside(root: string, rel: string, what: string): string {
  const base = resolve(root);
  const path = resolve(base, rel);
  const r = relative(base, path);
  if (r === '' || r === '..' || r.startsWith('../') || r.startsWith('..\\') || isAbsolute(r)) {
    throw new Error(`${what}: the path "${rel}" leaves its folder ${base}. Paths in data files must stay inside the dataset (no "..", no absolute paths elsewhere).`);
  }
  return path;
}

/** A name from data as a file name: letters, digits, '.', '_' and '-' only, no leading dot, at most 100 characters. */
export function safeFileName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 100);
  return s || '_';
}
