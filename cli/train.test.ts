// `focusclip train` end to end at a tiny size: logs, curves and checkpoints land in the run folder,
// --resume continues from the checkpoint's step, and config mistakes are named.
import { describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTrain } from './train.js';
import { runCommand } from './run.js';
import { runGenerate } from './generate.js';

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

  it('resumes only on the run\'s own data, cuts the log back to the checkpoint, and says when a run is finished', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-resume-'));
    const args = ['--data', 'synthetic:12', '--model', 'tiny', '--batch-size', '4', '--epochs', '50', '--kind', 'clip', '--out', dir, '--eval-count', '0'];
    await train([...args, '--max-steps', '2']);
    const atTwo = join(dir, 'at-two.safetensors');
    copyFileSync(join(dir, 'clip.safetensors'), atTwo);
    await train([...args, '--max-steps', '4', '--resume', join(dir, 'clip.safetensors')]);
    const first = readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Back to step 2 (as after a crash between checkpoints): steps 2 and 3 are logged once, again.
    await train([...args, '--max-steps', '4', '--resume', atTwo]);
    const again = readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(again.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    expect(again.map((l) => l.loss)).toEqual(first.map((l) => l.loss));
    await expect(train([...args.map((a) => (a === 'synthetic:12' ? 'synthetic:16' : a)), '--max-steps', '5', '--resume', atTwo])).rejects.toThrow(
      /was trained on synthetic:12 \(12 samples\) but this run loads synthetic:16 \(16 samples\).*pass --force/,
    );
    await train([...args.map((a) => (a === 'synthetic:12' ? 'synthetic:16' : a)), '--max-steps', '3', '--resume', atTwo, '--force']);
    const log: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((m) => void log.push(String(m)));
    try {
      await train([...args.map((a) => (a === 'synthetic:12' ? 'synthetic:16' : a)), '--max-steps', '3', '--resume', join(dir, 'clip.safetensors')]);
    } finally {
      spy.mockRestore();
    }
    expect(log.join('\n')).toMatch(/has finished its run \(step 3 of 3\); nothing to do\. Raise --max-steps or --epochs/);
  });

  it('trains from shards written by focusclip generate, resumes on them only, and names a bad shard folder', async () => {
    const gen = mkdtempSync(join(tmpdir(), 'fc-shards-'));
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await runGenerate({ out: gen, count: '12', size: '32', seed: '5', evalCount: '0', evalSeed: '1', evalTasks: '', sheet: '0', shards: true, shardSize: '5', quiet: true });
    } finally {
      quiet.mockRestore();
    }
    const shards = join(gen, 'shards');
    const dir = mkdtempSync(join(tmpdir(), 'fc-train-shards-'));
    const args = ['--shards', shards, '--model', 'tiny', '--batch-size', '4', '--epochs', '50', '--kind', 'clip', '--out', dir, '--eval-count', '0'];
    await train([...args, '--max-steps', '2']);
    const atTwo = join(dir, 'at-two.safetensors');
    copyFileSync(join(dir, 'clip.safetensors'), atTwo);
    await train([...args, '--max-steps', '4']);
    const straight = readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(straight.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    // Resumed at step 2 on the same shards: the same batches, so the same losses as the run straight through.
    await train([...args, '--max-steps', '4', '--resume', atTwo]);
    const resumed = readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(resumed.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    expect(resumed.map((l) => l.loss)).toEqual(straight.map((l) => l.loss));
    const other = args.map((a) => (a === shards ? 'synthetic:12' : a)).map((a) => (a === '--shards' ? '--data' : a));
    await expect(train([...other, '--max-steps', '4', '--resume', atTwo])).rejects.toThrow(
      new RegExp(`was trained on shards:${shards.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(12 samples\\) but this run loads synthetic:12 \\(12 samples\\).*pass --force`),
    );
    await expect(train([...args, '--records', join(gen, 'records.json'), '--max-steps', '1'])).rejects.toThrow(/--records and --shards both name training data; pass one of them/);
    // A missing folder and a cut shard: the message names the folder (or file) and how to make shards.
    await expect(train([...args, '--shards', join(gen, 'nope'), '--max-steps', '1'])).rejects.toThrow(
      /no shard index at .*nope\/index\.json .*create shards with `focusclip generate --shards` or `focusclip prepare mpii`/,
    );
    const cut = join(gen, 'cut');
    cpSync(shards, cut, { recursive: true });
    writeFileSync(join(cut, 'shard-00001.bin'), readFileSync(join(cut, 'shard-00001.bin')).subarray(0, 500));
    await expect(train([...args, '--shards', cut, '--max-steps', '1'])).rejects.toThrow(
      /cut\/shard-00001\.bin: truncated or corrupt .*rebuild them with `focusclip generate --shards` or `focusclip prepare mpii`/,
    );
    copyFileSync(join(shards, 'shard-00001.bin'), join(cut, 'shard-00001.bin'));
    rmSync(join(cut, 'shard-00002.bin'));
    await expect(train([...args, '--shards', cut, '--max-steps', '1'])).rejects.toThrow(/shard file missing or unreadable: .*cut\/shard-00002\.bin \(ENOENT\); rebuild them/);
  });

  it('names config mistakes', async () => {
    const cfg = join(out, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ learningRate: 0.1 }));
    await expect(train([...base, '--config', cfg])).rejects.toThrow(/Unknown config field "learningRate"/);
    await expect(train([...base, '--optimizer', 'lamb'])).rejects.toThrow(/"optimizer" must be one of sgd, adamw/);
    await expect(train([...base, '--batch-size', '64', '--max-steps', '1'])).rejects.toThrow(/batchSize 64 is larger than the training set \(12 samples\)/);
    await expect(train([...base, '--records', join(out, 'missing.json')])).rejects.toThrow(/Records file not found/);
    await expect(train([...base, '--epochs', '0.1', '--max-steps', '0'])).rejects.toThrow(/--epochs 0\.1 of 12 samples at batch 4 is less than one step \(3 steps per epoch\)/);
  });
});
