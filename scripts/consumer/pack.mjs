// The package as a user receives it: `npm pack` of the working tree, its file list checked, and
// `npm install <tarball>` into a new project outside the repository.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './report.mjs';

/** Nothing but the built library, CLI, types, the PyTorch peer and its model package, and the pretrained towers: no sources, tests or results. */
const SHIPPED = [/^package\.json$/, /^README\.md$/, /^LICENSE/, /^bin\/focusclip\.js$/, /^lib\/[\w-]+\.js$/, /^dist\/node\/.+\.js$/, /^dist\/web\/focusclip\.js$/, /^dist\/types\/.+\.d\.ts$/, /^dist\/python\/\w+\.py$/, /^dist\/python\/focusclip_torch\/\w+\.py$/, /^weights\/[\w-]+\.safetensors$/];
const NEVER = /\.test\.|(^|\/)test\/|bench\/results|\.map$/;

export function packTarball(root, dir, report) {
  const r = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, timeoutMs: 180_000 });
  // prepack/prepare print build output before the JSON.
  const json = r.out.slice(r.out.indexOf('[\n'));
  if (r.status !== 0) throw new Error(`npm pack failed (${r.status}):${r.out}`);
  const [info] = JSON.parse(json.slice(0, json.lastIndexOf(']') + 1));
  const files = info.files.map((f) => f.path);
  const stray = files.filter((f) => NEVER.test(f) || !SHIPPED.some((re) => re.test(f)));
  report.check('npm pack: only the built package is shipped', stray.length === 0, stray.length ? `unexpected: ${stray.slice(0, 10).join(', ')}` : `${files.length} files`);
  for (const need of ['dist/node/index.js', 'dist/node/cli.js', 'dist/web/focusclip.js', 'dist/types/lib/node.d.ts', 'dist/types/web/index.d.ts', 'bin/focusclip.js', 'weights/tiny-vision.safetensors']) {
    if (!files.includes(need)) report.check(`npm pack ships ${need}`, false);
  }
  console.log(`tarball ${info.filename}: ${(info.size / 1000).toFixed(0)} kB packed, ${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files`);
  return { tarball: join(dir, info.filename), size: info.size, unpackedSize: info.unpackedSize, files };
}

/** A new ESM project that installs the tarball (dependencies from npm's cache when it has them). */
export function installInto(app, tarball, extra = []) {
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'focusclip-consumer', private: true, type: 'module', allowScripts: { webgpu: true } }, null, 2));
  const r = run('npm', ['install', tarball, ...extra, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, timeoutMs: 300_000 });
  if (r.status !== 0) throw new Error(`npm install of the tarball failed (${r.status}):${r.out}`);
  return JSON.parse(readFileSync(join(app, 'node_modules/focusclip/package.json'), 'utf8')).version;
}
