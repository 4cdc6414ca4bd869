// esbuild recipes for what runs in a browser: the library and the demo page. Shared by
// scripts/build.mjs and scripts/browser-tests.mjs so that the "no Node built-ins in the browser"
// rule is enforced the same way everywhere.

import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'dist', 'web');

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** esbuild already refuses most built-ins for platform 'browser', but a look-alike package in
 *  node_modules (`buffer`, `events`, `process`...) would be bundled silently as a shim. We want a
 *  loud failure that names the importer instead: the browser path must not need Node at all. */
export const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z0-9:_/]+$/ }, (args) => {
      const base = args.path.startsWith('node:') ? args.path : args.path.split('/')[0];
      if (!builtins.has(base) && !builtins.has(args.path)) return undefined;
      return {
        errors: [
          {
            text: `Node built-in "${args.path}" imported by ${relative(ROOT, args.importer) || args.importer} is not available in the browser.`,
            notes: [{ text: 'Keep Node-only code (files, paths, processes) in *-node.ts modules that the browser entry never imports.' }],
          },
        ],
      };
    });
  },
};

export const browserOptions = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [noNodeBuiltins],
};

/** The library (dist/web/focusclip.js), the demo and the HTML pages next to them. */
export async function buildWebPages() {
  mkdirSync(OUT, { recursive: true });
  // The package ships this file without its map, so the map is written but not linked (bundlers
  // that follow a link to a missing map warn about it).
  await build({ ...browserOptions, sourcemap: 'external', entryPoints: { focusclip: join(ROOT, 'web/index.ts') }, outdir: OUT });
  // The demo shows features that land in other modules over time; while one of them is missing
  // that part is left out with a warning instead of breaking `npm run build` (demo-model.ts, the
  // training and zero-shot panels, is loaded by demo.ts only when it was built). Any other error
  // (a Node built-in, a syntax error) still fails the build.
  const built = {};
  for (const name of ['demo', 'demo-model']) {
    const src = join(ROOT, `web/${name}.ts`);
    rmSync(join(OUT, `${name}.js`), { force: true });
    if (!existsSync(src)) continue;
    try {
      await build({ ...browserOptions, logLevel: 'silent', entryPoints: { [name]: src }, outdir: OUT });
      built[name] = true;
    } catch (e) {
      const missing = (e.errors ?? []).filter((x) => /^Could not resolve "\.{1,2}\//.test(x.text));
      if (!missing.length || missing.length !== e.errors.length) throw e;
      console.warn(`web: ${name}.ts left out, a module it shows is missing: ${missing.map((x) => `${x.text} (${x.location?.file})`).join('; ')}`);
    }
  }
  for (const f of readdirSync(join(ROOT, 'web'))) {
    if (f.endsWith('.html') && (built.demo || f !== 'demo.html')) copyFileSync(join(ROOT, 'web', f), join(OUT, f));
  }
  if (!built.demo) rmSync(join(OUT, 'demo.html'), { force: true });
  // The demo page trains from the pretrained image tower, as `focusclip demo` does.
  const tower = join(ROOT, 'weights', 'tiny-vision.safetensors');
  if (built.demo && existsSync(tower)) copyFileSync(tower, join(OUT, 'tiny-vision.safetensors'));
  else rmSync(join(OUT, 'tiny-vision.safetensors'), { force: true });
}
