// Bundles export-synthetic.ts with esbuild (as scripts/build.mjs does for the CLI) and runs it.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
await build({ entryPoints: ['scripts/study/export-synthetic.ts'], bundle: true, platform: 'node', format: 'esm', outfile: 'dist/study-export.mjs', external: ['webgpu'], banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }, logLevel: 'error' });
execFileSync(process.execPath, ['dist/study-export.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
