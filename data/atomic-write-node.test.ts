import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeFileAtomic } from './atomic-write-node.js';
import { decodeSafetensors, encodeSafetensors } from '../model/safetensors.js';

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

  it('survives kill -9 at random moments of checkpoint writes: the file is always whole, and the next write leaves no temporary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-kill-'));
    const here = dirname(fileURLToPath(import.meta.url));
    // A writer process: 8 MB checkpoints with their step in the metadata, written as fast as it can.
    const src = join(dir, 'writer.ts');
    writeFileSync(
      src,
      `import { writeFileAtomic } from ${JSON.stringify(join(here, 'atomic-write-node.ts'))};
       import { encodeSafetensors } from ${JSON.stringify(join(here, '..', 'model', 'safetensors.ts'))};
       const data = new Float32Array(2 * 1024 * 1024);
       for (let step = 1; ; step++) {
         data.fill(step);
         writeFileAtomic(process.argv[2], encodeSafetensors([['w', { shape: [data.length], data }]], { step: String(step) }));
         process.stdout.write(step + '\\n');
       }`,
    );
    const bundle = join(dir, 'writer.mjs');
    await build({ entryPoints: [src], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' });
    const ckpt = join(dir, 'run', 'ckpt.safetensors');
    try {
      for (let trial = 0; trial < 8; trial++) {
        const child = spawn(process.execPath, [bundle, ckpt], { stdio: ['ignore', 'pipe', 'inherit'] });
        // Let it write a few checkpoints, then kill it at an uneven moment (inside a write, mostly).
        let lines = 0;
        await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => ((lines += b.toString().split('\n').length - 1) >= 2 ? resolve() : undefined)));
        await new Promise((r) => setTimeout(r, 3 + 7 * trial));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const file = decodeSafetensors(readFileSync(ckpt), 'checkpoint');
        const step = Number(file.metadata.step);
        expect(step).toBeGreaterThanOrEqual(1);
        const w = new Float32Array(file.tensors.get('w')!.bytes.buffer);
        expect(w[0]).toBe(step);
        expect(w[w.length - 1]).toBe(step);
      }
      // Temporaries of killed writers may remain until the next write to the same path removes them.
      writeFileAtomic(ckpt, encodeSafetensors([['w', { shape: [1], data: new Float32Array([7]) }]], { step: 'final' }));
      expect(readdirSync(join(dir, 'run'))).toEqual(['ckpt.safetensors']);
      expect(decodeSafetensors(readFileSync(ckpt)).metadata.step).toBe('final');
      expect(existsSync(ckpt)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
