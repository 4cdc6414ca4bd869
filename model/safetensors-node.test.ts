// Node-only: atomic checkpoint files.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileBytes, writeFileAtomic } from './safetensors-node.js';
import { decodeSafetensors, encodeSafetensors, toFloat32 } from './safetensors.js';

describe('checkpoint files', () => {
  it('replaces the target atomically and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'focusclip-st-'));
    try {
      const path = join(dir, 'model.safetensors');
      writeFileSync(path, 'old contents');
      const w = Float32Array.from({ length: 257 }, (_, i) => Math.sin(i) * 1e-3);
      writeFileAtomic(path, encodeSafetensors([['w', { shape: [257], data: w }]], { step: '12' }));
      const back = decodeSafetensors(readFileBytes(path));
      expect(back.metadata.step).toBe('12');
      expect(Array.from(toFloat32(back.tensors.get('w')!))).toEqual(Array.from(w));
      expect(readdirSync(dir)).toEqual(['model.safetensors']);
      // Under a regular file no directory can be made: the error names the target.
      expect(() => writeFileAtomic(join(dir, 'model.safetensors', 'x.safetensors'), new Uint8Array(8))).toThrow(/Could not write .*model\.safetensors\/x\.safetensors/);
      expect(readdirSync(dir)).toEqual(['model.safetensors']);
      expect(() => readFileBytes(join(dir, 'missing.safetensors'))).toThrow(/Could not read .*missing\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
