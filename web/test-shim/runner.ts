// The page side of the browser test suite (web/test.html): imports each bundled test file, runs it
// with the shim, shows the results and publishes them as JSON on `window.__testResults`.
// URL parameters: ?file=engine/ops.test.ts (repeatable, substring match) and ?grep=<regexp>.
// A driver (scripts/browser-tests.mjs) may expose `__focusclipReport` to hear each result live.

import { resetRegistry } from './collect.js';
import { describeError, runCollected, type TestResult } from './run.js';

export interface FileResult {
  file: string;
  tests: TestResult[];
  /** Import failures and unhandled errors while the file ran. */
  errors: string[];
  ms: number;
}

export interface BrowserTestResults {
  done: boolean;
  adapter?: string;
  files: FileResult[];
  skippedFiles: { file: string; reason: string }[];
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
}

declare global {
  interface Window {
    __testResults?: BrowserTestResults;
    __focusclipReport?: (event: string) => void;
  }
}

const logEl = document.getElementById('log');

function show(line: string, cls = ''): void {
  if (!logEl) return;
  const div = document.createElement('div');
  div.textContent = line;
  if (cls) div.className = cls;
  logEl.appendChild(div);
}

function emit(event: object): void {
  window.__focusclipReport?.(JSON.stringify(event));
}

async function adapterName(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'navigator.gpu missing (this browser has no WebGPU; Chromium needs --enable-unsafe-webgpu on Linux)';
  const a = await gpu.requestAdapter();
  if (!a) return 'no WebGPU adapter';
  const info = (a as GPUAdapter & { info?: GPUAdapterInfo }).info;
  return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const params = new URLSearchParams(location.search);
  const manifest = (await (await fetch(new URL('./manifest.json', import.meta.url))).json()) as {
    files: string[];
    /** Bundle path of each test file, relative to this script. */
    modules: Record<string, string>;
    skipped: { file: string; reason: string }[];
  };
  const wanted = params.getAll('file').flatMap((f) => f.split(',')).filter(Boolean);
  const files = wanted.length ? manifest.files.filter((f) => wanted.some((w) => f.includes(w))) : manifest.files;
  const grepText = params.get('grep');
  const grep = grepText ? new RegExp(grepText) : undefined;
  const results: BrowserTestResults = { done: false, files: [], skippedFiles: manifest.skipped, passed: 0, failed: 0, skipped: 0, ms: 0 };
  window.__testResults = results;
  results.adapter = await adapterName();
  show(`adapter: ${results.adapter}`);
  emit({ type: 'start', adapter: results.adapter, files });

  let current: FileResult | undefined;
  const unhandled = (what: string) => (ev: ErrorEvent | PromiseRejectionEvent) => {
    const reason = 'reason' in ev ? ev.reason : ev.error ?? ev.message;
    current?.errors.push(`${what}: ${describeError(reason)}`);
  };
  window.addEventListener('error', unhandled('uncaught error'));
  window.addEventListener('unhandledrejection', unhandled('unhandled rejection'));

  for (const file of files) {
    const fr: FileResult = { file, tests: [], errors: [], ms: 0 };
    current = fr;
    results.files.push(fr);
    const f0 = performance.now();
    show(file, 'file');
    resetRegistry();
    try {
      await import(/* @vite-ignore */ new URL(manifest.modules[file], import.meta.url).href);
      fr.tests = await runCollected({
        grep,
        onResult: (r) => {
          show(`  ${r.state === 'pass' ? '✓' : r.state === 'fail' ? '✗' : '-'} ${r.name} (${r.ms.toFixed(0)} ms)${r.error ? '\n    ' + r.error : ''}`, r.state);
          emit({ type: 'test', file, ...r });
        },
      });
    } catch (e) {
      fr.errors.push(`could not load: ${describeError(e)}`);
    }
    fr.ms = performance.now() - f0;
    for (const err of fr.errors) show(`  ✗ ${err}`, 'fail');
    emit({ type: 'file', file, errors: fr.errors, ms: fr.ms });
  }
  current = undefined;

  for (const fr of results.files) {
    for (const t of fr.tests) {
      if (t.state === 'pass') results.passed++;
      else if (t.state === 'fail') results.failed++;
      else results.skipped++;
    }
    results.failed += fr.errors.length;
  }
  results.ms = performance.now() - t0;
  results.done = true;
  show(`Browser: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`, results.failed ? 'fail' : 'pass');
  emit({ type: 'done' });
}

main().catch((e) => {
  const msg = describeError(e);
  show(msg, 'fail');
  window.__testResults = { done: true, files: [], skippedFiles: [], passed: 0, failed: 1, skipped: 0, ms: 0, adapter: `runner failed: ${msg}` };
  emit({ type: 'done' });
});
