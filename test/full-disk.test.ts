// A disk that fills up during training: the checkpoint write fails with a message that names the
// file, says the disk is full and names the last good checkpoint; no temporary file is left and
// the last good checkpoint still loads. Needs a small tmpfs (root with mount permission, as in CI
// and this project's development machines); skipped, with the reason, where mounting is refused.
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTrain } from '../cli/train.js';
import { runCommand } from '../cli/run.js';
import { decodeCheckpoint } from '../model/checkpoint.js';
import { readTrainingState } from '../train/trainer.js';

const mnt = mkdtempSync(join(tmpdir(), 'fc-full-disk-'));
// One tiny FocusCLIP checkpoint with AdamW state is ~19 MB: 30 MB hold one, not one plus the next one's temporary file.
const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=30m', 'tmpfs', mnt], { encoding: 'utf8' });
const mounted = mount.status === 0;
if (!mounted) console.warn(`SKIPPED full-disk test: cannot mount a tmpfs (${(mount.stderr || String(mount.error)).trim()}); it needs root.`);
afterAll(() => {
  if (mounted) spawnSync('umount', [mnt]);
});

describe.skipIf(!mounted)('a full disk during training', () => {
  it('names the file and the last good checkpoint, leaves no temporary file, and the checkpoint loads', async () => {
    const program = new Command().exitOverride();
    registerTrain(program, runCommand);
    const out = join(mnt, 'run');
    const args = ['node', 'focusclip', 'train', '--data', 'synthetic:12', '--model', 'tiny', '--kind', 'focusclip', '--batch-size', '4', '--max-steps', '3', '--checkpoint-every', '1', '--eval-count', '0', '--out', out];
    await expect(program.parseAsync(args)).rejects.toThrow(
      /^Could not write .*run\/focusclip\.safetensors: the disk is full\. The previous version of the file, if any, is unchanged\. Training stopped after step 2; the last good checkpoint is .*focusclip\.safetensors \(step 1\)\.$/,
    );
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const file = decodeCheckpoint(readFileSync(join(out, 'focusclip.safetensors')), 'checkpoint');
    expect(readTrainingState(file.metadata, 'checkpoint').step).toBe(1);
  });
});
