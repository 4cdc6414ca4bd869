// The GEMM tuner's choices, keyed by adapter and shape: kept apart from the tuner so that
// kernels/gemm.ts can read them without importing the tuner, which launches kernels/gemm.ts.
// Choices live in memory; a store (kernels/gemm-cache-node.ts in Node, writing under .cache/)
// makes them survive the process.

import type { Runtime } from '../engine/runtime.js';
import type { GemmVariant } from './gemm-wgsl.js';

/** Where tuned choices persist (JSON-able map from key to variant). */
export interface GemmCacheStore {
  load(): Record<string, GemmVariant>;
  save(entries: Record<string, GemmVariant>): void;
}

const memory = new Map<string, GemmVariant>();
let store: GemmCacheStore | undefined;

function adapterKey(e: Runtime): string {
  const a = e.adapter;
  return `${a.vendor}/${a.architecture}/${a.device || a.description}`;
}

/** Persist choices through `s` (and load what it already holds). */
export function setGemmCacheStore(s: GemmCacheStore | undefined): void {
  store = s;
  if (s) for (const [k, v] of Object.entries(s.load())) memory.set(k, v);
}

export function cachedVariant(e: Runtime, key: string): GemmVariant | undefined {
  return memory.get(`${adapterKey(e)}|${key}`);
}

export function rememberVariant(e: Runtime, key: string, v: GemmVariant): void {
  memory.set(`${adapterKey(e)}|${key}`, v);
  store?.save(Object.fromEntries(memory));
}
