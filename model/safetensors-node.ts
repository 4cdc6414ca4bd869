// Node-only file I/O for checkpoints: reads with the file named in errors; writes through the
// project's one durable atomic writer (data/atomic-write-node.ts).

import { readFileSync } from 'node:fs';

export { writeFileAtomic } from '../data/atomic-write-node.js';

export function readFileBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new Error(`Could not read ${path}: ${(err as Error).message}`);
  }
}
