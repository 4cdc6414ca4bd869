// The browser consumer: the guide's browser examples (docs/examples/browser/*.mjs) bundled by
// esbuild from the project that installed the tarball (so `import 'focusclip'` takes the package's
// "browser" condition), served on 127.0.0.1 and run in headless Chromium, each module in turn;
// plus `import 'focusclip/node'` bundled for the browser, which must fail naming the browser entry.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveDirectory } from '../../web/serve.mjs';
import { CHROMIUM, browserRequired, launchChromium } from '../chromium.mjs';

const PAGE_TIMEOUT_MS = 5 * 60_000;

// Imports each bundled module in order and publishes what happened on window.__consumer.
const PAGE = (modules) => `<!doctype html><meta charset="utf-8"><title>focusclip consumer</title>
<script type="module">
const results = [];
for (const name of ${JSON.stringify(modules)}) {
  const t0 = performance.now();
  try {
    await import('./' + name + '.js');
    results.push({ name, ok: true, ms: performance.now() - t0 });
  } catch (e) {
    results.push({ name, ok: false, error: String(e && e.message || e), ms: performance.now() - t0 });
  }
}
window.__consumer = { done: true, results };
</script>`;

export async function browserConsumer(root, app, report) {
  if (!existsSync(CHROMIUM)) {
    const why = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set FOCUSCLIP_CHROMIUM)`;
    if (browserRequired()) report.check('browser consumer', false, why);
    else report.skip('browser consumer', why);
    return;
  }
  const src = join(app, 'browser');
  const www = join(app, 'www');
  mkdirSync(src, { recursive: true });
  const examples = readdirSync(join(root, 'docs/examples/browser')).filter((f) => f.endsWith('.mjs')).sort();
  for (const f of examples) copyFileSync(join(root, 'docs/examples/browser', f), join(src, f));
  writeFileSync(join(src, 'wrong-entry.mjs'), "import 'focusclip/node';\n");
  const modules = [...examples.map((f) => f.replace(/\.mjs$/, '')), 'wrong-entry'];

  // A plain browser build, as a user's bundler would do it: no plugins, no aliases.
  await build({
    absWorkingDir: app,
    entryPoints: modules.map((m) => join(src, `${m}.mjs`)),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: www,
    logLevel: 'error',
  });
  const bundled = readdirSync(www, { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(www, f), 'utf8')).join('\n');
  const nodeOnly = /from\s*["'](node:[\w/]+|webgpu)["']/.exec(bundled);
  report.check("esbuild (platform browser) resolves 'focusclip' to the browser build", !nodeOnly, nodeOnly ? `the bundle imports ${nodeOnly[1]}` : `${(bundled.length / 1024).toFixed(0)} kB of JavaScript`);
  writeFileSync(join(www, 'index.html'), PAGE(modules));

  const server = await serveDirectory(www);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const lines = [];
    page.on('console', (m) => lines.push(m.text()));
    page.on('pageerror', (e) => lines.push(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await page.waitForFunction('window.__consumer?.done', undefined, { timeout: PAGE_TIMEOUT_MS, polling: 250 });
    const { results } = await page.evaluate('window.__consumer');
    const out = lines.join('\n');
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    const secs = (r) => `${(r.ms / 1000).toFixed(1)} s`;

    const g = byName.gemm;
    const err = Number(/max relative error vs float64 (\S+)/.exec(out)?.[1]);
    report.check('browser gemm.mjs: GEMM vs float64 and autograd in Chromium', g?.ok && err < 1e-5 && /expected 0.75 3 12/.test(out), g?.ok ? `${out.match(/adapter: .*/)?.[0]}; max relative error ${err}; ${secs(g)}` : g?.error ?? 'did not run');

    const t = byName.train;
    const loss = Number(/trained 1 step: loss ([\d.]+)/.exec(out)?.[1]);
    const sum = Number(/probabilities sum to ([\d.]+)/.exec(out)?.[1]);
    report.check('browser train.mjs: a training step, checkpoint bytes, zero-shot', t?.ok && Number.isFinite(loss) && Math.abs(sum - 1) < 1e-5, t?.ok ? `loss ${loss}; ${out.match(/checkpoint \d+ bytes/)?.[0]}; ${secs(t)}` : t?.error ?? 'did not run');

    const w = byName['wrong-entry'];
    report.check("import 'focusclip/node' bundled for the browser fails naming the browser entry", w && !w.ok && /focusclip\/node is the Node build.*'focusclip\/browser'/.test(w.error), w?.error);
    if (results.some((r) => !r.ok && r.name !== 'wrong-entry')) console.log(`    page output:\n    ${lines.slice(-20).join('\n    ')}`);
  } finally {
    await browser.close().catch(() => {});
    server.close();
  }
}
