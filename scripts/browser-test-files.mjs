// Which test files the browser suite runs: the kernel and op tests (test/, engine/, ops/, kernels/), less
// those that import a Node built-in (files, paths), which cannot load in a page and are named as
// skipped instead. Shared by vitest.browser.config.ts and scripts/browser-tests.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const FOLDERS = ['test', 'engine', 'ops', 'kernels'];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function nodeImport(path) {
  for (const m of readFileSync(path, 'utf8').matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) if (builtins.has(m[1])) return m[1];
  return undefined;
}

/** { run: ['ops/ops.test.ts', ...], skipped: [{ file, reason }] } relative to `root`. */
export function browserTestFiles(root) {
  const all = FOLDERS.flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.test.ts')).map((f) => `${d}/${f}`)).sort();
  const run = [];
  const skipped = [];
  for (const file of all) {
    const m = nodeImport(join(root, file));
    if (m) skipped.push({ file, reason: `it imports the Node built-in ${m}` });
    else run.push(file);
  }
  return { run, skipped };
}
