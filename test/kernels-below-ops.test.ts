// Kernels launch WGSL and nothing more: no gradient rules, no op table. Imports are checked by
// dependency-cruiser (.dependency-cruiser.cjs) and kernels take the Runtime, which has no op tables;
// reaching them through the engine object anyway (e.ops, e.nn, a cast) or writing a tape node is
// a property access neither can see, so it is checked here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const KERNELS = fileURLToPath(new URL('../kernels', import.meta.url));

function code(file: string): string {
  return readFileSync(join(KERNELS, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
}

describe('kernels', () => {
  it('never use the op table (e.ops, e.nn) or record on the tape', () => {
    const files = readdirSync(KERNELS).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => /\.(ops|nn)\.\w|\.node\s*=/.test(code(f)));
    expect(offenders).toEqual([]);
  });
});
