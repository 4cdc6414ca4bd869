// Files that ship beside the code in the package (the pretrained towers in weights/, the PyTorch
// peer in dist/python/): found upwards from this module, which is cli/ from source and dist/node/
// when bundled, so the same lookup works in the repository and in an installed package.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first of `rels` that exists in this module's folder or a folder above it, or undefined. */
export function packageFile(rels: readonly string[]): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const rel of rels) if (existsSync(join(dir, rel))) return join(dir, rel);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The shipped file for a preset's tower, e.g. weights/tiny-vision.safetensors, or undefined. */
export function shippedWeights(preset: string, tower: 'vision' | 'text'): string | undefined {
  return packageFile([join('weights', `${preset}-${tower}.safetensors`)]);
}
