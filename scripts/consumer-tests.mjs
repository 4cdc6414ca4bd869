#!/usr/bin/env node
// Consumer tests: the package as a user installs it. `npm pack` of this working tree, `npm install`
// of the tarball into a new project under the system temp folder (outside the repository, so
// nothing resolves to the sources), then three consumers and the CLI:
//   Node        the guide's Node examples (docs/examples/node) and the wrong-entry error
//   TypeScript  docs/examples/typescript compiled with tsc --strict --noEmit against dist/types,
//               and docs/api (TypeDoc) regenerated from the types and compared with the committed one
//   browser     the guide's browser examples bundled by esbuild from the installed package and run
//               in headless Chromium (skipped without Chromium unless CI / FOCUSCLIP_REQUIRE_BROWSER=1)
//   CLI         npx focusclip info, bench nosuch, bench gemm --quick
//
// Usage: node scripts/consumer-tests.mjs [--only node,types,browser,cli] [--keep] [--bench-args "--quick"]
// Closes with "Consumer: N passed, M failed, K skipped"; exits 1 on any failure.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installInto, packTarball } from './consumer/pack.mjs';
import { Report } from './consumer/report.mjs';
import { nodeConsumer } from './consumer/node.mjs';
import { apiDocsCurrent, typesConsumer } from './consumer/types.mjs';
import { browserConsumer } from './consumer/browser.mjs';
import { cliConsumer } from './consumer/cli.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const only = option('--only')?.split(',');
const want = (part) => !only || only.includes(part);
const keep = args.includes('--keep');
const benchArgs = (option('--bench-args') ?? '--quick').split(/\s+/).filter(Boolean);

const t0 = Date.now();
const report = new Report();
const tmp = mkdtempSync(join(tmpdir(), 'focusclip-consumer-'));
const app = join(tmp, 'app');
const timings = [];
const timed = async (name, fn) => {
  const t = Date.now();
  await report.step(name, fn);
  timings.push(`${name} ${((Date.now() - t) / 1000).toFixed(0)} s`);
};

try {
  let tarball;
  await timed('pack', () => {
    tarball = packTarball(ROOT, tmp, report).tarball;
  });
  if (tarball) {
    await timed('install', () => {
      // @types/node at the repository's version: the TypeScript consumer is a Node project.
      const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')).version;
      mkdirSync(app);
      const version = installInto(app, tarball, [`@types/node@${typesNode}`]);
      report.check(`npm install <tarball> into ${app}`, true, `focusclip ${version}`);
    });
    if (want('node')) await timed('node', () => nodeConsumer(ROOT, app, report));
    if (want('types')) {
      await timed('types', () => typesConsumer(ROOT, app, report));
      await timed('api docs', () => apiDocsCurrent(ROOT, tmp, report));
    }
    if (want('browser')) await timed('browser', () => browserConsumer(ROOT, app, report));
    if (want('cli')) await timed('cli', () => cliConsumer(app, report, { benchArgs }));
  }
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

console.log(`consumer test time: ${((Date.now() - t0) / 1000).toFixed(1)} s (${timings.join(', ')})`);
console.log(`Consumer: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
process.exit(report.failed || !report.passed ? 1 : 0);
