// The round trip between our engine and PyTorch's distributed training (python/focusclip_torch):
// a checkpoint written by the engine continues on 2 processes (gloo), gives the engine's loss on
// the same batch and the weights of one process on the whole batch, comes back to `focusclip
// train --resume` and `focusclip eval`, and bad input stops with a message that names it.
// Node-only: it runs /usr/bin/python3 with torch (skipped, loudly, where torch is missing).
import { beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTrain } from '../cli/train.js';
import { registerExportData } from '../cli/export-data.js';
import { registerEval } from '../cli/eval.js';
import { registerGenerate } from '../cli/generate.js';
import { runCommand } from '../cli/run.js';
import { decodeSafetensors, toFloat32 } from '../model/safetensors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const torchCheck = spawnSync(PYTHON, ['-c', 'import torch, torch.distributed as d; assert d.is_available()'], { encoding: 'utf8' });
const haveTorch = torchCheck.status === 0;
if (!haveTorch) console.warn(`SKIPPED distributed round trip: ${PYTHON} cannot import torch.distributed. Install python3-torch to run it.`);

async function focusclip(...args: string[]) {
  const program = new Command().exitOverride();
  registerTrain(program, runCommand);
  registerExportData(program, runCommand);
  registerEval(program, runCommand);
  registerGenerate(program);
  await program.parseAsync(['node', 'focusclip', ...args]);
}

