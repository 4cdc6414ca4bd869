// Bundles export-synthetic.ts like the CLI (scripts/esbuild-node.mjs) and runs it.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { nodeBuildOptions } from '../esbuild-node.mjs';
await build({ ...nodeBuildOptions, entryPoints: ['scripts/study/export-synthetic.ts'], outfile: 'dist/study-export.mjs', logLevel: 'error' });
execFileSync(process.execPath, ['dist/study-export.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
