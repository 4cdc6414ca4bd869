// The TypeScript consumer: docs/examples/typescript (usage.ts + tsconfig.json) compiled with
// `tsc --strict --noEmit` against the declarations in the installed package. usage.ts carries a
// @ts-expect-error, so declarations that degrade to `any` fail the check too.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
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
