#!/usr/bin/env node
// The CLI is bundled by esbuild into dist/node/ (npm install/ci runs the build through "prepare";
// the published package ships it built).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const cli = fileURLToPath(new URL('../dist/node/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('focusclip: dist/node/cli.js is missing; run `npm run build` in the package folder.');
  process.exit(1);
}
// jax-js, a peer of the benchmarks, needs iterator helpers: built into Node >= 22, behind a flag in
// Node 20. Only `bench` pays for the second process.
const args = process.argv.slice(2);
if (args[0] === 'bench' && typeof globalThis.Iterator?.prototype?.map !== 'function') {
  const r = spawnSync(process.execPath, ['--harmony-iterator-helpers', cli, ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
await import(cli);
