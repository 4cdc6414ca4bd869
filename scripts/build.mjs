// Bundles the CLI and the benchmarks for Node, and the library for the browser.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const node = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Native addon and its loader stay outside the bundle.
  external: ['webgpu'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};

await build({ ...node, entryPoints: { cli: 'cli/main.ts' }, outdir: 'dist' });
if (existsSync('bench/main.ts')) await build({ ...node, entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist' });
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
