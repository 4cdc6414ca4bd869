// The TypeScript consumer: docs/examples/typescript (usage.ts + tsconfig.json) compiled with
// `tsc --strict --noEmit` against the declarations in the installed package. usage.ts carries a
// @ts-expect-error, so declarations that degrade to `any` fail the check too. The API reference
// (docs/api, TypeDoc) is regenerated from the same types and must match what is committed.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run, tail } from './report.mjs';

export function typesConsumer(root, app, report) {
  const dir = join(app, 'ts');
  mkdirSync(dir, { recursive: true });
  const src = join(root, 'docs/examples/typescript');
  for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const r = run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--strict', '--noEmit'], { cwd: dir, timeoutMs: 180_000 });
  report.check('TypeScript consumer: tsc --strict --noEmit against the shipped types', r.status === 0, r.status === 0 ? 'usage.ts (NodeNext resolution)' : tail(r.out, 25));
}

/** Relative path -> contents of every file under `dir`. */
function tree(dir) {
  return Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => {
    const path = join(d.parentPath ?? d.path, d.name);
    return [path.slice(dir.length + 1), readFileSync(path, 'utf8')];
  }));
}

export function apiDocsCurrent(root, tmp, report) {
  const out = join(tmp, 'api');
  const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
  const r = run(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: root, timeoutMs: 180_000 });
  if (r.status !== 0) return report.check('docs/api matches the types (npm run docs:api)', false, tail(r.out));
  const fresh = tree(out);
  const committed = tree(join(root, 'docs/api'));
  const stale = [...new Set([...Object.keys(fresh), ...Object.keys(committed)])].filter((f) => fresh[f] !== committed[f]).sort();
  report.check('docs/api matches the types (npm run docs:api)', stale.length === 0, stale.length ? `stale: ${stale.slice(0, 8).join(', ')}${stale.length > 8 ? ` and ${stale.length - 8} more` : ''}; run npm run docs:api` : `${Object.keys(fresh).length} pages`);
}
