#!/usr/bin/env node
// The browser suite, in headless Debian Chromium (WebGPU through SwiftShader):
//   1. the kernel and op test files that vitest runs in Node, under Vitest's browser mode
//      (vitest.browser.config.mjs; files that import a Node built-in are named as skipped);
//   2. the library bundle (dist/web/focusclip.js) imported into a page, an op on the GPU;
//   3. the demo page (dist/web/demo.html?quick=1): its own checks, a dropped image, a screenshot;
//   4. the demo page serving a checkpoint written by PyTorch's distributed training (?checkpoint=).
//
// Usage: node scripts/browser-tests.mjs [file-substring ...] [--grep REGEXP] [--no-demo] [--demo-only]
//        [--require-browser] (fail instead of skipping when Chromium is missing; also env CI or FOCUSCLIP_REQUIRE_BROWSER=1)
//   env: FOCUSCLIP_BROWSER_FILES (comma separated substrings), FOCUSCLIP_BROWSER_GREP,
//        FOCUSCLIP_CHROMIUM (browser binary, default /usr/bin/chromium), FOCUSCLIP_BROWSER_HEADED=1
// Prints one line per test and closes with "Browser: N passed, M failed, K skipped"; exits 1 on
// any failure (or when nothing ran).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, OUT, buildWebPages } from '../web/build-web.mjs';
import { serveDirectory } from '../web/serve.mjs';
import { CHROMIUM as executablePath, browserRequired, launchChromium } from './chromium.mjs';
import { browserTestFiles } from './browser-test-files.mjs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  args.splice(i, 1);
  return true;
};
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const grep = option('--grep') ?? process.env.FOCUSCLIP_BROWSER_GREP;
const noDemo = flag('--no-demo');
const demoOnly = flag('--demo-only');
const requireBrowser = flag('--require-browser');
const fileFilters = [...args, ...(process.env.FOCUSCLIP_BROWSER_FILES ?? '').split(',')].filter(Boolean);
const DEMO_TIMEOUT_MS = 4 * 60_000;

const c = process.stdout.isTTY ? { red: '\x1b[31m', green: '\x1b[32m', dim: '\x1b[2m', off: '\x1b[0m' } : { red: '', green: '', dim: '', off: '' };
const mark = { pass: `${c.green}✓${c.off}`, fail: `${c.red}✗${c.off}`, skip: `${c.dim}-${c.off}` };

if (!existsSync(executablePath)) {
  // A developer box without Chromium skips the suite (like the torch golden tests without torch);
  // CI must not silently skip it.
  const required = browserRequired(requireBrowser);
  console.error(`Browser: Chromium not found at ${executablePath}. Install it (apt-get install chromium, or bash scripts/install-system-deps.sh) or set FOCUSCLIP_CHROMIUM.`);
  if (required) console.log('Chromium is required here (CI or FOCUSCLIP_REQUIRE_BROWSER=1).');
  console.log(required ? 'Browser: 0 passed, 1 failed, 0 skipped' : 'Browser: skipped (no Chromium)');
  process.exit(required ? 1 : 0);
}

const t0 = Date.now();
process.chdir(ROOT);
let passed = 0;
let failed = 0;
let skipped = 0;

