// The CLI of the installed package (`npx focusclip`, the package's bin): the adapter, the benchmark
// suites on it, with the peers that are not installed named as skipped with their install command.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tail } from './report.mjs';

export function cliConsumer(app, report, { benchArgs = ['--quick'] } = {}) {
  const npx = (args, timeoutMs = 120_000) => run('npx', ['--no-install', 'focusclip', ...args], { cwd: app, timeoutMs });

  let r = npx(['info', '--json']);
  let adapter;
  try {
    adapter = JSON.parse(r.out.slice(r.out.indexOf('{'))).adapter;
  } catch {}
  report.check('npx focusclip info --json', r.status === 0 && !!adapter, adapter ? `${adapter.vendor} ${adapter.architecture}` : tail(r.out));

  r = npx(['bench', 'nosuch']);
  report.check('npx focusclip bench nosuch lists the suites', r.status === 1 && /unknown benchmark suite "nosuch"/.test(r.out) && ['gemm', 'nn', 'e2e', 'heatmap', 'loader', 'wait'].every((s) => r.out.includes(`  ${s} `)), r.out.split('\n')[0]);

  const out = join(app, 'bench-results');
  const t0 = Date.now();
  r = npx(['bench', 'gemm', ...benchArgs, '--out', out], 600_000);
  const json = join(out, 'gemm.json');
  const rows = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')).rows : [];
  const fast = rows.filter((row) => row.ours > 0);
  report.check(`npx focusclip bench gemm ${benchArgs.join(' ')}`, r.status === 0 && rows.length > 0 && fast.length === rows.length, r.status === 0 ? `${rows.length} shapes, ours ${Math.min(...fast.map((x) => x.ours)).toFixed(1)}-${Math.max(...fast.map((x) => x.ours)).toFixed(1)} GFLOP/s, ${((Date.now() - t0) / 1000).toFixed(0)} s` : tail(r.out));
  const skipped = ['TensorFlow.js (WebGPU) skipped: not installed; to compare with it: npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu', 'jax-js (WebGPU) skipped: not installed; to compare with it: npm install @jax-js/jax'];
  report.check('peers that are not installed are named with their install command', skipped.every((s) => r.out.includes(s)), skipped.filter((s) => !r.out.includes(s)).join('; ') || 'TF.js, jax-js');

  // The demo of the installed package starts from the pretrained image tower shipped in weights/.
  const demoOut = join(app, 'demo-out');
  r = npx(['demo', '--steps', '2', '--train-count', '48', '--eval-count', '4', '--batch-size', '8', '--out', demoOut], 600_000);
  const reportMd = join(demoOut, 'report.md');
  const md = existsSync(reportMd) ? readFileSync(reportMd, 'utf8') : '';
  report.check(
    'npx focusclip demo starts from the shipped pretrained image tower',
    r.status === 0 && /image tower pretrained \([^)]*node_modules[/\\]focusclip[/\\]weights[/\\]tiny-vision\.safetensors\)/.test(md),
    r.status === 0 ? (md.match(/image tower [^,]*/) ?? ['no report'])[0] : tail(r.out),
  );
}
