// The pretrained towers shipped with the package (weights/, made by `focusclip pretrain`): found
// upwards from this module, which is cli/ from source and dist/node/ when bundled.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shipped file for a preset's tower, e.g. weights/tiny-vision.safetensors, or undefined. */
export function shippedWeights(preset: string, tower: 'vision' | 'text'): string | undefined {
  const rel = join('weights', `${preset}-${tower}.safetensors`);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, rel)) && existsSync(join(dir, 'package.json'))) return join(dir, rel);
    if (dirname(dir) === dir) return undefined;
  }
}