/** The test files under Vitest's browser mode; its JSON report gives the counts. */
function runVitest() {
  const { run, skipped: nodeOnly } = browserTestFiles(ROOT);
  const chosen = run.filter((f) => !fileFilters.length || fileFilters.some((w) => f.includes(w)));
  for (const s of nodeOnly.filter((s) => !fileFilters.length || fileFilters.some((w) => s.file.includes(w)))) {
    skipped++;
    console.log(`${mark.skip} ${s.file} skipped (cannot run in a browser): ${s.reason}`);
  }
  if (!chosen.length) return;
  const dir = mkdtempSync(join(tmpdir(), 'focusclip-browser-'));
  const report = join(dir, 'report.json');
  try {
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.browser.config.mjs', '--reporter=verbose', '--reporter=json', `--outputFile.json=${report}`, ...(grep ? ['-t', grep] : []), ...chosen], { stdio: 'inherit' });
    if (!existsSync(report)) {
      failed++;
      console.log(`${mark.fail} vitest (browser mode) ended with status ${r.status} and no report`);
      return;
    }
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + j.numTodoTests;
    // A file that fails to load has no failed test of its own.
    for (const f of j.testResults) if (f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')) failed++;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!demoOnly) runVitest();
const runPages = (!noDemo && !grep && !fileFilters.length) || demoOnly;
if (runPages) await buildWebPages();
const server = runPages ? await serveDirectory(join(ROOT, 'dist')) : undefined;
const base = server ? `http://127.0.0.1:${server.address().port}` : '';
const browser = runPages ? await launchChromium() : undefined;
const context = await browser?.newContext({ viewport: { width: 1200, height: 900 } });

/** Open a page that logs its console errors, so a failure comes with what the page said. */
async function openPage() {
  const page = await context.newPage();
  const notes = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') notes.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => notes.push(`page error: ${e.message}`));
  page.on('crash', () => notes.push('the page crashed'));
  return { page, notes };
}

async function waitFor(page, expr, timeout) {
  await page.waitForFunction(expr, undefined, { timeout, polling: 250 });
  return page.evaluate(expr.replace(/\?\.done$/, ''));
}

/** One check on a fresh page: `body` returns whether it passed, a detail, and lines to show on failure. */
async function pageCheck(name, body) {
  const { page, notes } = await openPage();
  try {
    const { ok, detail, why = [] } = await body(page);
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? mark.pass : mark.fail} ${name} ${c.dim}${detail}${c.off}`);
    if (!ok) for (const n of [...why, ...notes.slice(0, 10)]) console.log(`    ${n}`);
  } catch (e) {
    failed++;
    console.log(`${mark.fail} ${name}: ${e.message.split('\n')[0]}`);
    for (const n of notes.slice(0, 10)) console.log(`    ${n}`);
  } finally {
    await page.close().catch(() => {});
  }
}

/** The library bundle (dist/web/focusclip.js) as a user imports it: an op on this browser's GPU. */
async function runLibrary() {
  await pageCheck('web/index.ts bundle: import, Engine.create, an op on the GPU', async (page) => {
    await page.goto(`${base}/`); // any page of this origin: 127.0.0.1 is a secure context
    const r = await page.evaluate(async (url) => {
      const m = await import(url);
      const e = await m.Engine.create();
      try {
        const c = e.tensor([1, 2, 3], [3]).mul(e.tensor([4, 5, 6], [3])).sum();
        return { out: Array.from(await c.toArray()), platform: e.platform, exports: Object.keys(m).length };
      } finally {
        e.destroy();
      }
    }, `${base}/web/focusclip.js`);
    return { ok: r.out.length === 1 && r.out[0] === 32 && r.platform === 'browser', detail: JSON.stringify(r) };
  });
}

/** Drops a generated PNG on the zero-shot panel, as a user would, and waits for its scores. */
async function dropImage(page) {
  const ok = await page.evaluate(async () => {
    const c = new OffscreenCanvas(40, 30);
    const g = c.getContext('2d');
    g.fillStyle = '#c33';
    g.fillRect(0, 0, 40, 30);
    g.fillStyle = '#33c';
    g.fillRect(10, 5, 20, 20);
    const dt = new DataTransfer();
    dt.items.add(new File([await c.convertToBlob({ type: 'image/png' })], 'dropped.png', { type: 'image/png' }));
    document.getElementById('zeroshot').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    const t0 = performance.now();
    while (performance.now() - t0 < 60_000) {
      if (document.getElementById('zs-caption')?.textContent === 'dropped.png' && document.querySelectorAll('#zs-bars .bar-row').length) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  });
  return { name: 'a dropped image is decoded and classified', ok };
}

/** Loads the demo page, waits for its own checks, saves a screenshot next to it. */
async function runDemo() {
  if (!existsSync(join(OUT, 'demo.html'))) {
    skipped++;
    console.log(`${mark.skip} web/demo.html skipped: not built (see the warning above)`);
    return;
  }
  const { page, notes } = await openPage();
  const t = Date.now();
  try {
    await page.goto(`${base}/web/demo.html?quick=1`);
    const res = await waitFor(page, 'window.__demoResults?.done', DEMO_TIMEOUT_MS);
    await mkdir(OUT, { recursive: true });
    const shot = join(OUT, 'demo-screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (res.zeroshot) res.checks.push(await dropImage(page));
    // The page trains from the shipped tower only when the build copied it beside the page.
    if (existsSync(join(ROOT, 'weights', 'tiny-vision.safetensors')) && !res.pretrained) {
      res.checks.push({ name: 'the page found and checked the pretrained image tower', ok: false, detail: `no tiny-vision.safetensors served from ${OUT}` });
    }
    for (const chk of res.checks) {
      if (chk.ok) passed++;
      else failed++;
      console.log(`${chk.ok ? mark.pass : mark.fail} web/demo.html > ${chk.name}${chk.detail ? ` ${c.dim}${chk.detail}${c.off}` : ''}`);
    }
    if (!res.checks.length) {
      failed++;
      console.log(`${mark.fail} web/demo.html reported no checks`);
    }
    const first = res.training?.firstStepAt;
    console.log(`${c.dim}demo page done in ${((Date.now() - t) / 1000).toFixed(1)} s${Number.isFinite(first) ? `; first training step finished ${first.toFixed(1)} s after the page opened` : ''}; screenshot ${shot}${c.off}`);
    if (res.checks.some((x) => !x.ok)) for (const n of notes.slice(0, 10)) console.log(`    ${n}`);
  } catch (e) {
    failed++;
    console.log(`${mark.fail} web/demo.html did not finish: ${e.message.split('\n')[0]}`);
    for (const n of notes.slice(0, 10)) console.log(`    ${n}`);
  } finally {
    await page.close().catch(() => {});
  }
}

/** The demo page serving a checkpoint written by PyTorch's distributed training (python/ddp.test.ts
 *  leaves it in dist/test-fixtures when torch is installed): it must load and classify. */
async function runDemoWithTorchCheckpoint() {
  const fixture = 'test-fixtures/torch-ddp.safetensors';
  if (!existsSync(join(ROOT, 'dist', fixture)) || !existsSync(join(OUT, 'demo.html'))) {
    skipped++;
    console.log(`${mark.skip} web/demo.html?checkpoint= skipped: no dist/${fixture} (python/ddp.test.ts writes it where torch is installed)`);
    return;
  }
  await pageCheck('web/demo.html?checkpoint= serves a checkpoint of 2-process PyTorch training', async (page) => {
    await page.goto(`${base}/web/demo.html?quick=1&checkpoint=/${fixture}`);
    const res = await waitFor(page, 'window.__demoResults?.done', DEMO_TIMEOUT_MS);
    const source = res.zeroshot?.source ?? '';
    const ok = res.checks.length > 0 && res.checks.every((x) => x.ok) && source.startsWith(`checkpoint /${fixture}`);
    return { ok, detail: `model: ${source || 'none'}`, why: res.checks.filter((x) => !x.ok).map((x) => x.name) };
  });
}

try {
  if (runPages) {
    await runLibrary();
    await runDemo();
    await runDemoWithTorchCheckpoint();
  }
} finally {
  await browser?.close().catch(() => {});
  server?.close();
}

const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (passed + failed === 0) {
  console.log(`Browser: nothing ran (filters: ${fileFilters.join(',') || 'none'}${grep ? `, grep ${grep}` : ''})`);
  failed = 1;
}
// The closing line stays exactly 'Browser: N passed, M failed, K skipped' (CI reads it); time goes before it.
console.log(`browser suite time: ${secs} s`);
console.log(`Browser: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