/** python3 -m focusclip_torch.<module> args; one thread per process keeps two processes on two cores. */
function py(module: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(PYTHON, ['-m', `focusclip_torch.${module}`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(ROOT, 'python'), OMP_NUM_THREADS: '1', ...env },
    timeout: 300_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
function pyOk(module: string, args: string[]) {
  const r = py(module, args);
  if (r.status !== 0) throw new Error(`focusclip_torch.${module} ${args.join(' ')} failed (${r.status}):\n${r.err}`);
  return r;
}

const jsonl = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const tensors = (path: string) => {
  const f = decodeSafetensors(readFileSync(path), path);
  return new Map([...f.tensors].map(([k, t]) => [k, toFloat32(t)]));
};
const norm = (a: ArrayLike<number>) => Math.sqrt(Array.prototype.reduce.call(a, (s: number, x: number) => s + x * x, 0) as number);
function diffNorm(a: Float32Array, b: Float32Array) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe.skipIf(!haveTorch)('distributed training on PyTorch and back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fc-ddp-'));
  const at = (...p: string[]) => join(dir, ...p);
  // Batch 8 over 64 samples: 8 steps per epoch; SGD (the paper's optimizer) updates linearly in
  // the gradient, so weights after a step compare as tightly as gradients do.
  const sgd = ['--recipe', 'paper', '--model', 'tiny', '--kind', 'focusclip', '--data', 'synthetic:64', '--batch-size', '8', '--eval-count', '0'];
  const adamw = ['--recipe', 'modern', '--model', 'tiny', '--kind', 'clip', '--data', 'synthetic:64', '--batch-size', '8', '--eval-count', '0'];

  beforeAll(async () => {
    await focusclip('train', ...sgd, '--max-steps', '1', '--out', at('eng'));
    await focusclip('train', ...adamw, '--max-steps', '2', '--out', at('clip'));
    await focusclip('generate', '--out', at('gen'), '--count', '4', '--eval-count', '16', '--eval-tasks', 'age,activity');
    await focusclip('export-data', '--checkpoint', at('eng', 'focusclip.safetensors'), '--data', 'synthetic:64',
      '--eval-dataset', `synthetic:${at('gen', 'eval', 'age')}`, '--eval-dataset', `synthetic:${at('gen', 'eval', 'activity')}`, '--out', at('data.safetensors'));
    await focusclip('export-data', '--checkpoint', at('clip', 'clip.safetensors'), '--data', 'synthetic:64', '--out', at('clip-data.safetensors'));
  }, 300_000);

  it('one step on 2 processes gives the engine\'s loss on that batch and the weights of 1 process on the whole batch', async () => {
    // The engine's own next step from the same checkpoint.
    cpSync(at('eng'), at('eng-next'), { recursive: true });
    await focusclip('train', ...sgd, '--resume', at('eng-next', 'focusclip.safetensors'), '--max-steps', '2', '--out', at('eng-next'));
    const engineLoss = jsonl(at('eng-next', 'train.jsonl')).find((l) => l.step === 1);
    const common = ['--resume', at('eng', 'focusclip.safetensors'), '--data', at('data.safetensors'), '--max-steps', '2'];
    pyOk('train', [...common, '--out', at('p1')]);
    pyOk('train', [...common, '--nproc', '2', '--out', at('p2')]);
    const [one] = jsonl(at('p1', 'train.jsonl'));
    const [two] = jsonl(at('p2', 'train.jsonl'));
    expect(two.step).toBe(1);
    expect(two.processes).toBe(2);
    expect(rel(two.loss, engineLoss.loss)).toBeLessThan(1e-5);
    for (const t of Object.keys(engineLoss.terms)) expect(rel(two.terms[t], engineLoss.terms[t])).toBeLessThan(1e-5);
    expect(rel(two.gradNorm, one.gradNorm)).toBeLessThan(1e-5);
    const a = tensors(at('p2', 'focusclip.safetensors'));
    const b = tensors(at('p1', 'focusclip.safetensors'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [name, x] of b) {
      // Key biases have an exactly zero gradient (softmax ignores a shift); their round-off
      // updates are compared in absolute terms by the floor.
      expect(diffNorm(a.get(name)!, x), name).toBeLessThanOrEqual(1e-5 * norm(x) + 1e-8);
    }
  });

  it('matches the engine\'s loss with feature normalisation and AdamW too (CLIP, modern recipe)', async () => {
    cpSync(at('clip'), at('clip-next'), { recursive: true });
    await focusclip('train', ...adamw, '--resume', at('clip-next', 'clip.safetensors'), '--max-steps', '4', '--out', at('clip-next'));
    const engine = jsonl(at('clip-next', 'train.jsonl')).filter((l) => l.step >= 2);
    pyOk('train', ['--resume', at('clip', 'clip.safetensors'), '--data', at('clip-data.safetensors'), '--max-steps', '4', '--nproc', '2', '--out', at('c2')]);
    const torch = jsonl(at('c2', 'train.jsonl'));
    expect(torch.map((l) => l.step)).toEqual([2, 3]);
    // Step 3 follows an AdamW update made by each side on its own.
    for (let i = 0; i < 2; i++) expect(rel(torch[i].loss, engine[i].loss)).toBeLessThan(1e-5);
  });

  it('resumes exactly: 2 + 2 steps give the weights of 4 steps', () => {
    const base = ['--resume', at('eng', 'focusclip.safetensors'), '--data', at('data.safetensors')];
    pyOk('train', [...base, '--max-steps', '5', '--out', at('straight')]);
    pyOk('train', [...base, '--max-steps', '3', '--out', at('split')]);
    pyOk('train', ['--resume', at('split', 'focusclip.safetensors'), '--data', at('data.safetensors'), '--max-steps', '5', '--out', at('split')]);
    const a = tensors(at('straight', 'focusclip.safetensors'));
    const b = tensors(at('split', 'focusclip.safetensors'));
    for (const [name, x] of a) expect(Array.from(b.get(name)!), name).toEqual(Array.from(x));
    expect(jsonl(at('split', 'train.jsonl')).map((l) => l.step)).toEqual([1, 2, 3, 4]);
  });

  it('comes back: the engine resumes a checkpoint of 2 processes, and focusclip eval predicts what PyTorch predicts', async () => {
    pyOk('train', ['--resume', at('eng', 'focusclip.safetensors'), '--data', at('data.safetensors'), '--max-steps', '4', '--nproc', '2', '--out', at('back')]);
    const ckpt = at('back', 'focusclip.safetensors');
    // The browser suite serves this one to the demo page (?checkpoint=) after the Node tests.
    mkdirSync(join(ROOT, 'dist', 'test-fixtures'), { recursive: true });
    cpSync(ckpt, join(ROOT, 'dist', 'test-fixtures', 'torch-ddp.safetensors'));
    // The engine continues at step 4 with the optimizer state and data order of the run.
    cpSync(at('back'), at('back-engine'), { recursive: true });
    await focusclip('train', ...sgd, '--resume', at('back-engine', 'focusclip.safetensors'), '--max-steps', '6', '--out', at('back-engine'));
    const engine = jsonl(at('back-engine', 'train.jsonl')).filter((l) => l.step >= 4);
    expect(engine.map((l) => l.step)).toEqual([4, 5]);
    pyOk('train', ['--resume', ckpt, '--data', at('data.safetensors'), '--max-steps', '6', '--out', at('back-torch')]);
    const torch = jsonl(at('back-torch', 'train.jsonl'));
    expect(rel(engine[0].loss, torch[0].loss)).toBeLessThan(1e-5);

    await focusclip('eval', '--checkpoint', ckpt, '--dataset', `synthetic:${at('gen', 'eval', 'age')}`, '--dataset', `synthetic:${at('gen', 'eval', 'activity')}`, '--predictions', '--out', at('eval'));
    const report = JSON.parse(readFileSync(at('eval', 'report.json'), 'utf8'));
    pyOk('zeroshot', ['--checkpoint', ckpt, '--data', at('data.safetensors'), '--out', at('torch-preds.json')]);
    const theirs = JSON.parse(readFileSync(at('torch-preds.json'), 'utf8'));
    let compared = 0;
    for (const r of report.results) {
      const t = theirs[r.dataset];
      expect(t, r.dataset).toBeDefined();
      expect(r.predictions.map((p: { id: string }) => p.id)).toEqual(t.ids);
      r.predictions.forEach((p: { top: number[] }, i: number) => {
        const s = [...t.scores[i]].sort((x: number, y: number) => y - x);
        if (s[0] - s[1] < 1e-5) return; // a tie within float round-off may order either way
        expect(p.top[0], `${r.dataset} item ${i}`).toBe(t.top[i][0]);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(24);
  });

  it('names bad input: another preset, data of another run, a missing image, too many processes, a lost process', async () => {
    const ckpt = at('eng', 'focusclip.safetensors');
    const data = at('data.safetensors');
    let r = py('train', ['--resume', ckpt, '--data', data, '--out', at('bad'), '--model', 'small']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/holds a 'tiny' model, not 'small'/);
    r = py('train', ['--resume', ckpt, '--data', at('clip-data.safetensors'), '--out', at('bad')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/has no heatmaps but .* is a FocusCLIP model; export the data with --checkpoint/);
    await focusclip('export-data', '--checkpoint', ckpt, '--data', 'synthetic:48', '--out', at('other-data.safetensors'));
    r = py('train', ['--resume', ckpt, '--data', at('other-data.safetensors'), '--out', at('bad')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/was trained on synthetic:64 \(64 samples\) but .* holds synthetic:48 \(48 samples\).*pass --force/);
    r = py('train', ['--resume', ckpt, '--data', ckpt, '--out', at('bad')]);
    expect(r.err).toMatch(/is not a data file of `focusclip export-data`/);
    cpSync(data, at('truncated.safetensors'));
    truncateSync(at('truncated.safetensors'), 4096);
    r = py('train', ['--resume', ckpt, '--data', at('truncated.safetensors'), '--out', at('bad')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/truncated/);
    r = py('train', ['--resume', ckpt, '--data', data, '--out', at('bad'), '--nproc', '3']);
    expect(r.status).not.toBe(0);
    expect(r.err).toMatch(/the global batch of 8 does not split into 3 equal shares/);
    r = py('train', ['--resume', ckpt, '--data', data, '--out', at('bad'), '--nproc', '16']);
    expect(r.err).toMatch(/does not split into 16 equal shares/);

    // A record whose image is missing is named before anything is written.
    mkdirSync(at('recs', 'images'), { recursive: true });
    const recs = JSON.parse(readFileSync(at('gen', 'records.json'), 'utf8'));
    recs[0].image = 'nowhere.png';
    writeFileSync(at('recs', 'records.json'), JSON.stringify(recs));
    cpSync(at('gen', 'images'), at('recs', 'images'), { recursive: true });
    await expect(focusclip('export-data', '--checkpoint', ckpt, '--records', at('recs', 'records.json'), '--out', at('recs', 'data.safetensors'))).rejects.toThrow(/nowhere\.png/);

    // Process 1 dies at step 3; the checkpoint of step 2 survives and resumes in the engine.
    r = py('train', ['--resume', ckpt, '--data', data, '--out', at('lost'), '--max-steps', '6', '--checkpoint-every', '2', '--nproc', '2'], { FOCUSCLIP_TORCH_FAIL_AT: '1:3' });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/process 1 of 2 exited with status 17; the other processes were stopped\. The last checkpoint is .*focusclip\.safetensors \(step 2\)/);
    await focusclip('train', ...sgd, '--resume', at('lost', 'focusclip.safetensors'), '--max-steps', '3', '--out', at('lost'));
    expect(jsonl(at('lost', 'train.jsonl')).at(-1).step).toBe(2);
  });
});
