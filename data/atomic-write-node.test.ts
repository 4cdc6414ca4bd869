import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write-node.js';

describe('writeFileAtomic', () => {
  it('removes temporaries left by dead writers of the same path, keeps other files, and makes missing folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-atomic-'));
    try {
      // pid 2^22 + 1 is above Linux's pid_max default range, so no process has it.
      const stale = '.ckpt.safetensors.tmp-4194305-abc';
      const live = `.ckpt.safetensors.tmp-${process.ppid}-abc`; // our parent runs: not stale
      writeFileSync(join(dir, stale), 'partial');
      writeFileSync(join(dir, live), 'in progress');
      writeFileSync(join(dir, '.other.tmp-4194305-x'), 'not ours');
      writeFileAtomic(join(dir, 'ckpt.safetensors'), 'new');
      expect(readdirSync(dir).sort()).toEqual(['.ckpt.safetensors.tmp-' + process.ppid + '-abc', '.other.tmp-4194305-x', 'ckpt.safetensors'].sort());
      expect(readFileSync(join(dir, 'ckpt.safetensors'), 'utf8')).toBe('new');
      writeFileAtomic(join(dir, 'a', 'b', 'c.txt'), new Uint8Array([104, 105]));
      expect(readFileSync(join(dir, 'a', 'b', 'c.txt'), 'utf8')).toBe('hi');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() === 0)('keeps the old file and no temporary when the folder is not writable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-atomic-'));
    try {
      writeFileSync(join(dir, 'x.json'), 'old');
      chmodSync(dir, 0o500);
      expect(() => writeFileAtomic(join(dir, 'x.json'), 'new')).toThrow(/Could not write .*x\.json: permission denied\. The previous version/);
      chmodSync(dir, 0o700);
      expect(readdirSync(dir)).toEqual(['x.json']);
      expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('old');
    } finally {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
