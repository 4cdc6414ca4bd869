// Node-only persistence of the GEMM tuner's choices (JSON under .cache/, gitignored). Kept apart
// from kernels/gemm*.ts so those stay free of Node built-ins and bundle for the browser.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setGemmCacheStore, type GemmCacheStore } from './gemm-choices.js';
import type { GemmVariant } from './gemm-wgsl.js';

export const DEFAULT_GEMM_CACHE = '.cache/gemm-tune.json';

export function nodeGemmCacheStore(file = DEFAULT_GEMM_CACHE): GemmCacheStore {
  return {
    load() {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as Record<string, GemmVariant>;
      } catch {
        return {}; // no cache yet (or unreadable: it is only a cache, tuning rebuilds it)
      }
    },
    save(entries) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(entries, null, 1));
    },
  };
}

/** Load tuned GEMM choices from disk and save new ones there. */
export function useNodeGemmCache(file = DEFAULT_GEMM_CACHE): void {
  setGemmCacheStore(nodeGemmCacheStore(file));
}
