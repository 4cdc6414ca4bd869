// Where a benchmark writes its results: `--out DIR` (default bench/results, relative to the
// working directory, so an installed package writes next to the user and not into node_modules).
import { join } from 'node:path';
import { writeFileAtomic } from '../data/atomic-write-node.js';

export interface BenchOutput {
  dir: string;
  /** Write `name` under the output folder; returns the path written. */
  write(name: string, data: string | Uint8Array): string;
}

export const DEFAULT_BENCH_OUT = 'bench/results';

export function benchOutput(dir = DEFAULT_BENCH_OUT): BenchOutput {
  return {
    dir,
    write(name, data) {
      const path = join(dir, name);
      writeFileAtomic(path, data);
      return path;
    },
  };
}
