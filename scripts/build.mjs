// Builds what the package ships and the repository runs:
//   dist/node/    the Node library (lib/node.ts -> index.js) and the CLI (cli/main.ts -> cli.js),
//                 split so they share one copy of the engine; dependencies stay imports
//   dist/web/     the browser library (web/index.ts -> focusclip.js, self-contained), the demo pages
//   dist/python/  the PyTorch peer of `focusclip bench e2e` and the model it imports
//   dist/types/   with --types: tsc declarations of both entries (npm pack runs this through prepack)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { buildWebPages } from '../web/build-web.mjs';

// Stale chunks of an earlier build would be shipped by `npm pack`.
rmSync('dist/node', { recursive: true, force: true });
await build({
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Written for debugging but not linked: the package ships no maps (see web/build-web.mjs).
  sourcemap: 'external',
  // Dependencies are installed beside the package, so they stay imports (one copy for the user's
  // code and ours); the benchmark peers are optional and are imported only when present.
  packages: 'external',
  splitting: true,
  entryPoints: { index: 'lib/node.ts', cli: 'cli/main.ts' },
  outdir: 'dist/node',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

// web/build-web.mjs also rejects Node built-ins anywhere in the browser path, by name.
await buildWebPages();

mkdirSync('dist/python', { recursive: true });
copyFileSync('bench/torch_step.py', 'dist/python/torch_step.py');
copyFileSync('test/golden/focusclip_golden.py', 'dist/python/focusclip_golden.py');
// The PyTorch package (the model the peer runs, and the distributed path), without tests.
mkdirSync('dist/python/focusclip_torch', { recursive: true });
for (const f of readdirSync('python/focusclip_torch')) if (f.endsWith('.py')) copyFileSync(join('python/focusclip_torch', f), join('dist/python/focusclip_torch', f));

if (process.argv.includes('--types')) {
  rmSync('dist/types', { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
}
