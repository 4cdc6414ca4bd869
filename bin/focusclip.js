#!/usr/bin/env node
// The CLI is bundled by esbuild into dist/ (npm install/ci runs the build through "prepare").
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('focusclip: dist/cli.js is missing; run `npm run build` in the package folder.');
  process.exit(1);
}
await import(cli);
