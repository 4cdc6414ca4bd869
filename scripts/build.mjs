// Bundles the CLI and the benchmarks for Node, and the library for the browser.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { nodeBuildOptions } from './esbuild-node.mjs';

await build({ ...nodeBuildOptions, entryPoints: { cli: 'cli/main.ts' }, outdir: 'dist' });
if (existsSync('bench/main.ts')) await build({ ...nodeBuildOptions, entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist' });
// web/build-web.mjs adds the demo page and rejects Node built-ins in the browser path by name.
if (existsSync('web/build-web.mjs')) await (await import('../web/build-web.mjs')).buildWebPages();
else if (existsSync('web/index.ts')) await build({
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  entryPoints: { focusclip: 'web/index.ts' },
  outdir: 'dist/web',
  logLevel: 'warning',
});
