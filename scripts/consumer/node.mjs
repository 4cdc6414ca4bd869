// The Node consumer: the guide's Node examples (docs/examples/node/*.mjs) run from a project that
// installed the tarball, each output checked against the example's own independent reference
// (float64 loops, analytic gradients), plus the bare `import('focusclip')` and the wrong entry.
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, tail } from './report.mjs';

const num = (out, re) => Number(re.exec(out)?.[1]);

export function nodeConsumer(root, app, report) {
  const examples = join(root, 'docs/examples/node');
  for (const f of readdirSync(examples)) copyFileSync(join(examples, f), join(app, f));
  const node = (args, timeoutMs = 300_000) => run(process.execPath, args, { cwd: app, timeoutMs });

  const bare = node(['-e', "import('focusclip').then((m) => console.log(Object.keys(m).length, typeof m.Engine, typeof m.createModel, typeof m.readImage))"]);
  const [count, ...kinds] = bare.out.trim().split(/\s+/);
  report.check("node -e \"import('focusclip')\"", bare.status === 0 && Number(count) > 50 && kinds.every((k) => k === 'function'), `${count} exports; Engine, createModel, readImage: ${kinds.join(', ')}`);

  const wrong = node(['-e', "import('focusclip/browser')"]);
  report.check("import('focusclip/browser') in Node fails naming the Node entry", wrong.status !== 0 && /focusclip\/browser is the browser build.*In Node import 'focusclip'/.test(wrong.out), wrong.out.match(/Error: (.*)/)?.[1]);

  let r = node(['tensors.mjs']);
  const grad = /gradient (.*) \(expected (.*)\)/.exec(r.out);
  report.check('tensors.mjs: autograd gives 2x + 3', r.status === 0 && grad && grad[1] === grad[2], r.status === 0 ? grad?.[0] : tail(r.out));

  r = node(['kernel.mjs']);
  const gemmErr = num(r.out, /max relative error vs float64 (\S+)/);
  report.check('kernel.mjs: GEMM 257x129x65 vs float64 and a WGSL kernel', r.status === 0 && gemmErr < 1e-5 && /all equal/.test(r.out), r.status === 0 ? `max relative error ${gemmErr}` : tail(r.out));

  const ckpt = join(app, 'tiny.safetensors');
  r = node(['train.mjs', ckpt, '2'], 600_000);
  const losses = [...r.out.matchAll(/^step \d+: loss (\S+)/gm)].map((m) => Number(m[1]));
  const ok = r.status === 0 && losses.length === 2 && losses.every(Number.isFinite) && existsSync(ckpt);
  report.check('train.mjs: two steps of tiny and a checkpoint', ok, ok ? `losses ${losses.join(', ')}; ${(statSync(ckpt).size / 1e6).toFixed(1)} MB` : tail(r.out));

  r = node(['zero-shot.mjs', ckpt]);
  const probs = [...r.out.matchAll(/^\s*([\d.]+) %/gm)].map((m) => Number(m[1]) / 100);
  const sum = probs.reduce((a, b) => a + b, 0);
  report.check('zero-shot.mjs: the checkpoint classifies an image', r.status === 0 && probs.length === 4 && Math.abs(sum - 1) < 2e-3 && /prediction: \w+/.test(r.out), r.status === 0 ? `${r.out.match(/prediction: .*/)?.[0]}; ${probs.length} probabilities summing to ${sum.toFixed(3)}` : tail(r.out));
  return ckpt;
}
