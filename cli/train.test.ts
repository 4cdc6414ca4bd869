// `focusclip train` end to end at a tiny size: logs, curves and checkpoints land in the run folder,
// --resume continues from the checkpoint's step, and config mistakes are named.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTrain } from './train.js';
import { runCommand } from './run.js';

async function train(args: string[]) {
  const program = new Command().exitOverride();
  registerTrain(program, runCommand);
  await program.parseAsync(['node', 'focusclip', 'train', ...args]);
}

describe('focusclip train', () => {
  const out = mkdtempSync(join(tmpdir(), 'fc-train-'));
  const base = ['--data', 'synthetic:12', '--model', 'tiny', '--batch-size', '4', '--epochs', '50', '--out', out, '--lr', '1e-3'];

  it('trains, logs, checkpoints, and resumes from the checkpoint step', async () => {
    await train([...base, '--max-steps', '3', '--kind', 'clip', '--eval-every', '2', '--eval-count', '4']);
    const log = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.step)).toEqual([0, 1, 2]);
    expect(Number.isFinite(log[2].loss)).toBe(true);
    for (const f of ['clip.safetensors', 'loss.svg', 'loss.png', 'vocab.txt', 'config.json', 'accuracy.svg', 'accuracy.png']) expect(existsSync(join(out, f))).toBe(true);
    // evaluation at step 2 and at the end (step 3): validation loss and the four zero-shot sets
    const evals = readFileSync(join(out, 'eval.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(evals.map((v) => v.step)).toEqual([2, 3]);
    expect(evals[0]['validation loss']).toBeGreaterThan(0);
    expect(Object.keys(evals[0]).filter((k) => k.startsWith('zero-shot')).length).toBe(4);
    await train([...base, '--max-steps', '5', '--kind', 'clip', '--resume', join(out, 'clip.safetensors')]);
    const all = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(all.map((l) => l.step)).toEqual([0, 1, 2, 3, 4]);
    // A CLIP checkpoint resumed as FocusCLIP would train one model and save it under the other's name.
    await expect(train([...base, '--max-steps', '6', '--kind', 'focusclip', '--resume', join(out, 'clip.safetensors')])).rejects.toThrow(
      /clip\.safetensors holds a clip model but --kind is focusclip; resume it with --kind clip\./,
    );
  });

  it('names config mistakes', async () => {
    const cfg = join(out, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ learningRate: 0.1 }));
    await expect(train([...base, '--config', cfg])).rejects.toThrow(/Unknown config field "learningRate"/);
    await expect(train([...base, '--optimizer', 'lamb'])).rejects.toThrow(/"optimizer" must be one of sgd, adamw/);
    await expect(train([...base, '--batch-size', '64', '--max-steps', '1'])).rejects.toThrow(/batchSize 64 is larger than the training set \(12 samples\)/);
    await expect(train([...base, '--records', join(out, 'missing.json')])).rejects.toThrow(/Records file not found/);
  });
});
